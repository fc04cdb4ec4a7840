"""Where the contest stands now, so that every answer says what a person can do now and what
opens next (templates/chat/stage_now.txt says it; welcome, 帮助, 报名, 投票, 我的作品 include it)."""
from dataclasses import dataclass, replace
from datetime import datetime

from bot.contest.schema import Phase, at_second
from bot.quiz.people import Window, window_at
from bot.results.publication import published_sheet_id

BEFORE, BETWEEN, AFTER, ACTIVITY, VOTING = "before", "between", "after", "activity", "voting"
CONTEST_PHASES = ("collection", "screening", "judging", "results")


@dataclass(frozen=True)
class Stage:
    """The contest at one moment: the running phase (if any), the last ended and the next one."""

    key: str  # before, collection, screening, voting, judging, results, between, after, activity
    phase: Phase | None
    last: Phase | None
    next: Phase | None
    collection: Phase | None
    voting: Phase | None  # the public vote's phase, None when the contest has none
    published: bool = False  # results published (asked only once results may be out)
    quiz: Window | None = None  # the knowledge quiz's window, when the contest has one


def stage_at(contest, now: datetime) -> Stage:
    """The stage of the contest at `now` (contest clock)."""
    voting = contest.phase(contest.voting.phase) if contest.voting else None
    moment = at_second(now)
    running = contest.phase_at(now)
    ended = [phase for phase in contest.phases if phase.end < moment]
    last = max(ended, key=lambda phase: phase.end) if ended else None
    upcoming = contest.next_phase(moment)
    common = {"last": last, "next": upcoming, "collection": contest.phase("collection"),
              "voting": voting, "quiz": window_at(contest, now) if contest.quiz else None}
    if running is not None:
        return Stage(key=_running_key(running, voting), phase=running, **common)
    if last is None:
        return Stage(key=BEFORE, phase=None, **common)
    return Stage(key=BETWEEN if upcoming else AFTER, phase=None, **common)


def _running_key(running: Phase, voting: Phase | None) -> str:
    if voting is not None and running.id == voting.id:
        return VOTING
    return running.id if running.id in CONTEST_PHASES else ACTIVITY


def stage_of(turn) -> Stage:
    """The stage now, knowing whether results are out once they may be (one query, then)."""
    stage = stage_at(turn.services.contest, turn.services.now())
    if stage.key in ("results", AFTER, BETWEEN) and turn.services.contest.phase("results"):
        return replace(stage, published=published_sheet_id(turn.services) is not None)
    return stage
