"""The rules of a public vote: outcome statuses, the window, periods and their slots, codes.

Shared by casting (bot.voting.casting), counting (bot.voting.standings) and the pages; see bot.voting
for the rules themselves.
"""
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import cast

from bot.contest import Contest, Phase, Voting
from bot.contest.schema import at_second
from bot.entries import PASSED_SCREENING
from bot.models import PERIOD_CONTEST

VOTABLE_STATES = PASSED_SCREENING  # only screened entries are shown and voted for
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

_CODE = re.compile(r"[0-9A-Za-z\-]{1,32}")


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
    voting: Voting | None = None  # the contest's Voting, None when it has no public vote
    phase: Phase | None = None  # the voting Phase
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



@dataclass
class WindowInfo:
    """Where the voting window stands at a moment (for 投票 and the gallery)."""

    voting: Voting | None
    phase: Phase | None
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


def window(contest: Contest, now: datetime) -> WindowInfo:
    """The voting window's state at `now` (contest clock)."""
    voting = contest.voting
    if voting is None:
        return WindowInfo(None, None, NO_VOTING)
    phase = cast(Phase, contest.phase(voting.phase))  # check_contest: voting.phase is a phase
    per_day = voting.per == "day"
    if phase.contains(now):
        state = "open"
    elif at_second(now) < phase.start:
        state = NOT_YET
    else:
        state = CLOSED
    return WindowInfo(voting, phase, state, per_day)


def period_of(contest: Contest, now: datetime) -> str:
    """The period key of a vote cast at `now`: 'contest', or the local date for per-day voting."""
    voting = cast(Voting, contest.voting)  # asked only of a contest with a public vote
    if voting.per == "day":
        return now.astimezone(contest.tz).date().isoformat()
    return PERIOD_CONTEST


def period_slots(contest: Contest, now: datetime) -> list[str]:
    """The period keys one voter may fill at `now`, in order: `P`, `P#2`, ... `P#n`."""
    voting = cast(Voting, contest.voting)  # asked only of a contest with a public vote
    base = period_of(contest, now)
    return [base] + [f"{base}#{k}" for k in range(2, voting.votes_per_user + 1)]


def next_period_start(contest: Contest, now: datetime) -> datetime | None:
    """When a per-day voter gets new votes (next local midnight) if still in the window."""
    voting = cast(Voting, contest.voting)  # asked only of a contest with a public vote
    if voting.per != "day":
        return None
    local = now.astimezone(contest.tz)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0, 0), tzinfo=contest.tz)
    phase = cast(Phase, contest.phase(voting.phase))  # check_contest: voting.phase is a phase
    return midnight if phase.contains(midnight) else None

def valid_code(code: str) -> bool:
    """True when the text can be an entry code at all (short, letters, digits, dashes)."""
    return bool(code) and bool(_CODE.fullmatch(code))

