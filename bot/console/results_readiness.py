"""What is missing before a results table may be published, and who would be told.

The results page lists it; publishing needs the organizer to confirm the number of entries
whose entrants will be notified, and refuses a table with missing jury scores unless the
organizer ticks an override (written to the audit log).
"""
from dataclasses import dataclass, field

from sqlalchemy import select

from bot.console.scoring import entry_scores
from bot.models import ConsoleUser
from bot.results import publication


@dataclass
class Readiness:
    """The gaps of one computed table and the audience of its publication."""

    unscored: list[str] = field(default_factory=list)  # entry codes without a jury score
    unfinished_judges: list[str] = field(default_factory=list)  # "评委甲（3/5）"
    voting_open_until: str = ""  # the end of a public vote still running
    notified_entries: int = 0
    notified_people: int = 0

    @property
    def blocking(self) -> bool:
        """Missing scores make the awards meaningless: publishing needs an explicit override."""
        return bool(self.unscored)

    @property
    def warnings(self) -> bool:
        """Anything the organizer should see before publishing."""
        return bool(self.unscored or self.unfinished_judges or self.voting_open_until)


def readiness(services, db, review: dict) -> Readiness:
    """The gaps of a reviewed table (publication.review) as of the contest clock."""
    contest = services.contest
    result = Readiness()
    if contest.scoring is not None and contest.scoring.jury_weight > 0:
        result.unscored = list(review["unscored"])
        result.unfinished_judges = _unfinished_judges(db, contest)
    result.voting_open_until = _voting_open_until(contest, services.now())
    audience = publication.personal_results(services, review["id"])
    result.notified_entries = len(audience)
    result.notified_people = len({item["openid"] for item in audience})
    return result


def _unfinished_judges(db, contest) -> list[str]:
    judged = entry_scores(db, contest)
    judges = db.scalars(select(ConsoleUser.username).where(
        ConsoleUser.role == "judge", ConsoleUser.disabled.is_(False))
        .order_by(ConsoleUser.username)).all()
    unfinished = []
    for judge in judges:
        done = sum(1 for result in judged if judge in result.totals)
        if done < len(judged):
            unfinished.append(f"{judge}（已评{done}/{len(judged)}件）")
    return unfinished


def _voting_open_until(contest, now) -> str:
    if contest.voting is None:
        return ""
    phase = contest.phase(contest.voting.phase)
    if phase is None or now.replace(tzinfo=None) > phase.end.replace(tzinfo=None):
        return ""
    return f"{phase.end:%Y-%m-%d %H:%M}"
