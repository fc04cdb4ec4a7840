"""One answer to the pending question, on the hot path: a locked read of the attempt, one
INSERT of the answer, one UPDATE of the attempt, as statements compiled once per process (the
ORM's unit of work cost more CPU than the database did). Timing: see bot.quiz.attempts."""
from datetime import datetime

from sqlalchemy import Connection, bindparam, select, text, update
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.models.quiz import AttemptState, QuizAnswer, QuizAttempt
from bot.quiz import answers as reading
from bot.quiz.attempts import Asked, Marked, Outcome, asked_of, finish, online, result_of
from bot.quiz.questions import Question, bank_questions
from bot.quiz.timing import seconds_between

ATTEMPTS = QuizAttempt.__table__
_LOCK = (select(ATTEMPTS.c.state, ATTEMPTS.c.position, ATTEMPTS.c.asked_at,
                ATTEMPTS.c.deadline_at, ATTEMPTS.c.bank_id, ATTEMPTS.c.drawn)
         .where(ATTEMPTS.c.id == bindparam("attempt")).with_for_update())
_MOVE = (update(QuizAttempt).where(QuizAttempt.id == bindparam("attempt"))
         .values(position=bindparam("to"), asked_at=bindparam("at")))
_ANSWER_COLUMNS = ("attempt_id", "position", "question_id", "given", "correct", "late",
                   "asked_at", "answered_at", "seconds", "msg_id")
# PostgreSQL and SQLite (the product's two): a repeated MsgId (unique per attempt) inserts
# nothing, in the same statement.
_INSERT = text(
    f"INSERT INTO quiz_answers ({', '.join(_ANSWER_COLUMNS)}) VALUES "
    f"({', '.join(':' + name for name in _ANSWER_COLUMNS)}) ON CONFLICT DO NOTHING RETURNING id"
).bindparams(*(bindparam(name, type_=QuizAnswer.__table__.c[name].type)
               for name in _ANSWER_COLUMNS))


def answer(services, attempt_id: int, typed: str, msg_id: str) -> Outcome:
    """Take one message as the answer to the pending question."""
    quiz, now = services.contest.quiz, services.now()
    with session_scope(services.db) as session:
        connection = session.connection()
        row = connection.execute(_LOCK, {"attempt": attempt_id}).one()
        if row.state != AttemptState.IN_PROGRESS.value or now > row.deadline_at:
            return _ended(session, attempt_id, quiz)
        questions = bank_questions(session, row.bank_id, services.memo)
        item = row.drawn[row.position]
        question = questions[item["question"]]
        shown = reading.read_answer(typed, question.kind, len(question.options))
        if shown is None:  # asked again: its time starts again
            connection.execute(_MOVE, {"attempt": attempt_id, "to": row.position, "at": now})
            return Outcome("unreadable", asked=asked_of(services, question, item, row.position,
                                                        len(row.drawn)))
        marked = _store(connection, attempt_id, row, question, shown, now, msg_id, quiz)
        if marked is None:  # this MsgId answered already (a retry Redis forgot): once only
            return Outcome("repeat", asked=asked_of(services, question, item, row.position,
                                                    len(row.drawn)))
        position = row.position + 1
        connection.execute(_MOVE, {"attempt": attempt_id, "to": position, "at": now})
        if position == len(row.drawn):
            attempt = session.get_one(QuizAttempt, attempt_id)
            return Outcome("finished", marked, result=finish(
                session, attempt, AttemptState.FINISHED, quiz, now))
        following = row.drawn[position]
        return Outcome("recorded", marked, asked=asked_of(
            services, questions[following["question"]], following, position, len(row.drawn)))


def _ended(session: Session, attempt_id: int, quiz) -> Outcome:
    """The attempt was over, or its time limit passed before this answer came."""
    attempt = session.get_one(QuizAttempt, attempt_id)
    if attempt.state != AttemptState.IN_PROGRESS.value:
        return Outcome("over", result=result_of(attempt, quiz))
    return Outcome("timed_out", result=finish(session, attempt, AttemptState.TIMED_OUT, quiz,
                                              online(attempt.deadline_at)))


def _store(connection: Connection, attempt_id: int, row, question: Question, shown: str,
           now: datetime, msg_id: str, quiz) -> Marked | None:
    """Store the answer once (None: its MsgId is stored already)."""
    order = row.drawn[row.position]["order"]
    given = reading.to_bank_letters(shown, order)
    seconds = seconds_between(row.asked_at, now)
    late = seconds > quiz.question_time_s
    correct = given == question.answer and not late
    stored = connection.execute(_INSERT, {
        "attempt_id": attempt_id, "position": row.position, "question_id": question.id,
        "given": given, "correct": correct, "late": late, "asked_at": row.asked_at,
        "answered_at": now, "seconds": seconds, "msg_id": msg_id or None}).first()
    if stored is None:
        return None
    return Marked(correct, late, shown, reading.to_shown_letters(question.answer, order),
                  question.explanation)


__all__ = ["Asked", "answer"]
