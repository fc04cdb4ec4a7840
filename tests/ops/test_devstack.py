"""README command 1's stack: web + worker + fake WeChat on embedded defaults, chatting end to end."""
import io
import os
import signal
import subprocess
import sys

import pytest
import requests

from config.settings import PROJECT_ROOT
from simulator.chat import ChatSession
from tests.browser_stack import free_port, wait_until


@pytest.fixture
def devstack(tmp_path):
    web_port, sim_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "CONTEST"))}
    env.update(PORT=str(web_port), SIM_PORT=str(sim_port), REDIS_URL="",
               DATABASE_URL=f"sqlite:///{tmp_path}/stack.sqlite3", MEDIA_ROOT=str(tmp_path))
    process = subprocess.Popen([sys.executable, "-m", "bot.ops.devstack"], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    web, sim = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{sim_port}"
    try:
        ready = wait_until(lambda: requests.get(web + "/healthz", timeout=2).status_code == 200
                            and requests.get(sim + "/sim/users", timeout=2).ok)
        assert ready, "the stack did not come up"
        yield web, sim
    finally:
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=30)
        print(output[-3000:])


def test_the_dev_stack_answers_chat_through_the_fake_platform(devstack):
    web, sim = devstack
    health = requests.get(web + "/healthz").json()
    assert health == {"status": "ok", "redis": "ok", "database": "ok",
                      "contest": "jiangmen-2020"}
    out = io.StringIO()
    chat = ChatSession(sim, "oStackUser", out=out)
    chat.start()
    chat.say("规则")
    chat.say("/click MENU_HELP")
    transcript = out.getvalue()
    assert "欢迎关注" in transcript and "正在征集中" in transcript  # clock starts at collection
    assert "作品征集：2020年6月15日—2020年7月15日（进行中）" in transcript
    assert "取消：退出当前操作" in transcript
    published = lambda: requests.get(sim + "/sim/calls", params={"path": "/cgi-bin/menu/create"}
                                     ).json()["calls"]
    # A token left in the embedded Redis by an earlier run is refused (40001) and re-read.
    assert wait_until(lambda: any(call["errcode"] == 0 for call in published()), 20)
