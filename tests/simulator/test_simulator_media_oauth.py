"""Media, web OAuth, tags, menus and injected faults on the fake platform."""
import io
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from wechatpy.exceptions import WeChatClientException

from tests.platform_fixtures import sim_wechat_client

THREE_DAYS = 3 * 24 * 3600


@pytest.fixture
def client(fake_platform):
    return sim_wechat_client(fake_platform)


def test_image_media_answers_with_its_bytes(fake_platform, client):
    media_id = client.media.upload("image", ("poster.jpg", io.BytesIO(b"\xff\xd8jpeg")))["media_id"]
    response = client.media.download(media_id)
    assert response.content == b"\xff\xd8jpeg"
    assert response.headers["Content-Type"] == "image/jpeg"
    assert f'filename="{media_id}.jpg"' in response.headers["Content-disposition"]


def test_video_media_answers_with_a_video_url_or_bytes_as_configured(fake_platform, client):
    media_id = client.media.upload("video", ("clip.mp4", io.BytesIO(b"mp4-bytes")))["media_id"]
    answer = client.media.download(media_id)
    assert set(answer) == {"video_url"}
    assert requests.get(answer["video_url"], timeout=10).content == b"mp4-bytes"

    fake_platform.sim("POST", f"media/{media_id}", json={"answer": "bytes"})
    assert client.media.download(media_id).content == b"mp4-bytes"


def test_media_expires_three_days_after_upload(fake_platform, client):
    media_id = client.media.upload("video", ("clip.mp4", io.BytesIO(b"v")))["media_id"]
    video_url = client.media.download(media_id)["video_url"]
    fake_platform.clock.advance(THREE_DAYS)
    with pytest.raises(WeChatClientException) as expired:
        client.media.download(media_id)
    assert expired.value.errcode == 40007
    assert requests.get(video_url, timeout=10).status_code == 404


def test_upload_refuses_oversized_thumbs_and_unknown_types(fake_platform, client):
    with pytest.raises(WeChatClientException) as too_big:
        client.media.upload("thumb", ("t.jpg", io.BytesIO(b"x" * (65 * 1024))))
    assert too_big.value.errcode == 40006
    with pytest.raises(WeChatClientException) as bad_type:
        client.media.upload("file", ("a.txt", io.BytesIO(b"x")))
    assert bad_type.value.errcode == 40004


def authorize(platform, session, **extra):
    params = {"appid": platform.app.config["APP_ID"], "response_type": "code",
              "scope": "snsapi_base", "state": "s1",
              "redirect_uri": "http://bot.example/h5/vote?contest=jm", **extra}
    response = session.get(f"{platform.url}/connect/oauth2/authorize", params=params,
                           allow_redirects=False, timeout=10)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc == "bot.example" and location.path == "/h5/vote"
    query = parse_qs(location.query)
    assert query["contest"] == ["jm"] and query["state"] == ["s1"]
    return query["code"][0]


def exchange(platform, code):
    config = platform.app.config
    return requests.get(f"{platform.url}/sns/oauth2/access_token", timeout=10, params={
        "appid": config["APP_ID"], "secret": config["APP_SECRET"], "code": code,
        "grant_type": "authorization_code"}).json()


def test_oauth_code_gives_the_openid_once(fake_platform):
    session = requests.Session()
    code = authorize(fake_platform, session, sim_openid="oVoter000000000000000000001")
    answer = exchange(fake_platform, code)
    assert answer["openid"] == "oVoter000000000000000000001"
    assert answer["scope"] == "snsapi_base" and answer["expires_in"] == 7200
    assert exchange(fake_platform, code)["errcode"] == 40163
    assert exchange(fake_platform, "made-up")["errcode"] == 40029

    later = authorize(fake_platform, session)  # the cookie remembers the simulated user
    fake_platform.clock.advance(301)
    assert exchange(fake_platform, later)["errcode"] == 40029


def test_oauth_refuses_a_foreign_redirect_domain(fake_platform_factory):
    platform = fake_platform_factory(OAUTH_DOMAINS=["bot.example"])
    response = requests.get(f"{platform.url}/connect/oauth2/authorize", timeout=10, params={
        "appid": platform.app.config["APP_ID"], "redirect_uri": "http://evil.example/x",
        "response_type": "code", "scope": "snsapi_base", "sim_openid": "o1"},
        allow_redirects=False)
    assert response.status_code == 400 and "10003" in response.text


def test_tag_limits(fake_platform, client):
    fans = [fake_platform.state.add_user(subscribed=True).openid for _ in range(51)]
    tag_id = client.tag.create("评委")["id"]
    with pytest.raises(WeChatClientException) as too_many_openids:
        client.tag.tag_user(tag_id, fans)
    assert too_many_openids.value.errcode == 40032
    client.tag.tag_user(tag_id, fans[:50])
    assert client.tag.get_tag_users(tag_id)["count"] == 50
    assert client.tag.get_user_tag(fans[0]) == [tag_id]

    for n in range(99):
        client.tag.create(f"tag-{n}")
    with pytest.raises(WeChatClientException) as too_many_tags:
        client.tag.create("one more")
    assert too_many_tags.value.errcode == 45056


def test_menu_round_trip_and_limits(fake_platform, client):
    menu = {"button": [{"name": "参赛", "sub_button": [
        {"type": "click", "name": "报名", "key": "SIGN_UP"},
        {"type": "view", "name": "投票", "url": "http://bot.example/h5/vote"}]}]}
    client.menu.create(menu)
    assert client.menu.get()["menu"] == menu
    info = client.menu.get_menu_info()
    assert info["selfmenu_info"]["button"][0]["sub_button"]["list"][0]["key"] == "SIGN_UP"
    with pytest.raises(WeChatClientException) as too_many:
        client.menu.create({"button": [{"type": "click", "name": "x", "key": "k"}] * 4})
    assert too_many.value.errcode == 40016


def test_injected_faults_hit_the_next_calls_then_clear(fake_platform, client):
    openid = fake_platform.state.add_user(subscribed=True).openid
    fake_platform.state.record_interaction(openid, "message")
    path = "/cgi-bin/message/custom/send"
    fake_platform.sim("POST", "faults", json={"path": path, "kind": "busy", "count": 1})
    fake_platform.sim("POST", "faults", json={"path": path, "kind": "http500", "count": 1})

    with pytest.raises(WeChatClientException) as busy:
        client.message.send_text(openid, "a")
    assert busy.value.errcode == -1
    with pytest.raises(WeChatClientException) as server_error:
        client.message.send_text(openid, "b")
    assert server_error.value.response.status_code == 500
    client.message.send_text(openid, "c")

    assert [m["content"] for m in fake_platform.state.inbox_of(openid)] == ["c"]
    logged = fake_platform.sim("GET", "calls", params={"path": path})["calls"]
    assert [(c["errcode"], c["http_status"]) for c in logged] == [(-1, 200), (None, 500), (0, 200)]
    assert all(c["query"]["access_token"] == "***" for c in logged)
