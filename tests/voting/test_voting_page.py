"""The gallery under /h5/: pages for a phone, the video with Range, OAuth with the fake platform,
and the vote button applying the chat's rules."""
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.voting_helpers import (
    add_entries,
    add_followers,
    add_video,
    csrf_of,
    login,
    oauth_bot,
    votes_in_db,
)

VIEWPORT = '<meta name="viewport" content="width=device-width'
VIDEO = bytes(range(256)) * 40  # 10240 bytes standing in for an mp4


@pytest.fixture
def page_bot(start_bot, fake_platform, tmp_path):
    bot = oauth_bot(start_bot, fake_platform, MEDIA_ROOT=str(tmp_path / "media"))
    bot.entry_ids = add_entries(bot.services)
    bot.media_root = tmp_path / "media"
    return bot


def test_the_gallery_lists_votable_entries_for_a_phone(page_bot):
    media_id = add_video(page_bot.services, page_bot.entry_ids["101"], page_bot.media_root,
                         VIDEO)
    (page_bot.media_root / "posters").mkdir(parents=True)
    (page_bot.media_root / "posters" / f"{media_id}.jpg").write_bytes(b"\xff\xd8\xff fake jpeg")
    page = requests.get(f"{page_bot.url}/h5/gallery", timeout=10)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert VIEWPORT in page.text
    assert "匠心侨都" in page.text and "我身边的质检员" in page.text
    assert "被淘汰的作品" not in page.text and "还在检查的作品" not in page.text
    assert "/h5/entries/101" in page.text and "/h5/entries/102" in page.text
    assert f"/h5/posters/{media_id}.jpg" in page.text  # 101 has a poster
    assert "102号作品" in page.text  # 102 shows the placeholder
    assert "网络投票进行中" in page.text and "2020年8月1日至2020年8月10日" in page.text
    poster = requests.get(f"{page_bot.url}/h5/posters/{media_id}.jpg", timeout=10)
    assert poster.status_code == 200 and poster.headers["Content-Type"] == "image/jpeg"


def test_the_entry_page_plays_the_validated_video_with_range_requests(page_bot):
    entry_id = page_bot.entry_ids["101"]
    add_video(page_bot.services, entry_id, page_bot.media_root, b"old" * 100, name="old.mp4")
    media_id = add_video(page_bot.services, entry_id, page_bot.media_root, VIDEO)
    add_video(page_bot.services, entry_id, page_bot.media_root, b"bad" * 100, verdict="fail",
              name="refused.mp4")
    page = requests.get(f"{page_bot.url}/h5/entries/101", timeout=10)
    assert page.status_code == 200 and VIEWPORT in page.text
    assert "《匠心侨都》" in page.text and "<video" in page.text and "playsinline" in page.text
    assert f'src="/h5/media/{media_id}"' in page.text and 'type="video/mp4"' in page.text
    assert 'method="post"' in page.text and "为101号作品投票" in page.text

    whole = requests.get(f"{page_bot.url}/h5/media/{media_id}", timeout=10)
    assert whole.status_code == 200 and whole.content == VIDEO
    assert whole.headers["Accept-Ranges"] == "bytes"
    part = requests.get(f"{page_bot.url}/h5/media/{media_id}",
                        headers={"Range": "bytes=100-199"}, timeout=10)
    assert part.status_code == 206 and part.content == VIDEO[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(VIDEO)}"
    tail = requests.get(f"{page_bot.url}/h5/media/{media_id}",
                        headers={"Range": "bytes=-10"}, timeout=10)
    assert tail.status_code == 206 and tail.content == VIDEO[-10:]
    beyond = requests.get(f"{page_bot.url}/h5/media/{media_id}",
                          headers={"Range": "bytes=999999-"}, timeout=10)
    assert beyond.status_code == 416
    for older in (media_id - 1, media_id + 1):  # the superseded and the refused file
        assert requests.get(f"{page_bot.url}/h5/media/{older}", timeout=10).status_code == 404


