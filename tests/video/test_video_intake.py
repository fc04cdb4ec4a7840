"""Videos sent in chat, end to end: the fake WeChat posts them, a real RQ worker fetches and
checks them with ffprobe, and the entrant is told the verdict once."""
import os
import subprocess
import sys
import time

import pytest
from rq.registry import StartedJobRegistry
from sqlalchemy import select

from bot.models import AuditLog, Delivery, MediaFile, ValidationResult
from bot.queueing import FETCH_CHAT_VIDEO
from config.settings import PROJECT_ROOT
from tests.faults.support import kill_worker_tree, requeue_abandoned
from tests.intake_fixtures import entry_for, reply_text
from tests.video_fixtures import cut_short, make_video


def test_a_good_video_is_acknowledged_checked_and_the_verdict_pushed_once(stack, tmp_path):
    stack = stack()
    openid = stack.follower("oMaker")
    entry_for(stack, openid)
    video = make_video(tmp_path, "good.mp4", seconds=4, width=1280, height=720)
    ack = reply_text(stack.send_video(openid, video))
    assert "已收到作品101《匠心侨都》的视频" in ack and "正在检查格式" in ack
    assert stack.entry().state == "validating"
    stack.run_worker()
    entry = stack.entry()
    assert entry.state == "valid"
    pushed = stack.pushed(openid)
    assert len(pushed) == 1 and "通过" in pushed[0] and "101" in pushed[0]
    with stack.bot.services.db() as session:
        media = session.get(MediaFile, entry.current_media_file_id)
        result = session.scalars(select(ValidationResult)).one()
    stored = stack.media_root / media.path
    assert stored.read_bytes() == video.read_bytes() and media.size_bytes == video.stat().st_size
    assert result.verdict == "pass" and result.probe["width"] == 1280
    assert (stack.media_root / "posters" / f"{media.id}.jpg").stat().st_size > 0
    stack.run_worker()
    assert len(stack.pushed(openid)) == 1
    assert "视频已通过格式检查" in reply_text(stack.send_text(openid, "我的作品"))


def test_a_faststart_video_cut_short_is_refused_as_incomplete(stack, tmp_path):
    stack = stack()
    openid = stack.follower("oCut")
    entry_for(stack, openid)
    whole = make_video(tmp_path, "whole.mp4", seconds=20, width=1280, height=720, fps=25,
                       gop=50, faststart=True)
    stack.send_video(openid, cut_short(whole, "cut.mp4", keep=0.3))
    stack.run_worker()
    assert stack.entry().state == "video_refused"
    verdict = stack.pushed(openid)[0]
    assert "视频文件不完整或已损坏" in verdict and "未通过格式检查" in verdict
    assert "格式检查通过" not in verdict and "20秒" not in verdict


@pytest.mark.parametrize("answer", ["bytes", "video_url"])
def test_both_media_get_answers_are_followed(stack, tmp_path, answer):
    stack = stack(MEDIA_VIDEO_ANSWER=answer)
    openid = stack.follower("oAnswer")
    entry_for(stack, openid)
    stack.send_video(openid, make_video(tmp_path, "a.mp4", seconds=3, width=1280, height=720))
    stack.run_worker()
    assert stack.entry().state == "valid"


def test_a_video_breaking_the_rules_is_refused_with_each_finding(stack, tmp_path):
    stack = stack()
    openid = stack.follower("oLong")
    entry_for(stack, openid)
    video = make_video(tmp_path, "long.mp4", seconds=305, width=640, height=360)
    stack.send_video(openid, video)
    stack.run_worker()
    assert stack.entry().state == "video_refused"
    verdict = stack.pushed(openid)[0]
    assert "5分5秒" in verdict and "5分钟" in verdict  # what the file had, and the limit
    assert "720" in verdict and "2020年7月15日" in verdict  # the floor, and until when to resend


def test_a_new_video_before_the_deadline_replaces_the_old_one(stack, tmp_path):
    stack = stack()
    openid = stack.follower("oAgain")
    entry_for(stack, openid)
    stack.send_video(openid, make_video(tmp_path, "small.mp4", seconds=3, width=640, height=360))
    stack.run_worker()
    assert stack.entry().state == "video_refused"
    ack = reply_text(stack.send_video(openid, make_video(tmp_path, "ok.mp4", seconds=3)))
    assert "将替换之前提交的视频" in ack
    stack.run_worker()
    entry = stack.entry()
    assert entry.state == "valid"
    with stack.bot.services.db() as session:
        stored = session.scalars(select(AuditLog).where(
            AuditLog.action == "entry.video_stored")).all()
    assert len(stored) == 2 and stored[1].detail["replaces"] == stored[0].detail["media_file"]
    assert len(stack.pushed(openid)) == 2


