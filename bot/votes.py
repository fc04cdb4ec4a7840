"""Public votes: casting (chat and page share one function), counting, standings, invalidation.

The rules come from the contest's `voting` section:

- the window is the phase named by `voting.phase`, on the contest clock, both edges inclusive
  (`Phase.contains`);
- votable entries are those that passed screening: state `approved` or `finalist`;
- `follow_required`: the voter must currently follow the account (`Entrant.subscribed`); the
  follow time is kept on the vote (`voter_followed_at`) for the fraud signals;
- `votes_per_user` votes per period, the period being the whole contest (`per: contest`) or the
  voter's local calendar day in the contest's time zone (`per: day`).

One vote per period is the database's unique constraint on (contest_id, voter_openid, period):
casting INSERTs and lets the constraint decide (ON CONFLICT DO NOTHING on PostgreSQL and SQLite,
a savepoint and the IntegrityError elsewhere); it never reads first. The period key is
`contest` or the local date (`2020-08-03`) for the first vote of a period; when a contest gives
more than one vote per period, the k-th vote (k ≥ 2) uses the key `<period>#<k>`
(`2020-08-03#2`, `contest#3`), and casting tries the slots in order, so the constraint still caps
a voter at `votes_per_user` rows per period whatever the concurrency. Such votes may go to any
votable entry, the same one included.

Votes are never edited or deleted. An organizer invalidates one by adding a VoteInvalidation
(with an audit-log line); counts and standings leave invalidated votes out. An invalidated vote
still uses its slot: the voter does not get it back.
"""
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit
from bot.contest_schema import at_second
from bot.models import PERIOD_CONTEST, Entrant, Entry, Vote, VoteInvalidation
from bot.privacy import mask_openid

log = logging.getLogger(__name__)

VOTABLE_STATES = ("approved", "finalist")
CHANNELS = ("chat", "page")

# What cast_vote decided; the chat and the page each have one answer per status.
RECORDED = "recorded"
ALREADY_VOTED = "already_voted"
NO_VOTING = "no_voting"
NOT_YET = "not_yet"
CLOSED = "closed"
NOT_FOLLOWING = "not_following"
UNKNOWN_ENTRY = "unknown_entry"
NOT_VOTABLE = "not_votable"

_ON_CONFLICT_DIALECTS = ("postgresql", "sqlite")  # INSERT ... ON CONFLICT DO NOTHING
_CODE = re.compile(r"[0-9A-Za-z\-]{1,32}")


class VoteNotFound(LookupError):
    """No vote with that id (in that contest)."""


class AlreadyInvalidated(Exception):
    """The vote was invalidated before; a vote is invalidated once."""

    def __init__(self, invalidation: VoteInvalidation):
        super().__init__(f"vote {invalidation.vote_id} already invalidated")
        # plain values: the caller's transaction is usually rolled back after this
        self.vote_id = invalidation.vote_id
        self.actor = invalidation.actor
        self.reason = invalidation.reason
        self.created_at = invalidation.created_at


@dataclass(frozen=True)
class EntryRef:
    """An entry as voters see it."""

    id: int
    code: str
    title: str


@dataclass(frozen=True)
class CastVote:
    """A vote already cast in the current period (for "you already voted for ...")."""

    id: int
    entry: EntryRef
    cast_at: datetime  # contest-local


@dataclass(frozen=True)
class VoteOutcome:
    """What happened to a vote attempt, with what an answer needs to explain it."""

    status: str
    voting: object = None  # the contest's Voting, None when the contest has no public vote
    phase: object = None  # the voting Phase
    entry: EntryRef | None = None
    code: str = ""  # the code as given (normalised)
    vote_id: int | None = None
    cast_at: datetime | None = None
    previous: tuple = ()  # CastVote of this period, when status is already_voted (or recorded)
    remaining: int = 0  # votes left in this period after this attempt
    next_vote_at: datetime | None = None  # start of the next period inside the window, if any
    per_day: bool = False

    @property
    def recorded(self) -> bool:
        """True when a vote row was written."""
        return self.status == RECORDED


