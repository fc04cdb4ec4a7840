"""Contest YAML `quiz:`: a knowledge quiz (知识竞赛) in chat beside the video contest.

The window is a phase or its own dates; each attempt draws `questions` from the contest's
question bank by type and category; timing, attempts and the ranking are the organizer's.
"""
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from bot.contest.schema import Id, LocalEnd, LocalStart, StrictModel, Text
from config.settings import PROJECT_ROOT

BANKS_DIR = PROJECT_ROOT / "config" / "quiz"  # the question banks contests ship

QUESTION_TYPES = ("单选", "多选", "判断")
Count = Annotated[int, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=100)]
BankId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=60)]


class QuizWindow(StrictModel):
    """When attempts may start: during a phase, or between two local times."""

    phase: Id | None = None
    start: LocalStart | None = None
    end: LocalEnd | None = None

    @model_validator(mode="after")
    def _one_way(self):
        if (self.phase is None) == (self.start is None or self.end is None):
            raise ValueError("give either phase, or start and end")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("end must come after start")
        return self


class DrawRule(StrictModel):
    """How many questions of one type or category an attempt draws: a count or a share (%)."""

    count: Count | None = None
    share: Share | None = None

    @model_validator(mode="after")
    def _count_or_share(self):
        if (self.count is None) == (self.share is None):
            raise ValueError("give count or share, not both")
        return self


class Draw(StrictModel):
    """The draw rules: per type (exact) and per category (as close as the bank allows)."""

    by_type: dict[Literal["单选", "多选", "判断"], DrawRule] = {}
    by_category: dict[Text, DrawRule] = {}


class Participation(StrictModel):
    """Who may take part, and what is asked of them once (like the registration form)."""

    who: Literal["followers", "registered"] = "registered"
    ask: list[Literal["name", "unit", "city"]] = ["name", "unit", "city"]
    cities: list[Text] = []  # the choices for `city` (empty: any text)
    unit_hint: str = ""  # what to write as 单位, e.g. 请填写单位全称


class UnitRanking(StrictModel):
    """Units ranked by their members' best scores."""

    by: Literal["average", "total"] = "average"
    min_members: Annotated[int, Field(ge=1)] = 3


class Ranking(StrictModel):
    """What the rankings show."""

    people: bool = True
    units: UnitRanking | None = UnitRanking()
    cities: bool = True
    top: Annotated[int, Field(ge=1, le=50)] = 10


class Quiz(StrictModel):
    """The quiz: its bank, window, draw, timing, attempts, pass mark and rankings."""

    name: Text
    bank: BankId | None = None  # config/quiz/<bank>.csv, loaded as version 1 when none is imported
    window: QuizWindow
    questions: Annotated[int, Field(ge=1, le=50)] = 10
    draw: Draw = Draw()
    time_limit_s: Annotated[int, Field(ge=30)] = 600
    question_time_s: Annotated[int, Field(ge=5)] = 60
    attempts_per_day: Annotated[int, Field(ge=1)] = 3
    attempts_total: Annotated[int, Field(ge=1)] | None = None
    counts: Literal["best", "first"] = "best"
    pass_mark: Annotated[float, Field(ge=0, le=100)] = 60
    participants: Participation = Participation()
    ranking: Ranking = Ranking()
    show_answers: Literal["after_each", "at_end"] = "at_end"
    rules_text: str = ""

    @model_validator(mode="after")
    def _draw_fits(self):
        for name, rules in (("by_type", self.draw.by_type), ("by_category", self.draw.by_category)):
            counts = [rule.count for rule in rules.values() if rule.count is not None]
            shares = [rule.share for rule in rules.values() if rule.share is not None]
            if counts and shares:
                raise ValueError(f"draw.{name}: use counts or shares, not both")
            if counts and sum(counts) != self.questions:
                raise ValueError(f"draw.{name}: the counts add up to {sum(counts)}, not the "
                                 f"{self.questions} questions of an attempt")
            if shares and abs(sum(shares) - 100) > 1e-9:
                raise ValueError(f"draw.{name}: the shares add up to {sum(shares):g}%, not 100%")
        if self.time_limit_s < self.question_time_s:
            raise ValueError("time_limit_s is shorter than one question's question_time_s")
        return self

    def type_counts(self) -> dict[str, int]:
        """Questions of each type an attempt draws ({} when the type is free)."""
        return _counts(self.draw.by_type, self.questions)

    def category_counts(self) -> dict[str, int]:
        """Questions of each category an attempt aims for ({} when the category is free)."""
        return _counts(self.draw.by_category, self.questions)


def shipped_bank_path(bank_id: str) -> Path:
    """The bank a contest YAML names (`quiz.bank`): config/quiz/<bank>.csv."""
    return BANKS_DIR / f"{bank_id}.csv"


def _counts(rules: dict, total: int) -> dict[str, int]:
    """Counts as given, or shares turned into counts by the largest remainder (they add up)."""
    if not rules:
        return {}
    if all(rule.count is not None for rule in rules.values()):
        return {key: rule.count for key, rule in rules.items()}
    exact = {key: rule.share * total / 100 for key, rule in rules.items()}
    counts = {key: int(value) for key, value in exact.items()}
    by_remainder = sorted(exact, key=lambda key: (-(exact[key] - counts[key]), key))
    for key in by_remainder[:total - sum(counts.values())]:
        counts[key] += 1
    return counts
