"""Media limits, tried as an attacker would: past the storage cap and the uploads in flight on the
real upload endpoints, a chat video past the cap through the fake WeChat and a real RQ worker,
and the cleanup job removing replaced, abandoned and orphan files on disk."""
import os
import time
from datetime import UTC, timedelta

import pytest
import requests
import yaml
from rq import Worker
from sqlalchemy import select, text

from bot.contest import contest_path
from bot.h5.upload_store import PART_MAX_AGE_S
from bot.models import AuditLog, Entry, MediaFile
from bot.queueing import CLEAN_MEDIA
from bot.video.cleanup import REPLACED_GRACE, cleanup_job_id, plan_cleanup
from tests.intake_fixtures import entry_for
from tests.video.test_upload_link import CHUNK, Uploader, stack  # noqa: F401  (the upload stack)
from tests.video_fixtures import make_video

MB = 1024 * 1024


def _contest(tmp_path, **limits) -> str:
    """江门 2020 with small entrant limits (the file keeps its id as its name)."""
    data = yaml.safe_load(contest_path("jiangmen-2020").read_text(encoding="utf-8"))
    data["entrant_limits"] = limits
    data["video_rules"]["max_file_mb"] = 1
    folder = tmp_path / "contests"
    folder.mkdir(exist_ok=True)
    path = folder / "jiangmen-2020.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def _two_entries(stack, openid):  # noqa: F811
    entry_for(stack, openid, title="第一部")
    entry_for(stack, openid, title="第二部")


def test_a_new_upload_past_the_entrants_storage_cap_gets_413_before_a_byte(
        stack, tmp_path):  # noqa: F811
    stack = stack(contest=_contest(tmp_path, max_storage_mb=1, max_uploads_in_flight=3))
    openid = stack.follower("oHoarder")
    _two_entries(stack, openid)
    first = Uploader(stack.link(openid, "101"))
    assert first.status("a.mp4", 700 * 1024).status_code == 200
    assert first.put("a.mp4", b"\1" * CHUNK, 0, 700 * 1024).status_code == 200  # reserves 700 KB

    second = Uploader(stack.link(openid, "102"))
    refused = second.status("b.mp4", 400 * 1024)
    assert refused.status_code == 413 and refused.json()["error"] == "quota_exceeded"
    assert "存储空间上限为1 MB" in refused.json()["message"]
    assert "剩余0.3 MB" in refused.json()["message"]
    chunk = second.put("b.mp4", b"\2" * CHUNK, 0, 400 * 1024)
    assert chunk.status_code == 413 and chunk.json()["error"] == "quota_exceeded"
    assert [p.name.split(".")[1] for p in stack.uploads()] == [str(700 * 1024)]
    assert second.status("b.mp4", 300 * 1024).status_code == 200  # what fits is taken
    assert first.send("a.mp4", b"\1" * (700 * 1024), start=CHUNK) == 700 * 1024


def test_a_fourth_upload_in_flight_is_refused_and_the_first_still_resumes(
        stack, tmp_path):  # noqa: F811
    stack = stack(contest=_contest(tmp_path, max_storage_mb=100, max_uploads_in_flight=2))
    openid = stack.follower("oFlood")
    _two_entries(stack, openid)
    one, two = Uploader(stack.link(openid, "101")), Uploader(stack.link(openid, "102"))
    assert one.put("x.mp4", b"x" * CHUNK, 0, 4 * CHUNK).status_code == 200
    assert two.put("y.mp4", b"y" * CHUNK, 0, 4 * CHUNK).status_code == 200
    third = two.put("z.mp4", b"z" * CHUNK, 0, 4 * CHUNK)
    assert third.status_code == 413 and third.json()["error"] == "too_many_uploads"
    assert "同时最多上传2个" in third.json()["message"] and "作品101、102" in third.json()["message"]
    assert two.status("z.mp4", 4 * CHUNK).status_code == 413
    assert len(stack.uploads()) == 2
    assert one.put("x.mp4", b"x" * CHUNK, CHUNK, 4 * CHUNK).status_code == 200
    for part in stack.uploads():  # paused for longer than FLIGHT_IDLE_S: no longer in flight
        os.utime(part, (time.time() - 700, time.time() - 700))
    assert two.put("z.mp4", b"z" * CHUNK, 0, 4 * CHUNK).status_code == 200


def test_a_chat_video_past_the_cap_is_refused_in_chinese_and_not_kept(
        stack, tmp_path):  # noqa: F811
    stack = stack(contest=_contest(tmp_path, max_storage_mb=1, max_uploads_in_flight=3))
    openid = stack.follower("oChatHoard")
    _two_entries(stack, openid)
    stack.send_text(openid, "我的作品")  # opens the customer-service window for the answer
    video = make_video(tmp_path, "v.mp4", seconds=3, width=1280, height=720)
    room = MB - video.stat().st_size // 2
    assert Uploader(stack.link(openid, "101")).put("big.mp4", b"\0" * CHUNK, 0,
                                                  room).status_code == 200
    stack.send_video(openid, video)
    reply = stack.send_text(openid, "102")  # which entry the video is for
    stack.run_worker()
    pushed = stack.pushed(openid)
    assert any("作品102《第二部》的视频未能接收" in text and "存储空间上限为1 MB" in text
               for text in pushed), (pushed, reply)
    assert not (stack.media_root / "jiangmen-2020").exists() or not any(
        p.is_file() for p in (stack.media_root / "jiangmen-2020").rglob("*"))
    assert stack.entry("102").state == "awaiting_video"


