"""A bank version's questions as the chat needs them, read once per process (kept in
Services.memo): a version never changes but for disabling, which only the scores read."""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models.quiz import QuizQuestion


@dataclass(frozen=True)
class Question:
    """One question of a bank version."""

    id: int
    kind: str
    stem: str
    options: tuple[str, ...]
    answer: str
    explanation: str
    points: int
    category: str


def bank_questions(session: Session, bank_id: int, memo: dict) -> dict[int, Question]:
    """Every question of the bank version, by id (one query the first time in a process)."""
    key = ("quiz-bank", bank_id)
    if key not in memo:
        rows = session.scalars(select(QuizQuestion).where(QuizQuestion.bank_id == bank_id))
        memo[key] = {row.id: Question(row.id, row.kind, row.stem, tuple(row.options), row.answer,
                                      row.explanation, row.points, row.category) for row in rows}
    return memo[key]


def drawable(session: Session, bank_id: int, memo: dict) -> list[Question]:
    """The bank version's questions new attempts may draw: all but the disabled (read now:
    an organizer may disable one at any time)."""
    disabled = set(session.scalars(select(QuizQuestion.id).where(
        QuizQuestion.bank_id == bank_id, QuizQuestion.disabled_at.is_not(None))))
    return [q for q in bank_questions(session, bank_id, memo).values() if q.id not in disabled]