def test_files_of_entries_not_passed_by_screening_are_not_served(page_bot):
    media_id = add_video(page_bot.services, page_bot.entry_ids["103"], page_bot.media_root,
                         VIDEO)
    assert requests.get(f"{page_bot.url}/h5/media/{media_id}", timeout=10).status_code == 404
    page = requests.get(f"{page_bot.url}/h5/entries/103", timeout=10)
    assert page.status_code == 404 and "没有找到编号为“103”的参赛作品" in page.text


@pytest.mark.parametrize("path", ["/h5/entries/999", "/h5/entries/%3Cscript%3E",
                                  "/h5/entries/" + "9" * 300, "/h5/media/abc",
                                  "/h5/media/99999", "/h5/media/-1", "/h5/media/１２",
                                  "/h5/posters/1.jpg"])
def test_bad_addresses_get_a_chinese_404(page_bot, path):
    response = requests.get(page_bot.url + path, timeout=10)
    assert response.status_code == 404
    assert "<html" in response.text and ("没有" in response.text)
    assert "<script>" not in response.text


def test_voting_without_a_session_goes_to_wechat_oauth_and_back(page_bot, fake_platform):
    add_followers(page_bot.services, ["oPageVoter"])
    browser = requests.Session()
    token = csrf_of(browser, page_bot, "102")
    first = browser.post(f"{page_bot.url}/h5/entries/102/vote", data={"csrf": token},
                         allow_redirects=False, timeout=10)
    assert first.status_code == 303
    location = first.headers["Location"]
    parts = urlsplit(location)
    assert location.startswith(fake_platform.url + "/connect/oauth2/authorize?")
    assert parts.fragment == "wechat_redirect"
    query = parse_qs(parts.query)
    assert query["scope"] == ["snsapi_base"] and query["response_type"] == ["code"]
    assert query["appid"] == ["wx1234567890test"]
    assert query["redirect_uri"] == [page_bot.url + "/h5/oauth/callback"]
    assert len(query["state"][0]) <= 128
    back = browser.get(location, params={"sim_openid": "oPageVoter"}, allow_redirects=False,
                       timeout=10)
    assert back.status_code == 302
    # WeChat's redirect back casts the vote the button asked for: one press, no second one
    voted = browser.get(back.headers["Location"], allow_redirects=False, timeout=10,
                        headers={"User-Agent": "Mozilla/5.0 MicroMessenger/8.0.40"})
    assert voted.status_code == 200 and "投票成功" in voted.text
    assert "102号作品《我身边的质检员》" in voted.text
    [vote] = votes_in_db(page_bot.services)
    assert (vote.voter_openid, vote.channel, vote.client_ip) == ("oPageVoter", "page",
                                                                 "127.0.0.1")
    assert vote.user_agent == "Mozilla/5.0 MicroMessenger/8.0.40"
    assert "您已投：102号《我身边的质检员》" in browser.get(
        f"{page_bot.url}/h5/entries/101", timeout=10).text


def test_a_used_or_invented_code_is_refused_with_a_clear_page(page_bot, fake_platform):
    browser = requests.Session()
    to_wechat = browser.get(f"{page_bot.url}/h5/login", params={"next": "/h5/entries/101"},
                            allow_redirects=False, timeout=10)
    back = browser.get(to_wechat.headers["Location"], params={"sim_openid": "oReuse"},
                       allow_redirects=False, timeout=10)
    callback = back.headers["Location"]
    assert browser.get(callback, allow_redirects=False, timeout=10).status_code == 303
    # the same code again (a reload, a shared link): WeChat says 40163; we say so, as a 4xx
    reused = browser.get(callback, allow_redirects=False, timeout=10)
    assert reused.status_code == 400 and "授权码无效或已被使用" in reused.text
    forged = browser.get(callback.replace("code=", "code=x"), allow_redirects=False, timeout=10)
    assert forged.status_code == 400 and "授权码无效或已被使用" in forged.text


