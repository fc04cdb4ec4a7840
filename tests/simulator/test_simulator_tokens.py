"""The fake platform's access tokens behave like WeChat's."""
import requests

from tests.platform_fixtures import sim_wechat_client


def get_token(platform, **overrides):
    config = platform.app.config
    params = {"grant_type": "client_credential", "appid": config["APP_ID"],
              "secret": config["APP_SECRET"], **overrides}
    return requests.get(f"{platform.url}/cgi-bin/token", params=params, timeout=10).json()


def stable_token(platform, force=False):
    config = platform.app.config
    body = {"grant_type": "client_credential", "appid": config["APP_ID"],
            "secret": config["APP_SECRET"], "force_refresh": force}
    return requests.post(f"{platform.url}/cgi-bin/stable_token", json=body, timeout=10).json()


def menu_errcode(platform, token) -> int:
    params = {} if token is None else {"access_token": token}
    answer = requests.get(f"{platform.url}/cgi-bin/menu/get", params=params, timeout=10).json()
    return answer["errcode"]


def test_token_fetch_and_credential_errors(fake_platform):
    answer = get_token(fake_platform)
    assert answer["expires_in"] == 7200 and len(answer["access_token"]) > 64
    assert get_token(fake_platform, secret="wrong")["errcode"] == 40125
    assert get_token(fake_platform, appid="wx_wrong")["errcode"] == 40013
    assert get_token(fake_platform, grant_type="password")["errcode"] == 40002


def test_api_calls_need_a_valid_token(fake_platform):
    assert menu_errcode(fake_platform, None) == 41001
    assert menu_errcode(fake_platform, "made-up") == 40001
    assert menu_errcode(fake_platform, fake_platform.token()) == 46003  # valid token, no menu


def test_a_new_fetch_invalidates_the_old_token_after_five_minutes(fake_platform):
    old = get_token(fake_platform)["access_token"]
    new = get_token(fake_platform)["access_token"]
    assert new != old
    fake_platform.clock.advance(299)
    assert menu_errcode(fake_platform, old) == 46003
    fake_platform.clock.advance(2)
    assert menu_errcode(fake_platform, old) == 40001
    assert menu_errcode(fake_platform, new) == 46003


def test_a_token_expires_after_7200_seconds(fake_platform):
    token = fake_platform.token()
    fake_platform.clock.advance(7199)
    assert menu_errcode(fake_platform, token) == 46003
    fake_platform.clock.advance(1)
    assert menu_errcode(fake_platform, token) == 42001


def test_daily_token_fetches_are_limited(fake_platform_factory):
    platform = fake_platform_factory(TOKEN_FETCHES_PER_DAY=3)
    assert all("access_token" in get_token(platform) for _ in range(3))
    assert get_token(platform)["errcode"] == 45009
    platform.clock.advance(24 * 3600)
    assert "access_token" in get_token(platform)


def test_stable_token_is_unchanged_until_forced(fake_platform):
    first = stable_token(fake_platform)
    fake_platform.clock.advance(600)
    again = stable_token(fake_platform)
    assert again["access_token"] == first["access_token"]
    assert again["expires_in"] == first["expires_in"] - 600

    forced = stable_token(fake_platform, force=True)
    assert forced["access_token"] != first["access_token"] and forced["expires_in"] == 7200
    assert menu_errcode(fake_platform, first["access_token"]) == 40001
    assert stable_token(fake_platform)["access_token"] == forced["access_token"]


def test_stable_token_renews_in_its_last_five_minutes_and_is_isolated_from_token(fake_platform):
    first = stable_token(fake_platform)["access_token"]
    get_token(fake_platform)  # a /cgi-bin/token fetch does not touch the stable pool
    assert menu_errcode(fake_platform, first) == 46003
    fake_platform.clock.advance(7200 - 299)
    renewed = stable_token(fake_platform)
    assert renewed["access_token"] != first and renewed["expires_in"] == 7200
    assert menu_errcode(fake_platform, first) == 46003  # the old one lives out its time


def test_wechatpy_client_refetches_an_expired_token(fake_platform):
    client = sim_wechat_client(fake_platform)
    client.menu.create({"button": [{"type": "click", "name": "报名", "key": "SIGN_UP"}]})
    fake_platform.clock.advance(7300)
    assert client.menu.get()["menu"]["button"][0]["key"] == "SIGN_UP"
    codes = [c["errcode"] for c in fake_platform.state.calls if c["path"] == "/cgi-bin/menu/get"]
    assert codes[0] in (42001, 40001) and codes[-1] == 0
