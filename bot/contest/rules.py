"""Contest YAML rules after collection: public voting, scoring, awards, notices and chat texts."""
import math
from datetime import datetime, time, timedelta
from typing import Annotated, Literal, cast

from pydantic import Field, model_validator

from bot.contest.schema import Id, LocalStart, StrictModel, Text

Percent = Annotated[float, Field(ge=0, le=100)]
Rounding = Literal["floor", "ceil", "nearest", "rest"]
Audience = Literal["followers", "entrants", "entrants_without_video", "finalists", "voters",
                   "quiz_participants"]


class Fraud(StrictModel):
    """Thresholds above which votes are flagged as suspicious in the console (not refused)."""

    burst_window_s: Annotated[int, Field(ge=1)] = 60
    burst_count: Annotated[int, Field(ge=1)] = 30
    follow_then_vote_minutes: Annotated[float, Field(ge=0)] = 2
    votes_per_address: Annotated[int, Field(ge=1)] = 20


class Voting(StrictModel):
    """Public voting: its window (a phase), how many votes a user has and who may vote."""

    phase: str
    votes_per_user: Annotated[int, Field(ge=1)] = 1
    per: Literal["contest", "day"] = "contest"
    follow_required: bool = True
    show_standings: bool = True
    rules_text: str = ""
    fraud: Fraud = Fraud()


class Criterion(StrictModel):
    """One jury criterion and the most points a judge may give on it."""

    id: Id
    name: Text
    max_points: Annotated[float, Field(gt=0)]
    description: str = ""


class Scoring(StrictModel):
    """How the final score is made from the jury's points and the public vote."""

    jury_weight: Percent = 100
    vote_weight: Percent = 0
    vote_normalisation: Literal["share_of_max", "share_of_total", "rank"] = "share_of_max"
    normalisation_note: str = ""
    finalists: Literal["all_approved", "selected"] = "all_approved"
    blind_judging: bool = True
    criteria: list[Criterion] = Field(min_length=1)
    tie_breaks: list[Literal["jury_score", "votes", "earliest_entry"]] = ["jury_score", "votes"]

    @model_validator(mode="after")
    def _weights_sum_to_100(self):
        if abs(self.jury_weight + self.vote_weight - 100) > 1e-9:
            raise ValueError(f"jury_weight + vote_weight must be 100 (got "
                             f"{self.jury_weight:g} + {self.vote_weight:g})")
        return self

    @property
    def max_points(self) -> float:
        """The highest total a judge can give (the sum of the criteria)."""
        return sum(criterion.max_points for criterion in self.criteria)


class Award(StrictModel):
    """An award: a fixed count or a share of the finalists, ranked by score, votes or by hand."""

    id: Id
    name: Text
    count: Annotated[int, Field(ge=0)] | None = None
    share: Percent | None = None
    rounding: Rounding = "nearest"
    min_count: Annotated[int, Field(ge=0)] = 0
    ranked_by: Literal["score", "votes", "manual"] = "score"
    exclusive: bool = True
    prize: str = ""
    description: str = ""

    @model_validator(mode="after")
    def _count_or_share(self):
        if (self.count is None) == (self.share is None):
            raise ValueError("give exactly one of count (a number of works) or share "
                             "(a percentage of the finalists)")
        return self

    def count_for(self, finalists: int, already: int) -> int:
        """How many works get this award among `finalists`, `already` being awarded before it."""
        left = max(finalists - already, 0) if self.exclusive else finalists
        if self.count is not None:
            return min(self.count, left)
        if self.rounding == "rest":
            return left
        raw = finalists * cast(float, self.share) / 100  # _count_or_share: no count, a share
        rounded = {"floor": math.floor(raw), "ceil": math.ceil(raw),
                   "nearest": math.floor(raw + 0.5)}[self.rounding]
        return min(max(rounded, self.min_count), left)


class Notice(StrictModel):
    """A message pushed on a schedule: at a local time, or days before/after a phase edge."""

    id: Id
    kind: Literal["announcement", "reminder", "slogan"] = "announcement"
    title: str = ""
    text: Text
    audience: Audience = "followers"
    at: LocalStart | None = None
    phase: str | None = None
    edge: Literal["start", "end"] = "start"
    offset_days: int = 0
    hour: Annotated[int, Field(ge=0, le=23)] = 10
    minute: Annotated[int, Field(ge=0, le=59)] = 0

    @model_validator(mode="after")
    def _at_or_phase(self):
        if (self.at is None) == (self.phase is None):
            raise ValueError("give exactly one of at (a local date and time) or phase "
                             "(with edge, offset_days, hour, minute)")
        return self

    def due(self, phase_edge: datetime | None) -> datetime:
        """When to send: `at`, or the phase edge's day moved by offset_days at hour:minute."""
        if self.at is not None:
            return self.at
        edge = cast(datetime, phase_edge)  # _at_or_phase: no `at`, so a phase and its edge
        day = edge.date() + timedelta(days=self.offset_days)
        return datetime.combine(day, time(self.hour, self.minute), tzinfo=edge.tzinfo)


class Texts(StrictModel):
    """Contest-owned chat texts (simplified Chinese); empty means the product's default."""

    welcome: str = ""
    rules: str = ""
    how_to_enter: str = ""
    contact: str = ""
    closed: str = ""