def test_a_forged_or_foreign_state_and_a_missing_code_are_refused(page_bot):
    browser = login(page_bot, "oStateUser")
    base = f"{page_bot.url}/h5/oauth/callback"
    missing = browser.get(base, params={"state": "x"}, allow_redirects=False, timeout=10)
    assert missing.status_code == 400 and "微信没有返回授权信息" in missing.text
    forged = browser.get(base, params={"code": "abc", "state": "WyIvL2V2aWwuZXhhbXBsZSJd.x.y"},
                         allow_redirects=False, timeout=10)
    assert forged.status_code == 400 and "登录链接已失效" in forged.text
    # a real state from another browser session does not log this one in
    stranger = requests.Session()
    to_wechat = stranger.get(f"{page_bot.url}/h5/login", allow_redirects=False, timeout=10)
    state = parse_qs(urlsplit(to_wechat.headers["Location"]).query)["state"][0]
    foreign = browser.get(base, params={"code": "abc", "state": state}, allow_redirects=False,
                          timeout=10)
    assert foreign.status_code == 400 and "不属于本次访问" in foreign.text


def test_login_never_redirects_off_site(page_bot, fake_platform):
    browser = login(page_bot, "oSafe", next_url="/h5/gallery")
    for target in ("https://evil.example/", "//evil.example/x", "/console/", "/h5\\..\\x"):
        to_wechat = browser.get(f"{page_bot.url}/h5/login", params={"next": target},
                                allow_redirects=False, timeout=10)
        back = browser.get(to_wechat.headers["Location"], params={"sim_openid": "oSafe"},
                           allow_redirects=False, timeout=10)
        landed = browser.get(back.headers["Location"], allow_redirects=False, timeout=10)
        assert landed.status_code == 303 and landed.headers["Location"] == "/h5/gallery"


def test_the_vote_button_needs_the_sessions_csrf_token(page_bot):
    add_followers(page_bot.services, ["oCsrf"])
    browser = login(page_bot, "oCsrf")
    csrf_of(browser, page_bot, "101")
    for data in ({}, {"csrf": "forged"}):
        refused = browser.post(f"{page_bot.url}/h5/entries/101/vote", data=data, timeout=10)
        assert refused.status_code == 400 and "页面已过期" in refused.text
    assert votes_in_db(page_bot.services) == []
    fetched = requests.get(f"{page_bot.url}/h5/entries/101/vote", timeout=10)
    assert fetched.status_code in (404, 405) and "<html" in fetched.text


def test_the_page_applies_the_same_rules_as_chat(page_bot):
    add_followers(page_bot.services, ["oBoth"])
    chat = page_bot.user(openid="oBoth")
    assert "投票成功" in chat.send_text("投票 101").content
    browser = login(page_bot, "oBoth")
    own_token = token = csrf_of(browser, page_bot, "102")
    again = browser.post(f"{page_bot.url}/h5/entries/102/vote", data={"csrf": token},
                         timeout=10)
    assert again.status_code == 409 and "您已经投过票了" in again.text
    assert "101号作品《匠心侨都》" in again.text

    stranger = login(page_bot, "oNotFollowing")
    token = csrf_of(stranger, page_bot, "101")
    refused = stranger.post(f"{page_bot.url}/h5/entries/101/vote", data={"csrf": token},
                            timeout=10)
    assert refused.status_code == 403 and "请先关注本公众号再投票" in refused.text
    unknown = stranger.post(f"{page_bot.url}/h5/entries/999/vote", data={"csrf": token},
                            timeout=10)
    assert unknown.status_code == 404 and "没有编号为“999”的作品" in unknown.text

    page_bot.services.clock.jump_to("2020-08-11T00:00:00")
    closed = browser.post(f"{page_bot.url}/h5/entries/102/vote",
                          data={"csrf": own_token}, timeout=10)
    assert closed.status_code == 403 and "投票已于2020年8月10日 23:59结束" in closed.text
    assert len(votes_in_db(page_bot.services)) == 1


def test_when_wechat_cannot_be_reached_the_callback_says_so(start_bot, fake_platform):
    bot = oauth_bot(start_bot, fake_platform)
    browser = requests.Session()
    to_wechat = browser.get(f"{bot.url}/h5/login", allow_redirects=False, timeout=10)
    back = browser.get(to_wechat.headers["Location"], params={"sim_openid": "oDown"},
                       allow_redirects=False, timeout=10)
    bot.services.settings["WECHAT_API_BASE_URL"] = "http://127.0.0.1:9"  # nothing listens
    answer = browser.get(back.headers["Location"], allow_redirects=False, timeout=20)
    assert answer.status_code == 502 and "暂时无法向微信确认您的身份" in answer.text
