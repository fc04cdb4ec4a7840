"""Casting a public vote: one function for chat and page, decided by the unique constraint.

The rules (window, follow, votable states, period slots) are bot.voting.rules; the constraint on
(contest_id, voter_openid, period) caps the votes per period whatever the concurrency (bot.voting
explains the slots).
"""
import logging
from datetime import datetime
from typing import Any, TypedDict, cast

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.contest import Contest, Phase, Voting
from bot.models import Entrant, Entry, Vote
from bot.privacy import mask_openid
from bot.voting.rules import (
    ALREADY_VOTED,
    CHANNELS,
    NOT_FOLLOWING,
    NOT_VOTABLE,
    RECORDED,
    UNKNOWN_ENTRY,
    VOTABLE_STATES,
    CastVote,
    EntryRef,
    VoteOutcome,
    next_period_start,
    normalize_code,
    period_slots,
    valid_code,
    window,
)

log = logging.getLogger("bot.voting")  # the name these lines have always been logged under

_ON_CONFLICT_DIALECTS = ("postgresql", "sqlite")  # INSERT ... ON CONFLICT DO NOTHING


class _Window(TypedDict):
    """What every VoteOutcome of one attempt carries about the window."""

    voting: Voting | None
    phase: Phase | None
    code: str
    per_day: bool


def cast_vote(session: Session | Connection, contest: Contest, openid: str, code: str,
              now: datetime, channel: str, client_ip: str | None = None,
              user_agent: str | None = None) -> VoteOutcome:
    """Apply every voting rule and record the vote; chat and page both call this.

    Works in the caller's transaction (the caller commits): an ORM Session or, cheaper, a Core
    Connection (`with engine.begin() as connection`). `now` is the contest clock's time.
    The happy path is two statements: one lookup of the entry and the voter's follow state, and
    one INSERT that the unique constraint decides (see _insert_vote).
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown vote channel {channel!r}")
    code = normalize_code(code)
    info = window(contest, now)
    base: _Window = {"voting": info.voting, "phase": info.phase, "code": code,
                     "per_day": info.per_day}
    if info.state != "open":
        return VoteOutcome(info.state, **base)
    row = _lookup(session, contest.id, code, openid)
    if row is None:
        return VoteOutcome(UNKNOWN_ENTRY, **base)
    entry = EntryRef(id=row.id, code=row.code or "", title=row.title or "")
    if row.state not in VOTABLE_STATES:
        return VoteOutcome(NOT_VOTABLE, entry=entry, **base)
    voting = cast(Voting, contest.voting)  # an open window is the voting section's phase
    if voting.follow_required and not row.subscribed:
        return VoteOutcome(NOT_FOLLOWING, entry=entry, **base)
    followed_at = row.subscribed_at if row.subscribed else None
    next_at = next_period_start(contest, now)
    slots = period_slots(contest, now)
    for used, period in enumerate(slots):
        vote_id = _insert_vote(session, {
            "contest_id": contest.id, "voter_openid": openid, "entry_id": entry.id,
            "period": period, "channel": channel, "cast_at": now,
            "voter_followed_at": followed_at, "client_ip": client_ip or None,
            "user_agent": _clip(user_agent, 512)})
        if vote_id is None:
            continue  # this slot is taken (perhaps by a concurrent request): try the next one
        # DEBUG: one line per vote message would be the hot path's; the votes table records it
        log.debug("vote recorded: contest=%s entry=%s voter=%s channel=%s period=%s",
                 contest.id, entry.code, mask_openid(openid), channel, period)
        return VoteOutcome(RECORDED, entry=entry, vote_id=vote_id, cast_at=now,
                           remaining=len(slots) - used - 1, next_vote_at=next_at, **base)
    previous = votes_in_period(session, contest, openid, now)
    log.debug("vote refused, already voted: contest=%s voter=%s channel=%s", contest.id,
             mask_openid(openid), channel)
    return VoteOutcome(ALREADY_VOTED, entry=entry, previous=tuple(previous),
                       next_vote_at=next_at, **base)


def _lookup(session: Session | Connection, contest_id: str, code: str,
            openid: str) -> Row[Any] | None:
    """The entry with that code and the voter's follow state, in one query (None: no entry)."""
    if not valid_code(code):
        return None
    return session.execute(_LOOKUP, {"contest_id": contest_id, "code": code,
                                     "openid": openid}).first()


