"""Entries: their states (one table of names for chat, console and pages), the groups of
states the product asks about, and the database work: limits, confirming with a code, listing."""
import logging
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Row, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit
from bot.entrants import get_or_create_entrant
from bot.models import Entrant, Entry, EntryState, ValidationResult

log = logging.getLogger(__name__)

FIRST_CODE = 101  # codes are short numbers people can type: 投票 101

# What every reader (the entrant in chat, the organizer in the console, the upload page) calls
# each state; chat templates add what to do next.
STATE_LABELS = {
    EntryState.DRAFT: "草稿，尚未确认",
    EntryState.AWAITING_VIDEO: "待提交视频",
    EntryState.VALIDATING: "视频检查中",
    EntryState.VIDEO_REFUSED: "视频未通过格式检查",
    EntryState.VALID: "视频已通过格式检查，待初审",
    EntryState.APPROVED: "初审通过",
    EntryState.REJECTED: "初审未通过",
    EntryState.FINALIST: "已入围",
    EntryState.WITHDRAWN: "已撤回",
}
# Before screening: a new video (chat or upload) replaces the current one and is checked.
TAKES_VIDEO = frozenset({EntryState.AWAITING_VIDEO, EntryState.VALIDATING,
                         EntryState.VIDEO_REFUSED, EntryState.VALID})
WAITING_FOR_VIDEO = frozenset({EntryState.AWAITING_VIDEO, EntryState.VIDEO_REFUSED})
PASSED_SCREENING = frozenset({EntryState.APPROVED, EntryState.FINALIST})  # shown, votable
CONFIRMED = frozenset(EntryState) - {EntryState.DRAFT, EntryState.WITHDRAWN}
NOT_COUNTED = frozenset({EntryState.WITHDRAWN})  # against the entry limit


def state_label(state: str | None) -> str:
    """The Chinese name of an entry state."""
    return STATE_LABELS.get(state or "", state or "")  # type: ignore[call-overload]


def judged_states(contest) -> frozenset:
    """States the jury judges and the results rank: every approved entry, or the finalists
    the organizer marked (scoring.finalists); none without scoring."""
    if contest.scoring is None:
        return frozenset()
    if contest.scoring.finalists == "all_approved":
        return PASSED_SCREENING
    return frozenset({EntryState.FINALIST})


def settle_entry_state(session: Session, entry: Entry, at, reason: str) -> None:
    """Put the entry back to what its current video says, after a submission that failed."""
    if entry.state not in TAKES_VIDEO:
        return
    state = EntryState.AWAITING_VIDEO
    if entry.current_media_file_id is not None:
        verdict = session.scalar(select(ValidationResult.verdict).where(
            ValidationResult.media_file_id == entry.current_media_file_id))
        state = {"pass": EntryState.VALID, None: EntryState.VALIDATING}.get(
            verdict, EntryState.VIDEO_REFUSED)
    if state != entry.state:
        audit.record(session, "system", "entry.state", "entry", entry.id, at,
                     previous=entry.state, state=state.value, reason=reason)
        entry.state = state.value


class EntryLimitReached(Exception):
    """The entrant already has as many entries of this kind as the contest allows."""

    def __init__(self, limit: int, count: int, set_by_notice: bool = True):
        super().__init__(f"limit {limit} reached ({count})")
        self.limit = limit
        self.count = count
        self.set_by_notice = set_by_notice


def count_entries(session: Session, contest_id: str, openid: str, kind: str) -> int:
    """Confirmed entries of this kind by this user in this contest (withdrawn ones excepted)."""
    return cast(int, session.scalar(  # COUNT always answers a number
        select(func.count(Entry.id)).join(Entrant, Entry.entrant_id == Entrant.id).where(
            Entrant.openid == openid, Entry.contest_id == contest_id,
            Entry.entrant_kind == kind, Entry.code.is_not(None),
            Entry.state.not_in(sorted(NOT_COUNTED)))))


_ENTRIES_OF = (select(Entry.id, Entry.code, Entry.title, Entry.state)
               .join(Entrant, Entry.entrant_id == Entrant.id)
               .where(Entrant.openid == bindparam("openid"),
                      Entry.contest_id == bindparam("contest_id"), Entry.code.is_not(None))
               .order_by(Entry.id))


def entries_of(bind: Session | Connection, contest_id: str, openid: str) -> list[Row]:
    """(id, code, title, state) of every confirmed entry of this user in this contest, oldest
    first: one statement compiled once (我的作品 and a video sent in chat ask it)."""
    return list(bind.execute(_ENTRIES_OF, {"openid": openid, "contest_id": contest_id}))


def confirm_entry(session: Session, *, contest, openid: str, kind: str, category: str | None,
                  answers: dict, title: str, at: datetime) -> Entry:
    """Create the confirmed entry with a fresh code; EntryLimitReached past the kind's limit.

    The entrant's row is locked first, so two confirmations by one user cannot both pass the
    limit; codes are retried on the unique constraint when two users confirm at once.
    """
    entrant = _locked_entrant(session, openid, at)
    limit, set_by_notice = contest.entry_limit(kind)
    count = count_entries(session, contest.id, openid, kind)
    if count >= limit:
        raise EntryLimitReached(limit, count, set_by_notice)
    entry = _insert_with_code(session, contest.id, entrant, kind, category, answers, title, at)
    audit.record(session, audit.wechat_actor(openid), "entry.confirmed", "entry", entry.id, at,
                 contest=contest.id, code=entry.code, state=entry.state, kind=kind)
    return entry


def _locked_entrant(session: Session, openid: str, at: datetime) -> Entrant:
    get_or_create_entrant(session, openid, at)
    return session.scalars(select(Entrant).where(Entrant.openid == openid)
                           .with_for_update()).one()


def _insert_with_code(session, contest_id, entrant, kind, category, answers, title, at) -> Entry:
    for _ in range(20):
        entry = Entry(contest_id=contest_id, entrant_id=entrant.id, entrant_kind=kind,
                      category=category, title=title, form=dict(answers),
                      state=EntryState.AWAITING_VIDEO.value,
                      pledges_accepted_at=at, created_at=at, confirmed_at=at,
                      code=_next_code(session, contest_id))
        try:
            with session.begin_nested():
                session.add(entry)
            return entry
        except IntegrityError:
            log.info("entry code taken by a concurrent confirmation; trying the next one")
    raise RuntimeError("could not allocate an entry code")


def _next_code(session: Session, contest_id: str) -> str:
    coded = cast(int, session.scalar(select(func.count(Entry.id)).where(  # COUNT: a number
        Entry.contest_id == contest_id, Entry.code.is_not(None))))
    return str(FIRST_CODE + coded)