@dataclass(frozen=True)
class Standing:
    """One line of the standings."""

    rank: int
    entry: EntryRef
    votes: int


@dataclass
class WindowInfo:
    """Where the voting window stands at a moment (for 投票 and the gallery)."""

    voting: object
    phase: object
    state: str  # no_voting, not_yet, open, closed
    per_day: bool = False
    extra: dict = field(default_factory=dict)


# -- rules ------------------------------------------------------------------------------------

def normalize_code(text: str) -> str:
    """An entry code as typed: full-width digits and spaces folded, '第'/'号'/'#' dropped."""
    code = unicodedata.normalize("NFKC", text or "").strip()
    code = re.sub(r"^(?:编号|第|[#＃:：])\s*", "", code)
    code = re.sub(r"\s*号$", "", code).strip()
    return code


def window(contest, now: datetime) -> WindowInfo:
    """The voting window's state at `now` (contest clock)."""
    voting = contest.voting
    if voting is None:
        return WindowInfo(None, None, NO_VOTING)
    phase = contest.phase(voting.phase)
    per_day = voting.per == "day"
    if phase.contains(now):
        state = "open"
    elif at_second(now) < phase.start:
        state = NOT_YET
    else:
        state = CLOSED
    return WindowInfo(voting, phase, state, per_day)


def period_of(contest, now: datetime) -> str:
    """The period key of a vote cast at `now`: 'contest', or the local date for per-day voting."""
    if contest.voting.per == "day":
        return now.astimezone(contest.tz).date().isoformat()
    return PERIOD_CONTEST


def period_slots(contest, now: datetime) -> list[str]:
    """The period keys one voter may fill at `now`, in order: `P`, `P#2`, ... `P#n`."""
    base = period_of(contest, now)
    return [base] + [f"{base}#{k}" for k in range(2, contest.voting.votes_per_user + 1)]


def next_period_start(contest, now: datetime) -> datetime | None:
    """When a per-day voter gets new votes (next local midnight) if still in the window."""
    if contest.voting.per != "day":
        return None
    local = now.astimezone(contest.tz)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0, 0), tzinfo=contest.tz)
    phase = contest.phase(contest.voting.phase)
    return midnight if phase.contains(midnight) else None


def _entry_ref(entry: Entry) -> EntryRef:
    return EntryRef(id=entry.id, code=entry.code or "", title=entry.title or "")


def votable_entries(session: Session, contest_id: str) -> list[Entry]:
    """Entries that passed screening, by code (numeric codes in numeric order)."""
    entries = session.scalars(select(Entry).where(
        Entry.contest_id == contest_id, Entry.state.in_(VOTABLE_STATES),
        Entry.code.is_not(None))).all()
    return sorted(entries, key=lambda e: _code_key(e.code))


def _code_key(code: str):
    return (0, int(code), "") if code.isdigit() else (1, 0, code)


def valid_code(code: str) -> bool:
    """True when the text can be an entry code at all (short, letters, digits, dashes)."""
    return bool(code) and bool(_CODE.fullmatch(code))


def find_entry(session: Session, contest_id: str, code: str) -> Entry | None:
    """The confirmed entry with that code in the contest, or None."""
    if not valid_code(code):
        return None
    return session.scalars(select(Entry).where(Entry.contest_id == contest_id,
                                               Entry.code == code)).first()


# -- casting ----------------------------------------------------------------------------------