def _upload_three(stack, openid, tmp_path) -> list[int]:  # noqa: F811
    ids = []
    for seconds in (3, 4, 5):
        video = make_video(tmp_path, f"v{seconds}.mp4", seconds=seconds, width=1280, height=720)
        assert Uploader(stack.link(openid)).upload(video).status_code == 200
        ids.append(stack.entry().current_media_file_id)
        stack.run_worker()
    return ids


def test_the_scheduled_cleanup_removes_replaced_abandoned_and_orphan_files(
        stack, tmp_path):  # noqa: F811
    stack = stack()
    openid = stack.follower("oReplacer")
    entry_for(stack, openid)
    ids = _upload_three(stack, openid, tmp_path)
    root = stack.media_root
    with stack.services.db() as session:
        paths = {m.id: root / m.path for m in session.scalars(select(MediaFile))}
    assert all(path.is_file() for path in paths.values())  # today: 3 files stay forever
    abandoned = Uploader(stack.link(openid)).put("gone.mp4", b"g" * CHUNK, 0, 9 * CHUNK)
    assert abandoned.status_code == 200
    orphan = paths[ids[0]].with_name("deadbeef.video")
    orphan.write_bytes(b"left by a crash")
    old = time.time() - PART_MAX_AGE_S - 60
    parts = [p.relative_to(root).as_posix() for p in stack.uploads()]
    for path in stack.uploads() + [orphan]:
        os.utime(path, (old, old))
    with stack.services.db.begin() as session:  # the replacements arrived a day ago
        seconds = int(REPLACED_GRACE.total_seconds()) + 60
        session.execute(text("UPDATE media_files SET created_at = created_at - "
                             "make_interval(secs => :s)"), {"s": seconds})

    queue = stack.services.jobs.queue(CLEAN_MEDIA)
    job_id = plan_cleanup(stack.services, "jiangmen-2020", delay=timedelta(0))
    assert plan_cleanup(stack.services, "jiangmen-2020", delay=timedelta(0)) == job_id  # once
    assert queue.scheduled_job_registry.get_job_ids() == [job_id]
    time.sleep(1)
    Worker([queue], connection=stack.services.redis).work(burst=True, with_scheduler=True)
    assert queue.fetch_job(job_id).return_value() == {
        "replaced": ids[:2], "partial": parts, "orphan": [orphan.relative_to(root).as_posix()]}
    assert [paths[i].is_file() for i in ids] == [False, False, True]
    assert stack.uploads() == [] and not orphan.exists()
    assert (root / "posters" / f"{ids[2]}.jpg").is_file()
    assert requests.get(Uploader(stack.link(openid)).link, timeout=10).status_code == 200
    with stack.services.db() as session:
        removed = session.scalars(select(AuditLog).where(AuditLog.action == "media.removed")).all()
        assert sorted(line.detail["media_file"] for line in removed) == ids[:2]
        assert len(session.scalars(select(MediaFile)).all()) == 3  # the rows the console shows
        assert session.scalars(select(Entry)).one().state == "valid"
    next_run = [j for j in queue.scheduled_job_registry.get_job_ids()
                if j.startswith("media-cleanup-jiangmen-2020-")]
    assert next_run and next_run[0] != job_id  # the run planned the next one

    again = queue.enqueue(CLEAN_MEDIA.function, "jiangmen-2020")
    Worker([queue], connection=stack.services.redis).work(burst=True)
    assert again.return_value() == {"replaced": [], "partial": [], "orphan": []}


def test_the_cleanup_job_id_is_one_per_contest_and_hour():
    from datetime import datetime

    at = datetime(2020, 6, 20, 10, 59, tzinfo=UTC)
    assert cleanup_job_id("jiangmen-2020", at) == "media-cleanup-jiangmen-2020-2020062010"
    assert cleanup_job_id("jiangmen-2020", at + timedelta(seconds=30)) == cleanup_job_id(
        "jiangmen-2020", at)


@pytest.mark.parametrize("storage", [0, 1])
def test_a_storage_cap_below_one_file_is_a_config_error(tmp_path, storage):
    from bot.contest import ContestConfigError, load_contest

    data = yaml.safe_load(contest_path("jiangmen-2020").read_text(encoding="utf-8"))
    data["entrant_limits"] = {"max_storage_mb": storage}
    path = tmp_path / "jiangmen-2020.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContestConfigError) as error:
        load_contest(str(path))
    assert "entrant_limits.max_storage_mb" in str(error.value)


def test_first_chunks_sent_at_once_cannot_all_take_the_last_room(
        stack, tmp_path):  # noqa: F811
    from concurrent.futures import ThreadPoolExecutor

    stack = stack(contest=_contest(tmp_path, max_storage_mb=1, max_uploads_in_flight=20))
    openid = stack.follower("oRacer")
    codes = [str(101 + n) for n in range(8)]
    for code in codes:
        entry_for(stack, openid, title=f"作品{code}")
    tabs = [Uploader(stack.link(openid, code)) for code in codes]
    with ThreadPoolExecutor(len(tabs)) as pool:
        answers = list(pool.map(lambda tab: tab.put("r.mp4", b"r" * CHUNK, 0, 600 * 1024), tabs))
    assert sorted(answer.status_code for answer in answers) == [200] + [413] * 7
    assert len(stack.uploads()) == 1
