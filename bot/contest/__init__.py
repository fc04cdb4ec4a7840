"""A contest, as written by its organizer in one YAML file under config/contests/.

`load_contest("jiangmen-2020")` or `load_contest("/path/to/contest.yaml")` returns a frozen
`Contest`; any problem raises ContestConfigError naming the file, the key path and the reason.
The keys are documented in the README (Contest YAML reference).
"""
from datetime import datetime
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, field_validator, model_validator

from bot.contest.checks import check_contest
from bot.contest.quiz_rules import Quiz
from bot.contest.rules import Award, Notice, Scoring, Texts, Voting
from bot.contest.schema import (
    DEFAULT_TIMEZONE,
    ConfigProblem,
    EntrantKind,
    EntrantLimits,
    FormField,
    Phase,
    Pledge,
    Question,
    StrictModel,
    Text,
    zone,
)
from bot.contest.video_rules import Category, VideoRules
from bot.contest.yaml_file import ContestConfigError, config_error, read_mapping

CONTESTS_DIR = Path(__file__).resolve().parents[2] / "config" / "contests"
PHASE_IDS = ("collection", "screening", "voting", "judging", "results")
ContestId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=60)]

__all__ = ["Award", "Category", "ConfigProblem", "Contest", "ContestConfigError", "EntrantKind", "FormField",
           "Notice", "Phase", "Pledge", "Question", "Scoring", "Voting", "VideoRules",
           "contest_ids", "contest_path", "load_contest"]


class Contest(StrictModel):
    """One contest: its phases, who may enter and how, the video rules, voting and awards."""

    id: ContestId
    name: Text
    short_name: Text
    organizer: Text
    co_organizers: list[Text] = []
    theme: str = ""
    seed: Text
    timezone: str = DEFAULT_TIMEZONE
    texts: Texts = Texts()
    phases: list[Phase]
    eligibility: list[Question] = []
    entrant_kinds: list[EntrantKind] = []
    entrant_limits: EntrantLimits = EntrantLimits()
    categories: list[Category] = []
    form: list[FormField] = []
    video_rules: VideoRules = VideoRules()
    pledges: list[Pledge] = []
    voting: Voting | None = None
    scoring: Scoring | None = None
    awards: list[Award] = []
    notices: list[Notice] = []
    slogans: list[Text] = []
    quiz: Quiz | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value

    @field_validator("phases")
    @classmethod
    def _some_phases(cls, value):
        if not value:
            raise ValueError("a contest needs at least one phase")
        return value

    @model_validator(mode="after")
    def _consistent(self):
        check_contest(self)
        return self

    @classmethod
    def from_mapping(cls, data: dict) -> "Contest":
        """Validate a parsed YAML mapping, reading its local times in its own time zone."""
        tz = data.get("timezone") if isinstance(data.get("timezone"), str) else None
        return cls.model_validate(data, context={"tz": tz or DEFAULT_TIMEZONE})

    @property
    def tz(self):
        """The contest's ZoneInfo."""
        return zone(self.timezone)

    def phase(self, phase_id: str) -> Phase | None:
        """The phase with that id, or None."""
        return next((phase for phase in self.phases if phase.id == phase_id), None)

    def phase_at(self, when: datetime) -> Phase | None:
        """The phase running at `when` (an aware datetime), or None between/outside phases."""
        return next((phase for phase in self.phases if phase.contains(when)), None)

    def is_open(self, phase_id: str, when: datetime) -> bool:
        """True when the phase with that id runs at `when`."""
        phase = self.phase(phase_id)
        return phase is not None and phase.contains(when)

    def next_phase(self, when: datetime) -> Phase | None:
        """The first phase starting after `when`, or None."""
        return next((phase for phase in self.phases if phase.start > when), None)

    @property
    def accepts_entries(self) -> bool:
        """True when the contest has a collection phase (山东 2024 has none)."""
        return self.phase("collection") is not None

    def kind(self, kind_id: str) -> EntrantKind | None:
        """The entrant kind with that id, or None."""
        return next((kind for kind in self.entrant_kinds if kind.id == kind_id), None)

    def entry_limit(self, kind_id: str) -> tuple[int, bool]:
        """Most entries one entrant may have as that kind, and True when the notice sets it."""
        kind = self.kind(kind_id)
        if kind is not None and kind.max_entries is not None:
            return kind.max_entries, True
        return self.entrant_limits.max_entries, False

    def category(self, category_id: str) -> Category | None:
        """The category with that id, or None."""
        return next((cat for cat in self.categories if cat.id == category_id), None)

    def video_rules_for(self, category_id: str | None) -> VideoRules:
        """The contest's video rules with the category's own rules laid over them."""
        category = self.category(category_id) if category_id else None
        return self.video_rules.merged(category.video_rules if category else None)

    def eligibility_for(self, kind_id: str | None) -> list[Question]:
        """Questions for that kind (kind None: only the questions asked of everyone)."""
        return [question for question in self.eligibility
                if not question.applies_to_kinds or kind_id in question.applies_to_kinds]

    def fields_for(self, kind_id: str, category_id: str | None = None) -> list[FormField]:
        """Form fields asked of that kind, in order (category-specific ones need the category)."""
        return [field for field in self.form if field.applies(kind_id, category_id)]

    def field(self, field_id: str) -> FormField | None:
        """The form field with that id, or None."""
        return next((field for field in self.form if field.id == field_id), None)

    def pledges_for(self, kind_id: str) -> list[Pledge]:
        """Pledges that entrant kind must accept."""
        return [p for p in self.pledges if not p.applies_to_kinds or kind_id in p.applies_to_kinds]

    def award_counts(self, finalists: int) -> dict[str, int]:
        """How many works get each award (by award id) when there are `finalists` finalists."""
        counts, given = {}, 0
        for award in self.awards:
            counts[award.id] = award.count_for(finalists, given)
            if award.exclusive:
                given += counts[award.id]
        return counts

    def scheduled_notices(self) -> list[tuple[datetime, Notice]]:
        """Every notice with the aware local time it is due, earliest first."""
        due = []
        for notice in self.notices:
            phase = self.phase(notice.phase) if notice.phase else None
            edge = getattr(phase, notice.edge) if phase else None
            due.append((notice.due(edge), notice))
        return sorted(due, key=lambda pair: pair[0])


def contest_path(ref: str) -> Path:
    """The YAML file of a contest id under config/contests/, or of a path to a .yaml file."""
    text = str(ref).strip()
    if text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text:
        return Path(text)
    return CONTESTS_DIR / f"{text}.yaml"


def contest_ids() -> list[str]:
    """The ids of the contests shipped under config/contests/, sorted."""
    return sorted(path.stem for path in CONTESTS_DIR.glob("*.yaml"))


def load_contest(ref: str) -> Contest:
    """Load and validate a contest by id or path; ContestConfigError on any problem."""
    path = contest_path(ref)
    if not path.is_file():
        known = ", ".join(contest_ids())
        raise ContestConfigError(path.name, "(file)", f"no such contest file ({path}); "
                                 f"shipped contests: {known}")
    data = read_mapping(path)
    try:
        contest = Contest.from_mapping(data)
    except ValidationError as exc:
        raise config_error(path.name, Contest, exc) from None
    if contest.id != path.stem:
        raise ContestConfigError(path.name, "id", f"is {contest.id!r} but must equal the file "
                                 f"name without .yaml ({path.stem!r})")
    return contest