# Written once as typed SQL text: built per call, the ORM/Core select cost more CPU than the
# database did (this runs on every vote).
_LOOKUP = text(
    "SELECT entries.id, entries.code, entries.title, entries.state, "
    "entrants.subscribed, entrants.subscribed_at "
    "FROM entries LEFT OUTER JOIN entrants ON entrants.openid = :openid "
    "WHERE entries.contest_id = :contest_id AND entries.code = :code LIMIT 1"
).columns(Entry.id, Entry.code, Entry.title, Entry.state, Entrant.subscribed,
          Entrant.subscribed_at)


_UNIQUE_VOTE = ["contest_id", "voter_openid", "period"]


def _insert_vote(session: Session | Connection, values: dict) -> int | None:
    """INSERT the vote; the unique (contest, voter, period) decides. Its id, or None when taken.

    PostgreSQL and SQLite: INSERT ... ON CONFLICT (contest_id, voter_openid, period) DO NOTHING
    RETURNING id, one atomic statement (a concurrent insert of the same key waits for the other
    transaction and then does nothing). Other databases: the INSERT in a savepoint, and the
    IntegrityError caught. Either way nothing is read before writing.
    """
    dialect = _dialect(session)
    if dialect in _ON_CONFLICT_DIALECTS:
        return session.execute(_vote_insert(dialect), values).scalar()
    try:
        with session.begin_nested():
            return session.execute(_vote_insert(None), values).scalar()
    except IntegrityError:
        return None


_VOTE_COLUMNS = ("contest_id", "voter_openid", "entry_id", "period", "channel", "cast_at",
                 "voter_followed_at", "client_ip", "user_agent")
_VOTE_INSERTS: dict[str | None, TextClause] = {}


def _vote_insert(dialect: str | None) -> TextClause:
    """The INSERT, built once per dialect (SQLAlchemy 2.0 does not cache the compiled form of
    the dialects' insert().on_conflict_do_nothing(), so it is written as typed SQL text)."""
    statement = _VOTE_INSERTS.get(dialect)
    if statement is None:
        columns = ", ".join(_VOTE_COLUMNS)
        values = ", ".join(":" + name for name in _VOTE_COLUMNS)
        conflict = (" ON CONFLICT (contest_id, voter_openid, period) DO NOTHING"
                    if dialect in _ON_CONFLICT_DIALECTS else "")
        statement = text(f"INSERT INTO votes ({columns}) VALUES ({values}){conflict} "
                         "RETURNING id").bindparams(
            *(bindparam(name, type_=Vote.__table__.c[name].type) for name in _VOTE_COLUMNS))
        _VOTE_INSERTS[dialect] = statement
    return statement


def _dialect(bind: Session | Connection) -> str:
    return (bind.dialect if isinstance(bind, Connection) else bind.get_bind().dialect).name


def _clip(text: str | None, limit: int) -> str | None:
    return text[:limit] if text else None


def votes_in_period(session: Session | Connection, contest: Contest, openid: str,
                    now: datetime) -> list[CastVote]:
    """The voter's votes in the period of `now`, earliest first (Session or Connection)."""
    rows = session.execute(_IN_PERIOD, {"contest_id": contest.id, "openid": openid,
                                        "periods": period_slots(contest, now)}).all()
    return [CastVote(row.id, EntryRef(row.entry_id, row.code or "", row.title or ""),
                     row.cast_at.astimezone(contest.tz)) for row in rows]


_IN_PERIOD = text(
    "SELECT votes.id, votes.cast_at, entries.id AS entry_id, entries.code, entries.title "
    "FROM votes JOIN entries ON votes.entry_id = entries.id "
    "WHERE votes.contest_id = :contest_id AND votes.voter_openid = :openid "
    "AND votes.period IN :periods ORDER BY votes.cast_at, votes.id"
).bindparams(bindparam("periods", expanding=True)).columns(
    Vote.id, Vote.cast_at, Entry.id.label("entry_id"), Entry.code, Entry.title)

