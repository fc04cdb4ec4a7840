"""Removing video files nobody needs any more, every hour (the CLEAN_MEDIA job).

Kept: each entry's current video and its poster, and every database row (media files with their
sha256 and size, validation results with the probe report and findings, the audit log): that is
what the console's history and the audit show. Removed, each once with an audit line:
- a replaced video (and its poster) REPLACED_GRACE after the file that replaced it arrived;
- an unfinished upload not written to for PART_MAX_AGE_S (48 h: its link has expired);
- orphans: files in an entry's folder that no media file names (a download or a move that died
  before it was recorded) after ORPHAN_GRACE, chat downloads in progress after 2 job timeouts.
The job id is "media-cleanup-<contest>-<UTC hour>", so workers starting together plan one
run; each run plans the next. Running it again removes nothing more.
"""
import logging
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot import audit
from bot.db import session_scope
from bot.h5.upload_store import PART_MAX_AGE_S, UploadBusy, UploadStore
from bot.models import Entry, MediaFile
from bot.queueing import CLEAN_MEDIA, FETCH_CHAT_VIDEO
from bot.video.store import media_root, poster_path

log = logging.getLogger(__name__)

EVERY = timedelta(hours=1)
REPLACED_GRACE = timedelta(hours=24)  # bot.video.quota's message tells entrants this figure
ORPHAN_GRACE_S = 3600
CHAT_PART_MAX_AGE_S = 2 * FETCH_CHAT_VIDEO.timeout  # a download outlives its job's limit


def cleanup_job_id(contest_id: str, at: datetime) -> str:
    """The deterministic id of the run due in that UTC hour."""
    return f"media-cleanup-{contest_id}-{at.astimezone(UTC):%Y%m%d%H}"


def plan_cleanup(services, contest_id: str, delay: timedelta = EVERY) -> str:
    """Schedule the next run (once: a run already planned for that hour is kept)."""
    run_at = datetime.now(UTC) + delay
    job_id = cleanup_job_id(contest_id, run_at)
    services.jobs.enqueue_at(CLEAN_MEDIA, run_at, contest_id, job_id=job_id)
    return job_id


def clean_and_plan_next(services, contest_id: str) -> dict:
    """The scheduled run: clean, then plan the next run (even when this one failed)."""
    try:
        return clean_media_with(services, contest_id)
    finally:
        plan_cleanup(services, contest_id)


def clean_media_with(services, contest_id: str, now: float | None = None) -> dict:
    """Remove replaced, abandoned and orphan files of one contest; what was removed, by kind."""
    now = time.time() if now is None else now
    root = media_root(services.settings)
    report: dict[str, list] = {"replaced": [], "partial": [], "orphan": []}
    with session_scope(services.db) as session:
        entries = {e.id: e.current_media_file_id for e in session.scalars(
            select(Entry).where(Entry.contest_id == contest_id))}
        media = session.scalars(select(MediaFile).join(Entry, Entry.id == MediaFile.entry_id)
                                .where(Entry.contest_id == contest_id)
                                .order_by(MediaFile.created_at, MediaFile.id)).all()
        known = {m.path for m in media}
        for item in _replaced_due(media, entries, now):
            if _unlink(root / item.path) | _unlink(poster_path(root, item.id)):
                audit.record(session, "system", "media.removed", "entry", item.entry_id,
                             services.now(), media_file=item.id, reason="replaced",
                             size_bytes=item.size_bytes)
                report["replaced"].append(item.id)
        report["orphan"] = _orphans(root, contest_id, known, now)
    report["partial"] = _abandoned_parts(root, services.redis, contest_id, now)
    log.info("media cleanup of %s: %s", contest_id, {k: len(v) for k, v in report.items()})
    return report


def _replaced_due(media, entries: dict, now: float):
    """Replaced media files whose replacement arrived more than REPLACED_GRACE ago."""
    by_entry: dict[int, list] = {}
    for item in media:
        by_entry.setdefault(item.entry_id, []).append(item)
    for entry_id, items in by_entry.items():
        for index, item in enumerate(items):
            later = items[index + 1:]
            if item.id == entries.get(entry_id) or not later:
                continue
            replaced_at = later[0].created_at.timestamp()
            if now - replaced_at >= REPLACED_GRACE.total_seconds():
                yield item


def _unlink(path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False


def _orphans(root, contest_id: str, known: set, now: float) -> list[str]:
    removed = []
    folder = root / contest_id
    for path in sorted(folder.glob("*/*")) if folder.is_dir() else []:
        relative = path.relative_to(root).as_posix()
        if not path.is_file() or relative in known:
            continue
        age = now - path.stat().st_mtime
        limit = CHAT_PART_MAX_AGE_S if path.name.endswith(".part") else ORPHAN_GRACE_S
        if age >= limit and _unlink(path):
            removed.append(relative)
    return removed


def _abandoned_parts(root, redis, contest_id: str, now: float) -> list[str]:
    store, removed = UploadStore(root, redis), []
    folder = root / "uploads" / contest_id
    for path in sorted(folder.glob("*/*.part")) if folder.is_dir() else []:
        try:
            if now - path.stat().st_mtime < PART_MAX_AGE_S:
                continue
            store.remove_part(path)
        except (FileNotFoundError, UploadBusy):
            continue
        removed.append(path.relative_to(root).as_posix())
    return removed
