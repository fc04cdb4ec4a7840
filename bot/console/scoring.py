"""Jury scores: who is judged, checking a judge's points, saving them, progress and totals.

The jury judges the finalists: every approved entry (scoring.finalists `all_approved`, which
includes entries marked 入围) or only those marked 入围 (`selected`). A judge's points are saved
per criterion (Score: entry, judge, criterion); all criteria at once, each within its max_points.
The jury score of an entry is the judges' mean total ÷ the sum of max_points × 100.
"""
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from bot import audit
from bot.entries import judged_states
from bot.models import Entry, Score


def judgeable(contest, entry: Entry) -> bool:
    """True when the jury judges this entry."""
    return entry.contest_id == contest.id and entry.state in judged_states(contest)


def jury_entries(db, contest) -> list[Entry]:
    """The entries the jury judges, by code order."""
    states = judged_states(contest)
    if not states:
        return []
    return list(db.scalars(select(Entry).where(
        Entry.contest_id == contest.id, Entry.state.in_(sorted(states)), Entry.code.is_not(None))
        .order_by(Entry.id)))


def parse_points(criterion, raw) -> tuple[Decimal | None, str]:
    """A judge's points on one criterion: (value, "") or (None, the Chinese reason)."""
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw)).strip()
    if not text:
        return None, f"请填写“{criterion.name}”的分数。"
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, f"“{criterion.name}”的分数“{text[:20]}”不是数字。"
    limit = Decimal(str(criterion.max_points))
    if not value.is_finite() or value < 0 or value > limit:
        return None, f"“{criterion.name}”的分数须在0到{criterion.max_points:g}之间（填写的是{text[:20]}）。"
    if value != value.quantize(Decimal("0.01")):
        return None, f"“{criterion.name}”的分数最多保留两位小数。"
    return value.quantize(Decimal("0.01")), ""


def parse_sheet(criteria, values: dict) -> tuple[dict, list[str]]:
    """Points for every criterion from {criterion id: raw}; (points, reasons)."""
    points, reasons = {}, []
    for criterion in criteria:
        value, reason = parse_points(criterion, values.get(criterion.id))
        if reason:
            reasons.append(reason)
        else:
            points[criterion.id] = value
    return points, reasons


def save_scores(db, entry: Entry, judge: str, points: dict, actor: str, at, action: str) -> None:
    """Write one judge's points for one entry (replacing earlier ones) and audit it."""
    existing = {score.criterion: score for score in db.scalars(select(Score).where(
        Score.entry_id == entry.id, Score.judge == judge))}
    for criterion, value in points.items():
        score = existing.get(criterion)
        if score is None:
            db.add(Score(entry_id=entry.id, judge=judge, criterion=criterion, points=value,
                         created_at=at, updated_at=at))
        else:
            score.points, score.updated_at = value, at
    audit.record(db, actor, action, "entry", entry.id, at, judge=judge,
                 total=str(sum(points.values())))


def scores_by_judge(db, contest_id: str, judge: str | None = None) -> dict:
    """{entry_id: {judge: {criterion: Decimal}}} for the contest (or one judge)."""
    statement = select(Score).join(Entry, Entry.id == Score.entry_id).where(
        Entry.contest_id == contest_id)
    if judge is not None:
        statement = statement.where(Score.judge == judge)
    table: dict = {}
    for score in db.scalars(statement):
        table.setdefault(score.entry_id, {}).setdefault(score.judge, {})[score.criterion] = \
            score.points
    return table


@dataclass
class EntryScores:
    """One entry's jury result: each judge's total, the mean and the 0-100 jury score."""

    entry: Entry
    totals: dict = field(default_factory=dict)  # judge -> Decimal (complete sheets only)
    partial: list = field(default_factory=list)  # judges with an incomplete sheet

    @property
    def mean(self) -> Decimal | None:
        """The judges' mean total."""
        if not self.totals:
            return None
        return (sum(self.totals.values()) / len(self.totals)).quantize(Decimal("0.01"))

    def jury_score(self, max_points: float) -> Decimal | None:
        """The mean total as a share of the highest total, × 100."""
        mean = self.mean
        return None if mean is None else (mean / Decimal(str(max_points)) * 100).quantize(
            Decimal("0.01"))


def entry_scores(db, contest) -> list[EntryScores]:
    """Jury results of every judged entry (complete sheets count; partial ones are listed)."""
    criteria = [criterion.id for criterion in contest.scoring.criteria] if contest.scoring else []
    table = scores_by_judge(db, contest.id)
    results = []
    for entry in jury_entries(db, contest):
        result = EntryScores(entry)
        for judge, sheet in sorted(table.get(entry.id, {}).items()):
            if all(criterion in sheet for criterion in criteria):
                result.totals[judge] = sum(sheet[criterion] for criterion in criteria)
            else:
                result.partial.append(judge)
        results.append(result)
    return results
