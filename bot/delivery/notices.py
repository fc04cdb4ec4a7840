"""A scheduled notice of the contest YAML goes out as a broadcast, once ever (the SEND_NOTICE job).

The notice's broadcast carries notice_key "notice:<contest>:<notice id>" (unique), so a job run
twice, or re-planned, finds the broadcast already made and only resumes its fan-out.
"""
import logging
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.chat.render import render_chat
from bot.contest import Notice
from bot.db import session_scope
from bot.delivery.broadcasts import confirm_broadcast, create_broadcast
from bot.delivery.fanout import fan_out
from bot.models import Broadcast
from bot.wechat.client import make_api

if TYPE_CHECKING:  # annotations only
    from bot.services import Services

log = logging.getLogger(__name__)


def notice_key(contest_id: str, notice_id: str) -> str:
    """The unique key of a notice's broadcast."""
    return f"notice:{contest_id}:{notice_id}"


def send_notice(services: "Services", contest_id: str, notice_id: str) -> dict | None:
    """Make (once) and fan out the broadcast of one notice; None if the notice is gone."""
    notice = _find_notice(services, contest_id, notice_id)
    if notice is None:
        return None
    broadcast_id = _notice_broadcast(services, notice)
    confirm_broadcast(services, broadcast_id, "system:schedule", enqueue=False)
    return fan_out(services, make_api(services), broadcast_id)


def _find_notice(services: "Services", contest_id: str, notice_id: str) -> Notice | None:
    if services.contest.id != contest_id:
        log.warning("notice %s/%s skipped: this worker runs contest %s", contest_id, notice_id,
                    services.contest.id)
        return None
    notice = next((n for n in services.contest.notices if n.id == notice_id), None)
    if notice is None:
        log.warning("notice %s/%s is no longer in the contest config", contest_id, notice_id)
    return notice


def _notice_broadcast(services: "Services", notice: Notice) -> int:
    key = notice_key(services.contest.id, notice.id)
    template = "notice_slogan" if notice.kind == "slogan" else "notice_text"
    text = render_chat(services.chat_env, template, {"notice": notice, "contest": services.contest})
    try:
        return create_broadcast(services, audience=notice.audience, text=text,
                                created_by="system:schedule", purpose=f"notice:{notice.id}",
                                notice_key=key)
    except IntegrityError:
        with session_scope(services.db) as session:
            made: int = session.scalar(select(Broadcast.id).where(Broadcast.notice_key == key))
            return made
