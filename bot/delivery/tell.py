"""Telling an entrant what became of their entry (a video's verdict, the screening decision):
one chat template, delivered once per submission."""
import logging
from typing import TYPE_CHECKING

from bot.chat.render import render_chat
from bot.db import session_scope
from bot.delivery.send import send_text
from bot.entries import PASSED_SCREENING
from bot.models import Entry, EntryState
from bot.wechat.client import make_api

if TYPE_CHECKING:  # annotations only
    from bot.services import Services

log = logging.getLogger(__name__)

SCREENING_TEMPLATES = {EntryState.APPROVED: "screening_approved",
                       EntryState.REJECTED: "screening_rejected"}
# A decision is told only while it stands: an approval also once the entry became a finalist.
STILL_STANDS = {EntryState.APPROVED: PASSED_SCREENING,
                EntryState.REJECTED: frozenset({EntryState.REJECTED})}


def tell_entrant(services: "Services", entry_id: int, submission: str, template: str,
                 context: dict) -> str:
    """Render a chat template for the entry's owner and deliver it once per submission."""
    with session_scope(services.db) as session:
        entry = session.get(Entry, entry_id)
        openid = entry.entrant.openid
        summary = {"code": entry.code, "title": entry.title, "category": entry.category}
    text = render_chat(services.chat_env, template, {
        "contest": services.contest, "now": services.now(), "entry": summary, **context})
    return send_text(services, make_api(services), openid, text,
                     purpose=f"video:{template}:entry:{entry_id}",
                     key=f"{template}:{entry_id}:{submission}")


def tell_screening_decision(services: "Services", entry_id: int, decision: str, reason: str,
                            submission: str) -> str:
    """The 初审 decision with its reason, once per audit line; skipped when a later decision
    replaced it."""
    decision = EntryState(decision)
    with session_scope(services.db) as session:
        state = session.get(Entry, entry_id).state
    if state not in STILL_STANDS[decision]:
        log.info("screening message for entry %s skipped: the entry is now %s", entry_id, state)
        return "superseded"
    contest = services.contest
    return tell_entrant(services, entry_id, f"screening-{submission}",
                        SCREENING_TEMPLATES[decision], {
                            "reason": reason, "judging": contest.phase("judging"),
                            "voting": contest.phase(contest.voting.phase) if contest.voting
                            else None, "results": contest.phase("results")})
