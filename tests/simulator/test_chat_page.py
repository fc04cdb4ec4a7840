"""The chat page's side of the fake platform: page, menu, transcript, links as a user, and the
rehearsal clock control shared with the dev stack (no browser: see test_chat_page_browser.py)."""
import io
import sys

import pytest

from bot.ops.devstack import RehearsalClock
from bot.ops.supervisor import Supervisor
from simulator.rehearsal import STATUS_FILE, read_json, request_clock, write_json


@pytest.fixture
def client(fake_platform):
    return fake_platform.app.test_client()


def _follower(client, openid="oPage"):
    client.post("/sim/users", json={"openid": openid, "nickname": "小张", "subscribed": True})
    return openid


def test_the_page_is_served_at_the_platform_root(client):
    assert client.get("/").headers["Location"] == "/sim/chat"
    page = client.get("/sim/chat")
    assert page.status_code == 200 and "模拟用户" in page.get_data(as_text=True)
    assert client.get("/sim/static/chat.js").status_code == 200


def test_the_menu_is_the_one_the_bot_published(fake_platform, client):
    assert client.get("/sim/menu").get_json()["menu"] is None
    menu = {"button": [{"type": "click", "name": "报名", "key": "MENU_ENTER"}]}
    fake_platform.state.menu = menu
    assert client.get("/sim/menu").get_json()["menu"] == menu


def test_the_transcript_merges_what_the_user_sent_and_what_reached_them(fake_platform, client):
    openid = _follower(client)
    client.post(f"/sim/users/{openid}/send", json={"type": "text", "content": "报名"})
    fake_platform.state.push(openid, "custom", "text", {"text": {"content": "客服"}})
    client.post(f"/sim/users/{openid}/send", data={
        "type": "video", "media": (io.BytesIO(b"0" * 2048), "作品.mp4")},
        content_type="multipart/form-data")
    messages = client.get(f"/sim/transcript/{openid}").get_json()["messages"]
    assert [(m["channel"], m.get("content") or m["fields"]["MsgType"]) for m in messages] == [
        ("user", "text"), ("custom", "客服"), ("user", "video")]
    assert messages[0]["fields"]["Content"] == "报名"
    assert messages[2]["media"] == {"filename": "作品.mp4", "size": 2048}
    newer = client.get(f"/sim/transcript/{openid}?after={messages[1]['seq']}").get_json()
    assert [m["seq"] for m in newer["messages"]] == [messages[2]["seq"]]
    assert client.get("/sim/transcript/oNobody").status_code == 404


def test_opening_a_link_acts_as_the_user(client):
    openid = _follower(client)
    gallery = "http://127.0.0.1:5000/h5/gallery"
    response = client.get("/sim/open", query_string={"openid": openid, "url": gallery},
                          base_url="http://127.0.0.1:5100")
    assert response.status_code == 302 and response.headers["Location"] == gallery
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith(f"sim_openid={openid};") for c in cookies)
    assert any(c.startswith("session=;") for c in cookies)  # another user: a fresh page login
    again = client.get("/sim/open", query_string={"openid": openid, "url": gallery},
                       base_url="http://127.0.0.1:5100")
    assert not any(c.startswith("session=") for c in again.headers.getlist("Set-Cookie"))


def test_a_link_on_another_host_name_is_opened_through_that_host(client):
    openid = _follower(client)
    response = client.get("/sim/open", query_string={"openid": openid,
                                                     "url": "http://127.0.0.1:5000/h5/x"},
                          base_url="http://localhost:5100")
    assert response.headers["Location"].startswith("http://127.0.0.1:5100/sim/open?")
    assert client.get("/sim/open", query_string={"openid": openid, "url": "javascript:x"}
                      ).status_code == 400


def test_the_clock_control_needs_the_dev_stack(client):
    assert client.get("/sim/rehearsal").get_json()["available"] is False
    refused = client.post("/sim/rehearsal/clock", json={"contest_now": "2020-08-01T09:00"})
    assert refused.status_code == 409 and "CONTEST_NOW" in refused.get_json()["error"]


