"""Telling an entrant what became of the video they sent: once per submission, in Chinese."""
import logging
from functools import lru_cache

from sqlalchemy import select

from bot import audit
from bot.db import session_scope
from bot.delivery.send import send_text
from bot.models import Entry, ValidationResult
from bot.chat.render import make_chat_environment, render_chat

log = logging.getLogger(__name__)

BEFORE_SCREENING = ("awaiting_video", "validating", "video_refused", "valid")


@lru_cache(maxsize=1)
def _chat_env():
    return make_chat_environment()


def tell(services, entry_id: int, submission: str, template: str, context: dict) -> str:
    """Render a template for the entry's owner and deliver it once per submission."""
    from bot.wechat.client import make_api

    with session_scope(services.db) as session:
        entry = session.get(Entry, entry_id)
        openid = entry.entrant.openid
        summary = {"code": entry.code, "title": entry.title, "category": entry.category}
    text = render_chat(_chat_env(), template, {
        "contest": services.contest, "now": services.now(), "entry": summary, **context})
    return send_text(services, make_api(services), openid, text,
                     purpose=f"video:{template}:entry:{entry_id}",
                     key=f"{template}:{entry_id}:{submission}")


def settle_entry_state(session, entry: Entry, at, reason: str) -> None:
    """Put the entry back to what its current video says, after a submission that failed."""
    if entry.state not in BEFORE_SCREENING:
        return
    state = "awaiting_video"
    if entry.current_media_file_id is not None:
        verdict = session.scalar(select(ValidationResult.verdict).where(
            ValidationResult.media_file_id == entry.current_media_file_id))
        state = {"pass": "valid", None: "validating"}.get(verdict, "video_refused")
    if state != entry.state:
        audit.record(session, "system", "entry.state", "entry", entry.id, at,
                     previous=entry.state, state=state, reason=reason)
        entry.state = state


def tell_entrant_to_resend(services, entry_id: int, submission: str) -> None:
    """The media expired or is invalid: the entrant must send the video again."""
    with session_scope(services.db) as session:
        entry = session.scalars(select(Entry).where(Entry.id == entry_id).with_for_update()).one()
        settle_entry_state(session, entry, services.now(), "media_gone")
    log.info("media for entry %s is gone; asking for it again", entry_id)
    tell(services, entry_id, submission, "video_fetch_failed",
         {"collection": services.contest.phase("collection")})


def refuse_too_large(services, entry_id: int, submission: str, too_large) -> None:
    """The file passed the contest's size limit while downloading: refuse it with the limit."""
    with session_scope(services.db) as session:
        entry = session.scalars(select(Entry).where(Entry.id == entry_id).with_for_update()).one()
        settle_entry_state(session, entry, services.now(), "too_large")
    tell(services, entry_id, submission, "video_too_large",
         {"limit_mb": too_large.limit_bytes // (1024 * 1024)})


def refuse_over_quota(services, entry_id: int, submission: str, message: str) -> None:
    """The video does not fit in the entrant's storage cap: refuse it, saying how much is used."""
    with session_scope(services.db) as session:
        entry = session.scalars(select(Entry).where(Entry.id == entry_id).with_for_update()).one()
        settle_entry_state(session, entry, services.now(), "over_quota")
    tell(services, entry_id, submission, "video_over_quota", {"reason": message})