def cast_vote(session: Session | Connection, contest, openid: str, code: str, now: datetime,
              channel: str, client_ip: str | None = None,
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
    base = {"voting": info.voting, "phase": info.phase, "code": code, "per_day": info.per_day}
    if info.state != "open":
        return VoteOutcome(info.state, **base)
    row = _lookup(session, contest.id, code, openid)
    if row is None:
        return VoteOutcome(UNKNOWN_ENTRY, **base)
    entry = EntryRef(id=row.id, code=row.code or "", title=row.title or "")
    if row.state not in VOTABLE_STATES:
        return VoteOutcome(NOT_VOTABLE, entry=entry, **base)
    if contest.voting.follow_required and not row.subscribed:
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
        log.info("vote recorded: contest=%s entry=%s voter=%s channel=%s period=%s",
                 contest.id, entry.code, mask_openid(openid), channel, period)
        return VoteOutcome(RECORDED, entry=entry, vote_id=vote_id, cast_at=now,
                           remaining=len(slots) - used - 1, next_vote_at=next_at, **base)
    previous = votes_in_period(session, contest, openid, now)
    log.info("vote refused, already voted: contest=%s voter=%s channel=%s", contest.id,
             mask_openid(openid), channel)
    return VoteOutcome(ALREADY_VOTED, entry=entry, previous=tuple(previous),
                       next_vote_at=next_at, **base)


def _lookup(session, contest_id: str, code: str, openid: str):
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


def _insert_vote(session: Session, values: dict) -> int | None:
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
_VOTE_INSERTS: dict = {}


def _vote_insert(dialect: str | None):
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


def _dialect(bind) -> str:
    return (bind.dialect if isinstance(bind, Connection) else bind.get_bind().dialect).name


def _clip(text: str | None, limit: int) -> str | None:
    return text[:limit] if text else None


def votes_in_period(session, contest, openid: str, now: datetime) -> list[CastVote]:
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


# -- counting ---------------------------------------------------------------------------------

def _valid_votes(contest_id: str):
    return (select(Vote.entry_id, func.count(Vote.id).label("votes"))
            .outerjoin(VoteInvalidation, VoteInvalidation.vote_id == Vote.id)
            .where(Vote.contest_id == contest_id, VoteInvalidation.id.is_(None))
            .group_by(Vote.entry_id))


def vote_counts(session: Session, contest_id: str) -> dict[int, int]:
    """Valid (not invalidated) votes per entry id; entries without votes are absent."""
    return {entry_id: votes for entry_id, votes in session.execute(_valid_votes(contest_id))}


def count_for(session: Session, contest_id: str, entry_id: int) -> int:
    """Valid votes of one entry."""
    return vote_counts(session, contest_id).get(entry_id, 0)


def standings(session: Session, contest, limit: int | None = None) -> list[Standing]:
    """Votable entries by valid votes, most first; equal votes share a rank (1, 2, 2, 4)."""
    counts = vote_counts(session, contest.id)
    entries = votable_entries(session, contest.id)
    ordered = sorted(entries, key=lambda e: (-counts.get(e.id, 0), _code_key(e.code)))
    lines, rank, previous = [], 0, None
    for position, entry in enumerate(ordered, 1):
        votes = counts.get(entry.id, 0)
        if votes != previous:
            rank, previous = position, votes
        lines.append(Standing(rank, _entry_ref(entry), votes))
    return lines[:limit] if limit else lines


# -- invalidation -----------------------------------------------------------------------------

def invalidate_vote(session: Session, vote_id: int, actor: str, reason: str,
                    at: datetime) -> VoteInvalidation:
    """Record that a vote does not count, with who decided and why, and an audit-log line.

    Raises VoteNotFound for an unknown id, ValueError for an empty reason or actor, and
    AlreadyInvalidated when the vote was invalidated before (the unique constraint on vote_id
    decides, so two organizers at once cannot both do it).
    """
    reason, actor = (reason or "").strip(), (actor or "").strip()
    if not reason:
        raise ValueError("an invalidation needs a reason")
    if not actor:
        raise ValueError("an invalidation needs an actor")
    vote = session.get(Vote, vote_id)
    if vote is None:
        raise VoteNotFound(vote_id)
    invalidation = VoteInvalidation(vote_id=vote.id, reason=reason, actor=actor[:128],
                                    created_at=at)
    try:
        with session.begin_nested():
            session.add(invalidation)
    except IntegrityError:
        existing = session.scalars(select(VoteInvalidation).where(
            VoteInvalidation.vote_id == vote_id)).one()
        raise AlreadyInvalidated(existing) from None
    audit.record(session, actor[:128], "vote.invalidated", "vote", vote.id, at,
                 contest=vote.contest_id, entry_id=vote.entry_id, reason=reason)
    log.info("vote %s invalidated by %s", vote.id, actor)
    return invalidation
