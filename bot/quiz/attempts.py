"""An attempt from start to score: drawn once, one question at a time, each answer stored once
with its times, closed by the last answer, by 取消, or by its time limit (a scheduled job).

Timing is the server's: a question's time runs from when it was (re-)sent to when the answer
reached the webhook, on the contest clock. An answer after `question_time_s` is marked late
(0 points); one after the attempt's limit closes the attempt. A message that is no answer asks
the question again, and its time starts again; the attempt's limit keeps running.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.models.quiz import AttemptState, QuizAnswer, QuizAttempt
from bot.queueing import QUIZ_TIMEOUT
from bot.quiz import answers as reading
from bot.quiz.bank import ensure_bank
from bot.quiz.draw import draw, new_seed
from bot.quiz.people import local_day
from bot.quiz.questions import Question, bank_questions, drawable
from bot.quiz.scoring import apply_score
from bot.quiz.timing import due_real_instant, seconds_between

T = TypeVar("T")


class AttemptInProgress(Exception):
    """The person already has an attempt under way (its id)."""

    def __init__(self, attempt_id: int):
        super().__init__(attempt_id)
        self.attempt_id = attempt_id


@dataclass(frozen=True)
class Asked:
    """A question as this attempt shows it."""

    number: int  # 1-based
    total: int
    kind: str
    points: int
    stem: str
    options: list[tuple[str, str]]
    seconds: int


@dataclass(frozen=True)
class Marked:
    """The answer just recorded, as the person saw it."""

    correct: bool
    late: bool
    given: str
    right: str
    explanation: str


@dataclass(frozen=True)
class Result:
    """An attempt that ended."""

    attempt_id: int
    state: str
    score: float
    correct: int
    total: int
    duration_s: float
    passed: bool


@dataclass(frozen=True)
class Outcome:
    """What a message did to the attempt: recorded, finished, unreadable, repeat, over."""

    status: str
    marked: Marked | None = None
    asked: Asked | None = None
    result: Result | None = None


def start_attempt(services, participant_id: int) -> tuple[int, Asked]:
    """Draw and store a new attempt, schedule its time limit; AttemptInProgress if one is."""
    quiz, now = services.contest.quiz, services.now()
    bank_id = ensure_bank(services)
    with session_scope(services.db) as session:
        questions = drawable(session, bank_id, services.memo)
        seed = new_seed()
        attempt = QuizAttempt(
            contest_id=services.contest.id, participant_id=participant_id, bank_id=bank_id,
            seed=seed, drawn=[item.to_json() for item in draw(seed, questions, quiz)],
            state=AttemptState.IN_PROGRESS.value, day=local_day(services.contest, now),
            position=0, asked_at=now, started_at=now,
            deadline_at=now + timedelta(seconds=quiz.time_limit_s))
        try:
            with session.begin_nested():
                session.add(attempt)
        except IntegrityError:  # the partial unique index: one attempt in progress each
            raise AttemptInProgress(in_progress_id(session, participant_id) or 0) from None
        attempt_id, asked = attempt.id, ask(session, attempt, services)
        deadline = online(attempt.deadline_at)
    services.jobs.enqueue_at(QUIZ_TIMEOUT, due_real_instant(deadline, now), attempt_id,
                             job_id=f"quiz-timeout-{attempt_id}", new_id=True)
    return attempt_id, asked


def in_progress_id(session: Session, participant_id: int) -> int | None:
    """The person's attempt under way, if any."""
    return session.scalar(select(QuizAttempt.id).where(
        QuizAttempt.participant_id == participant_id,
        QuizAttempt.state == AttemptState.IN_PROGRESS.value))


def ask(session: Session, attempt: QuizAttempt, services) -> Asked:
    """The question the attempt is at, as shown to its taker."""
    item = attempt.drawn[attempt.position]
    question = bank_questions(session, online(attempt.bank_id), services.memo)[item["question"]]
    return asked_of(services, question, item, attempt.position, len(attempt.drawn))


def asked_of(services, question: Question, item: dict, position: int, total: int) -> Asked:
    """A drawn question (with its option order) as its taker sees it."""
    return Asked(position + 1, total, question.kind, question.points, question.stem,
                 reading.shown_options(question.options, item["order"]),
                 services.contest.quiz.question_time_s)


def current_question(services, attempt_id: int, restart_clock: bool = True) -> Asked | None:
    """The pending question again (its time restarts), or None if the attempt is over."""
    with session_scope(services.db) as session:
        attempt = _locked(session, attempt_id)
        if attempt.state != AttemptState.IN_PROGRESS.value:
            return None
        if restart_clock:
            attempt.asked_at = services.now()
        return ask(session, attempt, services)


def cancel(services, attempt_id: int) -> Result | None:
    """取消: the attempt ends now and counts with what was answered; None if it was over."""
    with session_scope(services.db) as session:
        attempt = _locked(session, attempt_id)
        if attempt.state != AttemptState.IN_PROGRESS.value:
            return None
        return finish(session, attempt, AttemptState.CANCELLED, services.contest.quiz,
                      min(services.now(), online(attempt.deadline_at)))


def close_if_expired(services, attempt_id: int) -> tuple[Result | None, datetime | None]:
    """The time-limit job: (the closed attempt's result, None), (None, when it is due) if the
    limit has not come on this clock yet, or (None, None) when the attempt is already over."""
    with session_scope(services.db) as session:
        attempt = _locked(session, attempt_id)
        if attempt.state != AttemptState.IN_PROGRESS.value:
            return None, None
        deadline = online(attempt.deadline_at)
        if services.now() < deadline:
            return None, deadline
        return finish(session, attempt, AttemptState.TIMED_OUT, services.contest.quiz,
                      deadline), None


def finish(session: Session, attempt: QuizAttempt, state: AttemptState, quiz,
           at: datetime) -> Result:
    """End the attempt: unanswered questions stored as such, the score computed."""
    answered = set(session.scalars(select(QuizAnswer.position).where(
        QuizAnswer.attempt_id == attempt.id)))
    for position, item in enumerate(attempt.drawn):
        if position not in answered:  # the one asked when it ended, and those never reached
            session.add(QuizAnswer(
                attempt_id=attempt.id, position=position, question_id=item["question"],
                given="", correct=False, late=False,
                asked_at=attempt.asked_at if position == attempt.position else None))
    session.flush()
    attempt.state, attempt.finished_at = state.value, at
    attempt.duration_s = seconds_between(attempt.started_at, at)
    apply_score(session, attempt)
    return result_of(attempt, quiz)


def result_of(attempt: QuizAttempt, quiz) -> Result:
    """An ended attempt's figures."""
    score = float(attempt.score or 0)
    return Result(attempt.id, attempt.state, score, attempt.correct or 0, len(attempt.drawn),
                  float(attempt.duration_s or 0), score >= quiz.pass_mark)


def online(value: T | None) -> T:
    """A column only offline attempts leave empty (deadline, asked time, bank), for an online
    attempt."""
    if value is None:
        raise ValueError("an online attempt has its deadline, question time and bank")
    return value


def _locked(session: Session, attempt_id: int) -> QuizAttempt:
    return session.scalars(select(QuizAttempt).where(QuizAttempt.id == attempt_id)
                           .with_for_update()).one()
