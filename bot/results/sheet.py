"""Final results: the table computed from the contest YAML's scoring and awards, stored for review.

Jury score: for each judge, the sum of their points over the criteria; the entry's jury score is
the mean of those sums over the judges who scored it, divided by the most a judge can give (the
sum of the criteria's max_points) and multiplied by jury_weight. An entry nobody scored has 0.
Vote score (vote_weight > 0), counting valid votes only (no VoteInvalidation):
  share_of_max   votes / the most votes any finalist got x vote_weight (the 江门 notice's reading)
  share_of_total votes / all finalists' votes x vote_weight
  rank           (n - place + 1) / n x vote_weight, place 1 being the most voted (ties share it)
Total = jury score + vote score, each rounded half-up to 3 decimals. Ranking: total descending,
then the YAML's tie_breaks in order (jury_score, votes: higher first; earliest_entry: confirmed
first), then the entry id, so every place is distinct.
Awards, in the YAML's order, by Award.count_for (contest.award_counts): ranked_by score takes the
best-ranked finalists not holding an exclusive award yet; ranked_by votes the most voted (ties by
rank); exclusive: false awards may go to a work that already holds another; ranked_by manual is
left to the organizer; a votes award never goes to a work without votes. Shares round per the award's `rounding` (山东 2021: nearest, min 1, the
last takes the rest).
"""
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select, update

from bot import audit
from bot.db import session_scope
from bot.entries import judged_states
from bot.models import Entry, ResultRow, ResultSheet, Score, Vote, VoteInvalidation

PLACES = Decimal("0.001")


@dataclass
class Line:
    """One finalist's figures while the table is computed."""

    entry_id: int
    confirmed_at: datetime | None
    jury: Decimal = Decimal(0)
    votes: int = 0
    vote_score: Decimal = Decimal(0)
    awards: list = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        """Jury score plus vote score."""
        return self.jury + self.vote_score


def _round(value) -> Decimal:
    return Decimal(value).quantize(PLACES, rounding=ROUND_HALF_UP)


def jury_scores(session, entry_ids: list, scoring) -> dict:
    """Entry id -> jury score (mean over judges of their summed points, scaled to the weight)."""
    sums = session.execute(select(Score.entry_id, Score.judge, func.sum(Score.points))
                           .where(Score.entry_id.in_(entry_ids))
                           .group_by(Score.entry_id, Score.judge)).all()
    per_entry: dict[int, list] = {}
    for entry_id, _, points in sums:
        per_entry.setdefault(entry_id, []).append(Decimal(points))
    scale = Decimal(str(scoring.jury_weight)) / Decimal(str(scoring.max_points))
    return {entry_id: _round(sum(totals) / len(totals) * scale)
            for entry_id, totals in per_entry.items()}


def vote_counts(session, contest_id: str, entry_ids: list) -> dict:
    """Entry id -> valid votes."""
    return dict(session.execute(
        select(Vote.entry_id, func.count()).outerjoin(VoteInvalidation)
        .where(Vote.contest_id == contest_id, Vote.entry_id.in_(entry_ids),
               VoteInvalidation.id.is_(None)).group_by(Vote.entry_id)).all())


def vote_score(votes: int, all_votes: list, scoring) -> Decimal:
    """The vote part of the total, per the YAML's vote_normalisation."""
    weight = Decimal(str(scoring.vote_weight))
    if not weight or not all_votes or not max(all_votes):
        return Decimal(0)
    if scoring.vote_normalisation == "share_of_total":
        return _round(Decimal(votes) / sum(all_votes) * weight)
    if scoring.vote_normalisation == "rank":
        place = 1 + sum(1 for other in all_votes if other > votes)
        n = len(all_votes)
        return _round(Decimal(n - place + 1) / n * weight)
    return _round(Decimal(votes) / max(all_votes) * weight)


def rank_lines(lines: list, tie_breaks: list) -> list:
    """Lines in final order: total, then the tie-breaks, then entry id."""
    def key(line: Line):
        parts: list[Any] = [-line.total]
        for rule in tie_breaks:
            parts.append({"jury_score": -line.jury, "votes": -line.votes}.get(
                rule, line.confirmed_at.timestamp() if line.confirmed_at else 0))
        return (*parts, line.entry_id)
    return sorted(lines, key=key)


def assign_awards(contest, ranked: list) -> None:
    """Give each award to its count of lines, per the YAML (see the module docstring)."""
    counts = contest.award_counts(len(ranked))
    holds_exclusive: set[int] = set()
    for award in contest.awards:
        if award.ranked_by == "manual":
            continue
        order = ranked if award.ranked_by == "score" else sorted(
            ranked, key=lambda line: -line.votes)  # stable: ties keep their rank order
        given = 0
        for line in order:
            if given >= counts[award.id]:
                break
            taken = award.exclusive and line.entry_id in holds_exclusive
            if taken or (award.ranked_by == "votes" and not line.votes):
                continue
            line.awards.append(award.id)
            given += 1
            if award.exclusive:
                holds_exclusive.add(line.entry_id)


def compute_lines(session, contest) -> list:
    """The ranked, awarded lines of every finalist of the contest."""
    entries = session.execute(select(Entry.id, Entry.confirmed_at).where(
        Entry.contest_id == contest.id, Entry.state.in_(sorted(judged_states(contest))))).all()
    ids = [entry_id for entry_id, _ in entries]
    jury = jury_scores(session, ids, contest.scoring)
    votes = vote_counts(session, contest.id, ids)
    all_votes = [votes.get(entry_id, 0) for entry_id in ids]
    lines = [Line(entry_id, confirmed_at, jury.get(entry_id, Decimal(0)),
                  votes.get(entry_id, 0)) for entry_id, confirmed_at in entries]
    for line in lines:
        line.vote_score = vote_score(line.votes, all_votes, contest.scoring)
    ranked = rank_lines(lines, contest.scoring.tie_breaks)
    assign_awards(contest, ranked)
    return ranked


def compute_results(services, actor: str) -> int:
    """Compute and store a new sheet (earlier unpublished ones are superseded); its id."""
    contest = services.contest
    if contest.scoring is None:
        raise ValueError(f"contest {contest.id} has no scoring section: no results to compute")
    with session_scope(services.db) as session:
        ranked = compute_lines(session, contest)
        session.execute(update(ResultSheet).where(
            ResultSheet.contest_id == contest.id, ResultSheet.state == "computed")
            .values(state="superseded"))
        sheet = ResultSheet(contest_id=contest.id, state="computed", computed_by=actor,
                            computed_at=services.now(), rules=contest.scoring.model_dump(mode="json"))
        session.add(sheet)
        session.flush()
        session.add_all(ResultRow(sheet_id=sheet.id, entry_id=line.entry_id, rank=place,
                                  jury_score=line.jury, votes=line.votes,
                                  vote_score=line.vote_score, total=line.total,
                                  awards=line.awards)
                        for place, line in enumerate(ranked, start=1))
        audit.record(session, actor, "results.compute", "result_sheet", sheet.id, services.now(),
                     finalists=len(ranked))
        return sheet.id
