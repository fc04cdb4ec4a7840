"""A video an entrant sent in chat, fetched at once (WeChat keeps media for 3 days), and every
stored video recorded as its entry's current one.

The fetch streams /cgi-bin/media/get (bytes, or a video_url to follow) to MEDIA_ROOT with the
contest's size cap and the entrant's storage room, records the file, and queues its validation.
Transient failures raise so RQ retries with backoff; an expired or invalid media id tells the
entrant to send the video again; a file over a limit is refused with the figures.
"""
import logging

import requests
from sqlalchemy import select
from wechatpy.exceptions import WeChatClientException

from bot import audit
from bot.db import session_scope
from bot.delivery.tell import tell_entrant
from bot.entries import settle_entry_state
from bot.h5.upload_links import openid_tag
from bot.models import Entry, MediaFile
from bot.queueing import FETCH_CHAT_VIDEO, VALIDATE_VIDEO
from bot.video.quota import QuotaExceeded, check_room, entrant_entries, entrant_lock, usage
from bot.video.store import MediaTooLarge, media_root, new_relative_path, store_stream
from bot.wechat.client import make_api
from bot.wechat.errors import MEDIA_GONE

log = logging.getLogger(__name__)




def queue_chat_video(services, entry_id: int, media_id: str, msg_id) -> bool:
    """Queue the fetch of a chat video once per message (WeChat's retries share the job id)."""
    return services.jobs.enqueue(FETCH_CHAT_VIDEO, entry_id, media_id, str(msg_id),
                                 job_id=f"fetch-{entry_id}-{msg_id}")


def fetch_chat_video(services, entry_id: int, media_id: str, submission: str) -> int | None:
    """Download the media into MEDIA_ROOT, record it, queue validation; the MediaFile id."""
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
        if error.errcode in MEDIA_GONE:
            tell_entrant_to_resend(services, entry_id, submission)
            return None
        raise
    except QuotaExceeded as over:
        refuse_over_quota(services, entry_id, submission, over.message)
        return None
    except MediaTooLarge as too_large:
        if too_large.limit_bytes < max_bytes:  # cut off by the room left, not by the file cap
            fetch_over_quota(services, contest_id, openid, entry_id, submission,
                             too_large.seen_bytes)
            return None
        refuse_too_large(services, entry_id, submission, too_large)
        return None
    except requests.RequestException as error:
        log.warning("fetching media for entry %s failed (%s); RQ will retry", entry_id,
                    type(error).__name__)
        raise
    _check_complete(services, response, stored)
    media_file_id = record_media_file(services, entry_id, stored, "chat", media_id,
                                      response.headers.get("Content-Type"))
    queue_validation(services, media_file_id, submission)
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


def queue_validation(services, media_file_id: int, submission: str) -> bool:
    """Queue the checks of a stored file once per submission (a file is probed only once)."""
    return services.jobs.enqueue(VALIDATE_VIDEO, media_file_id, submission,
                                 job_id=f"validate-{media_file_id}-{submission}")


def tell_entrant_to_resend(services, entry_id: int, submission: str) -> None:
    """The media expired or is invalid: the entrant must send the video again."""
    with session_scope(services.db) as session:
        entry = session.scalars(select(Entry).where(Entry.id == entry_id).with_for_update()).one()
        settle_entry_state(session, entry, services.now(), "media_gone")
    log.info("media for entry %s is gone; asking for it again", entry_id)
    tell_entrant(services, entry_id, submission, "video_fetch_failed",
         {"collection": services.contest.phase("collection")})


def refuse_too_large(services, entry_id: int, submission: str, too_large) -> None:
    """The file passed the contest's size limit while downloading: refuse it with the limit."""
    with session_scope(services.db) as session:
        entry = session.scalars(select(Entry).where(Entry.id == entry_id).with_for_update()).one()
        settle_entry_state(session, entry, services.now(), "too_large")
    tell_entrant(services, entry_id, submission, "video_too_large",
         {"limit_mb": too_large.limit_bytes // (1024 * 1024)})


def refuse_over_quota(services, entry_id: int, submission: str, message: str) -> None:
    """The video does not fit in the entrant's storage cap: refuse it, saying how much is used."""
    with session_scope(services.db) as session:
        entry = session.scalars(select(Entry).where(Entry.id == entry_id).with_for_update()).one()
        settle_entry_state(session, entry, services.now(), "over_quota")
    tell_entrant(services, entry_id, submission, "video_over_quota", {"reason": message})
