"""The quiz dashboard's figures: participation by day, city and unit, and each question's
accuracy (a question most people get wrong may be a wrong question: disable it)."""
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models.quiz import AttemptState, QuizAnswer, QuizAttempt, QuizParticipant, QuizQuestion

ENDED = (AttemptState.FINISHED.value, AttemptState.CANCELLED.value, AttemptState.TIMED_OUT.value)


@dataclass(frozen=True)
class QuestionAccuracy:
    """How one question fared."""

    question: QuizQuestion
    answered: int  # attempts that reached it
    right: int

    @property
    def rate(self) -> float:
        """Share answered right, 0-1 (0 when nobody reached it)."""
        return self.right / self.answered if self.answered else 0.0


def participation(session: Session, contest) -> dict:
    """People and attempts in all, and people by day, city and unit (online and offline)."""
    people = session.execute(
        select(QuizParticipant.id, QuizParticipant.city, QuizParticipant.unit,
               QuizParticipant.source)
        .where(QuizParticipant.contest_id == contest.id,
               QuizParticipant.id.in_(select(QuizAttempt.participant_id)))).all()
    days = session.execute(
        select(QuizAttempt.day, func.count(func.distinct(QuizAttempt.participant_id)),
               func.count())
        .where(QuizAttempt.contest_id == contest.id,
               QuizAttempt.state != AttemptState.OFFLINE.value)
        .group_by(QuizAttempt.day).order_by(QuizAttempt.day)).all()
    return {
        "people": len(people),
        "offline": sum(1 for row in people if row.source == "offline"),
        "attempts": sum(row[2] for row in days),
        "by_day": [{"day": day, "people": count, "attempts": attempts}
                   for day, count, attempts in days],
        "by_city": Counter(row.city or "（未填）" for row in people).most_common(),
        "by_unit": Counter(row.unit or "（未填）" for row in people).most_common(50),
    }


def question_accuracy(session: Session, bank_id: int) -> list[QuestionAccuracy]:
    """Every question of a bank version with how often ended attempts got it right."""
    counts = {row.question_id: (row.answered, row.right) for row in session.execute(
        select(QuizAnswer.question_id, func.count().label("answered"),
               func.count().filter(QuizAnswer.correct.is_(True)).label("right"))
        .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
        .where(QuizAttempt.bank_id == bank_id, QuizAttempt.state.in_(ENDED),
               QuizAnswer.asked_at.is_not(None))
        .group_by(QuizAnswer.question_id))}
    questions = session.scalars(select(QuizQuestion).where(QuizQuestion.bank_id == bank_id)
                                .order_by(QuizQuestion.number)).all()
    return [QuestionAccuracy(q, *counts.get(q.id, (0, 0))) for q in questions]
