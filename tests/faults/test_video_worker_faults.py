"""A video's verdict under worker crashes and a misbehaving WeChat API.

The fake platform posts the video, a real RQ worker fetches and checks it, and the verdict goes
out as a customer-service message. Whatever fails on the way, the entry ends validated once and
the entrant reads one verdict. RQ's own delays (retry back-off, abandoned-job cleanup) are
skipped by moving the jobs it scheduled into the queue at once.
"""
import os
import subprocess
import sys

from sqlalchemy import select

from bot.models import AuditLog, Delivery
from config.settings import PROJECT_ROOT
from tests.faults.support import kill_worker_tree, requeue_abandoned, run_scheduled_now, wait_for
from tests.intake_fixtures import entry_for, reply_text
from tests.video_fixtures import make_video

SEND = "/cgi-bin/message/custom/send"


def _verdicts(stack, openid) -> list:
    return [text for text in stack.pushed(openid) if "101" in text]


def _checked_audits(stack) -> list:
    with stack.bot.services.db() as session:
        return session.scalars(select(AuditLog).where(
            AuditLog.action == "entry.video_checked")).all()


def _deliveries(stack) -> list:
    with stack.bot.services.db() as session:
        return session.scalars(select(Delivery).order_by(Delivery.id)).all()


def _video_sent(stack, tmp_path, openid):
    entry_for(stack, openid)
    ack = reply_text(stack.send_video(openid, make_video(tmp_path, "drill.mp4", seconds=2)))
    assert "正在检查格式" in ack


def test_a_worker_killed_while_sending_the_verdict_leaves_one_verdict(stack, tmp_path):
    stack = stack()
    openid = stack.follower("oKilledSend")
    stack.platform.sim("POST", "/faults", json={"path": SEND, "kind": "delay", "delay": 2,
                                                "count": 1})
    _video_sent(stack, tmp_path, openid)
    worker = subprocess.Popen([sys.executable, "-m", "jobs.worker"], cwd=PROJECT_ROOT,
                              env=dict(os.environ), start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: not stack.platform.state.faults, 25, "the verdict send to start")
    finally:
        kill_worker_tree(worker)  # the worker and its work horse, mid-send
    wait_for(lambda: _verdicts(stack, openid), 10, "the platform to take the slow send")
    assert stack.entry().state == "valid"
    assert requeue_abandoned(stack.bot.services.redis, "validate-")
    stack.run_worker()
    assert stack.entry().state == "valid"
    assert len(_verdicts(stack, openid)) == 1
    assert len(_checked_audits(stack)) == 1
    assert [d.status for d in _deliveries(stack)] != ["pending"]


def test_a_500_from_wechat_is_retried_and_the_verdict_arrives_once(stack, tmp_path):
    stack = stack()
    openid = stack.follower("oHttp500")
    stack.platform.sim("POST", "/faults", json={"path": SEND, "kind": "http500", "count": 1})
    _video_sent(stack, tmp_path, openid)
    stack.run_worker()
    assert _verdicts(stack, openid) == []
    assert run_scheduled_now(stack.bot.services.redis, "validate-")
    stack.run_worker()
    assert len(_verdicts(stack, openid)) == 1
    [delivery] = _deliveries(stack)
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert stack.entry().state == "valid" and len(_checked_audits(stack)) == 1


def test_a_busy_platform_is_retried_until_it_answers(stack, tmp_path):
    stack = stack()
    openid = stack.follower("oBusy")
    stack.platform.sim("POST", "/faults", json={"path": SEND, "kind": "busy", "count": 2})
    _video_sent(stack, tmp_path, openid)
    stack.run_worker()
    for _ in range(2):
        assert _verdicts(stack, openid) == []
        assert run_scheduled_now(stack.bot.services.redis, "validate-")
        stack.run_worker()
    assert len(_verdicts(stack, openid)) == 1
    assert [(d.status, d.attempts) for d in _deliveries(stack)] == [("sent", 3)]


def test_a_slow_platform_within_the_timeout_delivers_once_first_time(stack, tmp_path):
    stack = stack()
    openid = stack.follower("oSlow")
    stack.platform.sim("POST", "/faults", json={"path": SEND, "kind": "delay", "delay": 1.5,
                                                "count": 1})
    _video_sent(stack, tmp_path, openid)
    stack.run_worker()
    assert len(_verdicts(stack, openid)) == 1
    assert [(d.status, d.attempts) for d in _deliveries(stack)] == [("sent", 1)]


def test_a_send_that_times_out_but_went_through_is_not_sent_again(stack, tmp_path, monkeypatch):
    monkeypatch.setenv("WECHAT_HTTP_TIMEOUT", "1")
    stack = stack()
    openid = stack.follower("oTimedOut")
    stack.platform.sim("POST", "/faults", json={"path": SEND, "kind": "delay", "delay": 2,
                                                "count": 1})
    _video_sent(stack, tmp_path, openid)
    stack.run_worker()  # the send times out on our side; the platform still delivers it
    wait_for(lambda: _verdicts(stack, openid), 10, "the platform to take the slow send")
    run_scheduled_now(stack.bot.services.redis, "validate-")
    stack.run_worker()
    assert len(_verdicts(stack, openid)) == 1
    assert stack.entry().state == "valid" and len(_checked_audits(stack)) == 1
