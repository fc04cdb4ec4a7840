"""An attempt's score: the points of its right answers over the points of its questions, as
0-100, leaving out questions the organizer disabled (a wrong question costs no one anything).

An unanswered question (the time ran out, 取消) scores 0; a late answer is marked late and
scores 0. Disabling a question rescores every finished attempt that was asked it.
"""
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.models.quiz import AttemptState, QuizAnswer, QuizAttempt, QuizQuestion

PLACES = Decimal("0.1")


@dataclass(frozen=True)
class Score:
    """What an attempt earned."""

    score: Decimal  # 0-100, one decimal
    correct: int  # right answers among the enabled questions
    counted: int  # enabled questions asked


def score_of(questions: dict[int, QuizQuestion], drawn: list[dict],
             answers: list[QuizAnswer]) -> Score:
    """The score of these answers to the drawn questions (`questions` by id)."""
    right = {answer.question_id for answer in answers if answer.correct and not answer.late}
    enabled = [questions[item["question"]] for item in drawn
               if questions[item["question"]].disabled_at is None]
    possible = sum(question.points for question in enabled)
    earned = sum(question.points for question in enabled if question.id in right)
    score = Decimal(100 * earned) / Decimal(possible) if possible else Decimal(0)
    return Score(score.quantize(PLACES, rounding=ROUND_HALF_UP),
                 sum(1 for question in enabled if question.id in right), len(enabled))


def apply_score(session: Session, attempt: QuizAttempt) -> Score:
    """Compute and store the attempt's score from its stored answers."""
    ids = [item["question"] for item in attempt.drawn]
    questions = {q.id: q for q in session.scalars(select(QuizQuestion).where(
        QuizQuestion.id.in_(ids)))}
    answers = list(session.scalars(select(QuizAnswer).where(
        QuizAnswer.attempt_id == attempt.id)))
    result = score_of(questions, attempt.drawn, answers)
    attempt.score, attempt.correct = result.score, result.correct
    return result


def set_question_enabled(session: Session, question_id: int, enabled: bool, actor: str,
                         at: datetime) -> int:
    """Disable (or enable again) a question, rescore the attempts that were asked it, audit;
    how many attempts were rescored."""
    question = session.get(QuizQuestion, question_id)
    if question is None:
        raise LookupError(question_id)
    question.disabled_at, question.disabled_by = (None, None) if enabled else (at, actor)
    session.flush()
    asked = select(QuizAnswer.attempt_id).where(QuizAnswer.question_id == question_id)
    attempts = list(session.scalars(select(QuizAttempt).where(
        QuizAttempt.id.in_(asked), QuizAttempt.state != AttemptState.IN_PROGRESS.value)))
    for attempt in attempts:
        apply_score(session, attempt)
    audit.record(session, actor, "quiz.question_enabled" if enabled else "quiz.question_disabled",
                 "quiz_question", question_id, at, bank=question.bank_id,
                 number=question.number, rescored=len(attempts))
    return len(attempts)
