"""Where a person stands in the quiz, for the answers that tell them (result, 排名, time-out):
counted in SQL (the top, one person's place, their unit's), so the answer costs the same with
20 people or 20,000. The same order as bot.quiz.ranking: score, then time, then the attempt."""
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, Subquery, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.models.quiz import AttemptState, QuizAttempt, QuizParticipant
from bot.quiz.ranking import NO_TIME, GroupStanding, Standing, rank_groups

DURATION = func.coalesce(QuizAttempt.duration_s, NO_TIME)


def counted(contest) -> Subquery:
    """Each person's attempt that counts (best or first), as a subquery with `n` = 1."""
    order: list[ColumnElement | InstrumentedAttribute] = (
        [QuizAttempt.started_at, QuizAttempt.id] if contest.quiz.counts == "first"
        else [QuizAttempt.score.desc(), DURATION, QuizAttempt.id])
    return (select(QuizAttempt.id, QuizAttempt.participant_id, QuizAttempt.score,
                   DURATION.label("duration"), QuizAttempt.duration_s, QuizAttempt.state,
                   func.row_number().over(partition_by=QuizAttempt.participant_id,
                                          order_by=order).label("n"))
            .where(QuizAttempt.contest_id == contest.id,
                   QuizAttempt.state != AttemptState.IN_PROGRESS.value).subquery())


def standing_context(session: Session, contest, participant_id: int | None) -> dict:
    """The top of the ranking, the person's place, how many are ranked, and their unit's place
    (template context)."""
    rows = counted(contest)
    ranked = session.scalar(select(func.count()).select_from(rows).where(rows.c.n == 1)) or 0
    top = _top(session, rows, contest.quiz.ranking.top)
    mine = _mine(session, rows, participant_id) if participant_id is not None else None
    rule = contest.quiz.ranking.units
    unit_rows = _units(session, rows, rule) if rule else []
    unit = next((u for u in unit_rows if mine and u.name == mine.unit), None)
    return {"standing": mine, "ranked": ranked, "unit_standing": unit,
            "units_ranked": len(unit_rows), "everyone": top, "unit_rows": unit_rows}


def _people(rows) -> Select:
    return (select(rows.c.id, rows.c.participant_id, rows.c.score, rows.c.duration,
                   rows.c.duration_s, rows.c.state, QuizParticipant.name, QuizParticipant.unit,
                   QuizParticipant.city)
            .join(QuizParticipant, QuizParticipant.id == rows.c.participant_id)
            .where(rows.c.n == 1))


def _standing(row, rank: int) -> Standing:
    return Standing(rank, row.participant_id, row.name, row.unit, row.city,
                    row.score or Decimal(0), row.duration_s,
                    row.state == AttemptState.OFFLINE.value, row.id)


def _top(session: Session, rows, limit: int) -> list[Standing]:
    found = session.execute(_people(rows).order_by(rows.c.score.desc(), rows.c.duration,
                                                   rows.c.id).limit(limit)).all()
    standings, previous, rank = [], None, 0
    for index, row in enumerate(found, 1):
        if (row.score, row.duration) != previous:
            rank, previous = index, (row.score, row.duration)
        standings.append(_standing(row, rank))
    return standings


def _mine(session: Session, rows, participant_id: int) -> Standing | None:
    row = session.execute(_people(rows).where(rows.c.participant_id == participant_id)).first()
    if row is None:
        return None
    score = row.score or Decimal(0)
    better = session.scalar(select(func.count()).select_from(rows).where(
        rows.c.n == 1, or_(func.coalesce(rows.c.score, 0) > score,
                           and_(func.coalesce(rows.c.score, 0) == score,
                                rows.c.duration < row.duration))))
    return _standing(row, (better or 0) + 1)


def _units(session: Session, rows, rule) -> list[GroupStanding]:
    score = func.coalesce(rows.c.score, 0)
    value = func.sum(score) if rule.by == "total" else func.avg(score)
    found = session.execute(
        select(QuizParticipant.unit, func.count(), value)
        .join(QuizParticipant, QuizParticipant.id == rows.c.participant_id)
        .where(rows.c.n == 1, QuizParticipant.unit != "")
        .group_by(QuizParticipant.unit).having(func.count() >= rule.min_members)).all()
    return rank_groups([(Decimal(str(total)), name, count) for name, count, total in found])