def test_after_the_deadline_a_video_is_refused_with_the_date(stack, tmp_path):
    stack = stack(now="2020-07-16T08:00:00")
    openid = stack.follower("oLate")
    entry_for(stack, openid)
    reply = reply_text(stack.send_video(openid, make_video(tmp_path, "late.mp4", seconds=3)))
    assert "作品征集已于2020年7月15日 23:59截止" in reply
    assert stack.entry().state == "awaiting_video"


def test_with_several_entries_the_entrant_picks_one_by_code(stack, tmp_path):
    stack = stack()
    openid = stack.follower("oTwo")
    entry_for(stack, openid, "第一部")
    entry_for(stack, openid, "第二部")
    asked = reply_text(stack.send_video(openid, make_video(tmp_path, "b.mp4", seconds=3)))
    assert "101《第一部》" in asked and "102《第二部》" in asked
    assert "没有找到这个编号" in reply_text(stack.send_text(openid, "999"))
    assert "作品102《第二部》" in reply_text(stack.send_text(openid, "102"))
    stack.run_worker()
    assert stack.entry("102").state == "valid" and stack.entry("101").state == "awaiting_video"


def test_a_video_without_an_entry_gets_guidance(stack, tmp_path):
    stack = stack()
    openid = stack.follower("oNoEntry")
    reply = reply_text(stack.send_video(openid, make_video(tmp_path, "c.mp4", seconds=2)))
    assert "请先回复“报名”" in reply


def test_expired_media_asks_the_entrant_to_send_it_again(stack, tmp_path):
    stack = stack()
    openid = stack.follower("oExpired")
    entry_for(stack, openid)
    stack.send_video(openid, make_video(tmp_path, "d.mp4", seconds=2))
    stack.platform.clock.advance(3 * 24 * 3600 + 1)  # the worker was down for three days
    stack.send_text(openid, "我的作品")  # a fresh message keeps the reply window open
    stack.run_worker()
    pushed = stack.pushed(openid)
    assert len(pushed) == 1 and "请重新发送" in pushed[0]
    assert stack.entry().state == "awaiting_video"


def test_a_verdict_outside_the_reply_window_comes_with_the_next_reply(stack, tmp_path):
    stack = stack()
    openid = stack.follower("oQuiet")
    entry_for(stack, openid)
    stack.send_video(openid, make_video(tmp_path, "e.mp4", seconds=2))
    stack.platform.clock.advance(49 * 3600)  # 48 h passed since the user's last message
    stack.run_worker()
    assert stack.pushed(openid) == []
    with stack.bot.services.db() as session:
        kept = session.scalars(select(Delivery)).one()
    assert kept.status == "deferred" and kept.errcode == 45015
    reply = reply_text(stack.send_text(openid, "帮助"))
    assert reply.index("101") < reply.index("可以回复以下指令")
    assert "通过" in reply


def test_a_playlist_posing_as_a_video_is_refused_and_fetches_nothing(stack, tmp_path):
    from tests.video_fixtures import make_hls_playlist

    stack = stack()
    openid = stack.follower("oHostile")
    entry_for(stack, openid)
    hits = []
    server = _counting_http_server(hits)
    try:
        playlist = make_hls_playlist(tmp_path, f"http://127.0.0.1:{server.server_port}/seg.ts")
        stack.send_video(openid, playlist)
        stack.run_worker()
    finally:
        server.shutdown()
    assert hits == []
    assert stack.entry().state == "video_refused"
    assert len(stack.pushed(openid)) == 1


def _counting_http_server(hits: list):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Counting(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_worker_killed_mid_job_loses_nothing_and_tells_once(stack, tmp_path):
    stack = stack()
    openid = stack.follower("oKilled")
    entry_for(stack, openid)
    stack.platform.sim("POST", "/faults", json={"path": "/cgi-bin/media/get",
                                                    "kind": "delay", "delay": 4, "count": 1})
    stack.send_video(openid, make_video(tmp_path, "f.mp4", seconds=2))
    worker = subprocess.Popen([sys.executable, "-m", "jobs.worker"], cwd=PROJECT_ROOT,
                              env=dict(os.environ), start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: _fetch_started(stack), 20)
        time.sleep(0.5)  # inside the 4-second download
        kill_worker_tree(worker)  # the worker and its work horse (in its own group), mid-download
    finally:
        if worker.poll() is None:
            kill_worker_tree(worker)
    assert stack.entry().state == "validating"
    _requeue_abandoned(stack)
    stack.run_worker()
    assert stack.entry().state == "valid"
    assert len(stack.pushed(openid)) == 1


def _fetch_started(stack) -> bool:
    redis = stack.bot.services.redis
    return bool(StartedJobRegistry(FETCH_CHAT_VIDEO.queue, connection=redis).get_job_ids())


def _requeue_abandoned(stack) -> None:
    """What RQ does on its own, without waiting: a surviving worker's registry cleanup finds
    the dead worker's job abandoned and schedules its retry; the scheduler then enqueues it."""
    assert requeue_abandoned(stack.bot.services.redis, "fetch-"), \
        "the abandoned job was not scheduled for a retry"


def _wait(check, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")
