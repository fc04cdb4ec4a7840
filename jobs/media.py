"""RQ job: fetch a video an entrant sent in chat, at once (WeChat keeps media for 3 days).

It streams /cgi-bin/media/get (bytes, or a video_url to follow) to MEDIA_ROOT with the contest's
size cap, records the file, and queues its validation. Transient failures raise so RQ retries
with backoff; an expired or invalid media id tells the entrant to send the video again.
"""
import logging

import requests
from rq import Retry
from rq.exceptions import DuplicateJobError
from sqlalchemy import select
from wechatpy.exceptions import WeChatClientException

from bot import audit
from bot.db import session_scope
from bot.video.quota import QuotaExceeded, check_room, entrant_entries, entrant_lock, usage
from bot.video.store import MediaTooLarge, media_root, new_relative_path, store_stream
from bot.models import Entry, MediaFile
from bot.h5.upload_links import openid_tag
from jobs.context import job_services
from jobs.outcome import refuse_over_quota, refuse_too_large, tell_entrant_to_resend

log = logging.getLogger(__name__)

GONE = {40007, 40008, 41006}  # invalid / expired media id
RETRY = Retry(max=3, interval=[10, 30, 90])
JOB_TIMEOUT = 900


def queue_chat_video(queue, entry_id: int, media_id: str, msg_id) -> None:
    """Queue the fetch of a chat video once per message (WeChat's retries share the job id)."""
    try:
        queue.enqueue(fetch_chat_video, entry_id, media_id, str(msg_id),
                      job_id=f"fetch-{entry_id}-{msg_id}", unique=True, retry=RETRY,
                      job_timeout=JOB_TIMEOUT)
    except DuplicateJobError:
        log.info("fetch for entry %s message %s already queued", entry_id, msg_id)


def fetch_chat_video(entry_id: int, media_id: str, submission: str) -> int | None:
    """Download the media into MEDIA_ROOT, record it, queue validation; the MediaFile id."""
    from bot.wechat.client import make_api

    services = job_services()
    with session_scope(services.db) as session:
        entry = session.get(Entry, entry_id)
        contest_id, category, openid = entry.contest_id, entry.category, entry.entrant.openid
    rules = services.contest.video_rules_for(category)
    max_bytes = int((rules.max_file_mb or 4096) * 1024 * 1024)
    relative = new_relative_path(contest_id, entry_id)
    try:
        response = make_api(services).open_media(media_id)
        partial, limit = _reserve(services, contest_id, openid, relative, response, max_bytes)
        stored = store_stream(media_root(services.settings), relative,
                              response.iter_content(1 << 16), limit, partial=partial)
    except WeChatClientException as error:
        if error.errcode in GONE:
            tell_entrant_to_resend(services, entry_id, submission)
            return None
        raise
    except QuotaExceeded as over:
        refuse_over_quota(services, entry_id, submission, over.message)
        return None
    except MediaTooLarge as too_large:
        if too_large.limit_bytes < max_bytes:  # cut off by the room left, not by the file cap
            return fetch_over_quota(services, contest_id, openid, entry_id, submission,
                                    too_large.seen_bytes)
        refuse_too_large(services, entry_id, submission, too_large)
        return None
    except requests.RequestException as error:
        log.warning("fetching media for entry %s failed (%s); RQ will retry", entry_id,
                    type(error).__name__)
        raise
    _check_complete(services, response, stored)
    media_file_id = record_media_file(services, entry_id, stored, "chat", media_id,
                                      response.headers.get("Content-Type"))
    queue_validation(services.queue, media_file_id, submission)
    return media_file_id


def _reserve(services, contest_id: str, openid: str, relative: str, response, max_bytes: int):
    """Before a byte is written: the partial file that reserves room for this download (its
    name carries the size, so the entrant's other uploads see it) and the most it may take.
    MediaTooLarge or QuotaExceeded when the announced size (or, unannounced, any byte) is over."""
    announced = response.headers.get("Content-Length")
    announced = int(announced) if announced and announced.isdigit() else None
    if announced is not None and announced > max_bytes:
        raise MediaTooLarge(max_bytes, announced)
    root, limits = media_root(services.settings), services.contest.entrant_limits
    entries = entrant_entries(services.db, contest_id, openid)
    with entrant_lock(services.redis, contest_id, openid_tag(services.settings, openid)):
        current = usage(root, contest_id, entries)
        check_room(limits, current, announced or 1, new_upload=False)
        room = limits.max_storage_mb * 1024 * 1024 - current.bytes
        wanted = announced if announced is not None else min(max_bytes, room)
        partial = (root / relative).with_suffix(f".{wanted}.part")
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.touch()
    return partial, max_bytes if announced is not None else wanted


def fetch_over_quota(services, contest_id, openid, entry_id, submission, size) -> None:
    """The download passed the room left (no size was announced): refuse it with the usage."""
    entries = entrant_entries(services.db, contest_id, openid)
    try:
        check_room(services.contest.entrant_limits,
                   usage(media_root(services.settings), contest_id, entries), size, False)
    except QuotaExceeded as over:
        refuse_over_quota(services, entry_id, submission, over.message)
    return None


class IncompleteDownload(RuntimeError):
    """Fewer bytes arrived than announced: the job retries the download."""


def _check_complete(services, response, stored) -> None:
    announced = response.headers.get("Content-Length")
    if announced and announced.isdigit() and int(announced) != stored.size_bytes:
        (media_root(services.settings) / stored.relative_path).unlink(missing_ok=True)
        raise IncompleteDownload(f"{stored.size_bytes} of {announced} bytes")


def record_media_file(services, entry_id: int, stored, source: str, media_id, content_type) -> int:
    """The MediaFile row for these bytes (the same bytes again reuse their row); it becomes
    the entry's current video, and the one it replaces stays in the audit log."""
    with session_scope(services.db) as session:
        entry = session.scalars(select(Entry).where(Entry.id == entry_id).with_for_update()).one()
        media_file = session.scalars(select(MediaFile).where(
            MediaFile.entry_id == entry_id, MediaFile.sha256 == stored.sha256)).first()
        if media_file is not None:
            (media_root(services.settings) / stored.relative_path).unlink(missing_ok=True)
        else:
            media_file = MediaFile(entry_id=entry_id, source=source, wechat_media_id=media_id,
                                   path=stored.relative_path, size_bytes=stored.size_bytes,
                                   sha256=stored.sha256, content_type=content_type)
            session.add(media_file)
            session.flush()
        audit.record(session, "system", "entry.video_stored", "entry", entry_id, services.now(),
                     media_file=media_file.id, replaces=entry.current_media_file_id,
                     source=source, size_bytes=stored.size_bytes)
        entry.current_media_file_id = media_file.id
        return media_file.id


def queue_validation(queue, media_file_id: int, submission: str) -> None:
    """Queue the checks of a stored file once per submission (a file is probed only once)."""
    from jobs.validate import validate_media

    try:
        queue.enqueue(validate_media, media_file_id, submission,
                      job_id=f"validate-{media_file_id}-{submission}", unique=True, retry=RETRY,
                      job_timeout=JOB_TIMEOUT)
    except DuplicateJobError:
        log.info("validation of media file %s already queued", media_file_id)
