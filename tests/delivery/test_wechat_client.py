"""The one WeChat client: every URL under WECHAT_API_BASE_URL, one token shared through Redis."""
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import requests

from bot.wechat.client import WeChatApi
from config.settings import PROJECT_ROOT, load_settings
from simulator.platform import DEFAULTS as SIM_DEFAULTS

SIM_APP = {"WECHAT_APP_ID": SIM_DEFAULTS["APP_ID"],
           "WECHAT_APP_SECRET": SIM_DEFAULTS["APP_SECRET"]}


def _api(fake_platform, redis_client, **overrides):
    settings = load_settings({**SIM_APP, "WECHAT_API_BASE_URL": fake_platform.url, **overrides})
    return WeChatApi(settings, redis_client)


def _token_calls(fake_platform):
    return [c for c in fake_platform.state.calls if c["path"].endswith("/cgi-bin/stable_token")]


def test_calls_go_to_the_configured_base_url_with_a_stable_token(fake_platform, redis_client):
    api = _api(fake_platform, redis_client)
    fake_platform.state.add_user("oFan1", subscribed=True)
    info = api.user.get("oFan1")
    assert info["subscribe"] == 1 and info["openid"] == "oFan1"
    assert len(_token_calls(fake_platform)) == 1
    assert not [c for c in fake_platform.state.calls if c["path"] == "/cgi-bin/token"]


def test_twenty_threads_share_one_token_fetch(fake_platform, redis_client):
    api = _api(fake_platform, redis_client)
    with ThreadPoolExecutor(20) as pool:
        tokens = set(pool.map(lambda _: api.access_token, range(20)))
    assert len(tokens) == 1
    assert len(_token_calls(fake_platform)) == 1


def test_two_processes_share_one_token_through_redis(fake_platform, redis_url):
    fake_platform.state.add_user("oShared", subscribed=True)
    script = textwrap.dedent(f"""
        import redis
        from bot.wechat.client import WeChatApi
        from config.settings import load_settings
        settings = load_settings({{"WECHAT_APP_ID": "{SIM_APP['WECHAT_APP_ID']}",
                                   "WECHAT_APP_SECRET": "{SIM_APP['WECHAT_APP_SECRET']}",
                                   "WECHAT_API_BASE_URL": "{fake_platform.url}"}})
        api = WeChatApi(settings, redis.Redis.from_url("{redis_url}"))
        print(api.user.get("oShared")["subscribe"], api.access_token[:12])
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT_ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert all(out.startswith("1 ") for out, _ in outputs)
    assert len({out.split()[-1] for out, _ in outputs}) == 1
    assert len(_token_calls(fake_platform)) == 1


def test_a_refused_token_is_re_read_not_force_refreshed(fake_platform, redis_client):
    api = _api(fake_platform, redis_client)
    first = api.access_token
    # Someone else force-refreshes the account's token: ours is revoked at once.
    forced = requests.post(fake_platform.url + "/cgi-bin/stable_token", json={
        "grant_type": "client_credential", "appid": SIM_APP["WECHAT_APP_ID"],
        "secret": SIM_APP["WECHAT_APP_SECRET"], "force_refresh": True}).json()
    assert forced["access_token"] != first
    fake_platform.state.add_user("oFan2", subscribed=True)
    assert api.user.get("oFan2")["subscribe"] == 1
    assert api.access_token == forced["access_token"]
    forced = [c for c in _token_calls(fake_platform) if c["body"]["force_refresh"]]
    assert len(_token_calls(fake_platform)) == 3  # ours, the outside force, our re-read
    assert len(forced) == 1  # only the outside one: we never force a refresh


def test_an_error_other_than_the_token_is_raised_not_retried(fake_platform, redis_client):
    import pytest
    from wechatpy.exceptions import WeChatClientException

    api = _api(fake_platform, redis_client)
    with pytest.raises(WeChatClientException) as error:
        api.user.get("oNobody")
    assert error.value.errcode == 40003