def test_a_clock_request_is_written_for_the_dev_stack(fake_platform, client, tmp_path):
    fake_platform.configure(CLOCK_CONTROL_DIR=str(tmp_path))
    write_json(tmp_path / STATUS_FILE, {"state": "running", "contest_now": "2020-06-15T00:00:00",
                                        "started_at": 1.0, "request_id": None})
    assert client.get("/sim/rehearsal").get_json()["state"] == "running"
    bad = client.post("/sim/rehearsal/clock", json={"contest_now": "8月1日"})
    assert bad.status_code == 400 and "时间格式不对" in bad.get_json()["error"]
    accepted = client.post("/sim/rehearsal/clock", json={"contest_now": "2020-08-01T09:00"})
    assert accepted.status_code == 202
    status = client.get("/sim/rehearsal").get_json()
    assert status["state"] == "requested"
    assert status["requested"]["contest_now"] == "2020-08-01T09:00:00"


class FakeSupervisor(Supervisor):
    """Records starts and stops instead of running processes."""

    def __init__(self):
        super().__init__(out=io.StringIO())
        self.log = []

    def start(self, name, argv, env):
        self.log.append(("start", name, env["CONTEST_NOW"]))

    def stop(self, names=None, wait_s=0):
        self.log.append(("stop", tuple(names)))


def test_the_dev_stack_restarts_the_bot_at_the_requested_time(tmp_path, monkeypatch):
    from bot.contest import load_contest
    from bot.ops import devstack

    monkeypatch.setattr(devstack, "wait_until_healthy", lambda url, supervisor: True)
    supervisor = FakeSupervisor()
    env = {"CONTEST_NOW": "2020-06-15T00:00:00", "BIND": "127.0.0.1:1"}
    clock = RehearsalClock(supervisor, env, load_contest("jiangmen-2020"), tmp_path)
    clock.start_bot()
    clock.poll()  # nothing asked yet
    request_clock(tmp_path, "2020-08-01T09:00:00+08:00")
    clock.poll()
    clock.poll()  # handled once
    assert supervisor.log == [
        ("start", "web", "2020-06-15T00:00:00"), ("start", "worker", "2020-06-15T00:00:00"),
        ("stop", ("web", "worker")),
        ("start", "web", "2020-08-01T09:00:00"), ("start", "worker", "2020-08-01T09:00:00")]
    status = read_json(tmp_path / STATUS_FILE)
    assert status["state"] == "running" and status["contest_now"] == "2020-08-01T09:00:00"
    assert [p["id"] for p in status["phases"]][:3] == ["collection", "screening", "voting"]


def test_the_supervisor_prefixes_output_and_notices_an_exit():
    out = io.StringIO()
    supervisor = Supervisor(out=out)
    supervisor.start("echo", [sys.executable, "-c", "print('你好')"], env={})
    supervisor.start("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], env={})
    for _ in range(100):
        if supervisor.exited():
            break
        __import__("time").sleep(0.05)
    assert supervisor.exited() == ("echo", 0)
    supervisor.stop(wait_s=5)
    assert supervisor.children == {}
    assert "echo   | 你好" in out.getvalue() and "sleeper stopped" in out.getvalue()


def test_the_platform_log_leaves_out_the_pages_polling():
    import logging

    from simulator.__main__ import QuietPolling

    def record(line):
        return logging.LogRecord("werkzeug", logging.INFO, "", 0, line, None, None)

    quiet = QuietPolling()
    assert not quiet.filter(record('1.2.3.4 - - "GET /sim/transcript/o1?after=3 HTTP/1.1" 200 -'))
    assert quiet.filter(record('1.2.3.4 - - "\x1b[35mPOST /sim/users/o1/send HTTP/1.1\x1b[0m" 200'))
    assert quiet.filter(record('127.0.0.1 - - [x] "GET /cgi-bin/media/get HTTP/1.1" 200 -'))
    assert quiet.filter(record('127.0.0.1 - - [x] "GET /sim/inbox/nobody HTTP/1.1" 404 -'))
