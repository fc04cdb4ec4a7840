"""The fake platform's follower endpoints answer like WeChat's: user/info, its batchget and
user/get, with their shapes, errors and daily quotas."""
import pytest
import requests


def _get(platform, path, **params):
    params["access_token"] = platform.token()
    return requests.get(f"{platform.url}/cgi-bin/{path}", params=params, timeout=10).json()


def _batch(platform, openids):
    return requests.post(f"{platform.url}/cgi-bin/user/info/batchget", timeout=10,
                         params={"access_token": platform.token()},
                         json={"user_list": [{"openid": o, "lang": "zh_CN"} for o in openids]}
                         ).json()


@pytest.fixture
def platform(fake_platform):
    fake_platform.sim("POST", "/users", json={"openid": "oOld", "subscribed": True,
                                              "subscribe_time": 1500000000, "unionid": "uOld"})
    fake_platform.sim("POST", "/users", json={"openid": "oGuest"})
    return fake_platform


def test_user_info_tells_follow_state_and_time_and_refuses_strangers(platform):
    old = _get(platform, "user/info", openid="oOld", lang="zh_CN")
    assert (old["subscribe"], old["subscribe_time"], old["unionid"]) == (1, 1500000000, "uOld")
    assert _get(platform, "user/info", openid="oGuest") == {"subscribe": 0, "openid": "oGuest"}
    assert _get(platform, "user/info", openid="oNobody")["errcode"] == 40003
    assert _get(platform, "user/info")["errcode"] == 40003


def test_batchget_takes_1_to_100_openids_of_this_account(platform):
    answer = _batch(platform, ["oGuest", "oOld"])
    assert [(u["openid"], u["subscribe"]) for u in answer["user_info_list"]] == [
        ("oGuest", 0), ("oOld", 1)]
    assert _batch(platform, [])["errcode"] == 40032
    assert _batch(platform, ["oOld"] * 101)["errcode"] == 40032
    assert _batch(platform, ["oOld", "oNobody"])["errcode"] == 40003


def test_user_get_pages_followers_by_next_openid(platform):
    for number in range(10_001):
        platform.state.add_user(f"oFan{number:05d}", subscribed=True)
    first = _get(platform, "user/get")
    assert (first["total"], first["count"]) == (10_002, 10_000)
    second = _get(platform, "user/get", next_openid=first["next_openid"])
    assert second["count"] == 2 and "oGuest" not in second["data"]["openid"]
    last = _get(platform, "user/get", next_openid=second["next_openid"])
    assert (last["count"], last["next_openid"]) == (0, "")


def test_daily_quotas_answer_45009_until_the_next_china_day(platform):
    platform.configure(USER_INFO_PER_DAY=1, USER_BATCHGET_PER_DAY=1, USER_GET_PER_DAY=1)
    for ask in (lambda: _get(platform, "user/info", openid="oOld"),
                lambda: _batch(platform, ["oOld"]), lambda: _get(platform, "user/get")):
        assert ask().get("errcode", 0) == 0
        assert ask()["errcode"] == 45009
    platform.clock.advance(86400)
    assert _get(platform, "user/info", openid="oOld")["subscribe"] == 1
