"""The knowledge quiz: question bank versions and their questions, participants, attempts and
each answer with its times. An attempt keeps the bank version it drew from."""
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base
from bot.models.columns import UtcDateTime, named, one_of, utc_now


class QuestionKind(StrEnum):
    """单选 (one right option), 多选 (two or more) and 判断 (true or false)."""

    SINGLE = "单选"
    MULTIPLE = "多选"
    JUDGE = "判断"


class AttemptState(StrEnum):
    """Where an attempt stands; every state but IN_PROGRESS counts in the rankings."""

    IN_PROGRESS = "in_progress"
    FINISHED = "finished"
    CANCELLED = "cancelled"  # 取消 ends it; the questions answered so far count
    TIMED_OUT = "timed_out"
    OFFLINE = "offline"  # a score from the offline half, imported by the organizer


ATTEMPT_STATES = tuple(state.value for state in AttemptState)
QUESTION_KINDS = tuple(kind.value for kind in QuestionKind)
PARTICIPANT_SOURCES = ("chat", "offline")


class QuizBank(Base):
    """One imported version of a contest's question bank; never edited but for disabling."""

    __tablename__ = "quiz_banks"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_quiz_banks")),
        UniqueConstraint("contest_id", "version",
                         name=named("uq_quiz_banks_contest_id_version")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    questions: Mapped[list["QuizQuestion"]] = relationship(
        back_populates="bank", order_by="QuizQuestion.number")


class QuizQuestion(Base):
    """A question of a bank version, as its spreadsheet row gave it (options in their order)."""

    __tablename__ = "quiz_questions"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_quiz_questions")),
        UniqueConstraint("bank_id", "number", name=named("uq_quiz_questions_bank_id_number")),
        one_of("quiz_questions", "kind", QUESTION_KINDS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_banks.id", name=named("fk_quiz_questions_bank_id_quiz_banks")))
    number: Mapped[int] = mapped_column(Integer)  # the spreadsheet row it came from
    kind: Mapped[str] = mapped_column(String(8))
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(String(8))  # letters of options (ABD), or 对/错
    explanation: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(64), default="")
    points: Mapped[int] = mapped_column(Integer, default=10)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    disabled_by: Mapped[str | None] = mapped_column(String(128))

    bank: Mapped[QuizBank] = relationship(back_populates="questions")


class QuizParticipant(Base):
    """A person in the rankings: who they said they are (once), or an offline score's row."""

    __tablename__ = "quiz_participants"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_quiz_participants")),
        UniqueConstraint("contest_id", "openid",
                         name=named("uq_quiz_participants_contest_id_openid")),
        one_of("quiz_participants", "source", PARTICIPANT_SOURCES),
        Index(named("ix_quiz_participants_contest_id_unit"), "contest_id", "unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[str] = mapped_column(String(64))
    openid: Mapped[str | None] = mapped_column(String(64))  # None: an offline participant
    name: Mapped[str] = mapped_column(String(64), default="")
    unit: Mapped[str] = mapped_column(String(128), default="")
    city: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(8), default="chat")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class QuizAttempt(Base):
    """One go at the quiz: what was drawn (from `seed`: reproducible), where it stands, the score.

    `drawn` lists the questions in the order asked, each with its option order: entry
    {"question": id, "order": [2, 0, 3, 1]} shows original option 2 as A, 0 as B, ...
    """

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_quiz_attempts")),
        one_of("quiz_attempts", "state", ATTEMPT_STATES),
        Index(named("ix_quiz_attempts_contest_id_state"), "contest_id", "state"),
        Index(named("ix_quiz_attempts_participant_id_day"), "participant_id", "day"),
        # One attempt in progress per person: a second 答题 at the same moment cannot start one.
        Index(named("uq_quiz_attempts_one_in_progress"), "participant_id", unique=True,
              postgresql_where=text("state = 'in_progress'"),
              sqlite_where=text("state = 'in_progress'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[str] = mapped_column(String(64))
    participant_id: Mapped[int] = mapped_column(ForeignKey(
        "quiz_participants.id", name=named("fk_quiz_attempts_participant_id_quiz_participants")))
    bank_id: Mapped[int | None] = mapped_column(
        ForeignKey("quiz_banks.id", name=named("fk_quiz_attempts_bank_id_quiz_banks")))
    seed: Mapped[int | None] = mapped_column(BigInteger)
    drawn: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(12), default=AttemptState.IN_PROGRESS.value)
    day: Mapped[str] = mapped_column(String(10))  # the contest-local date it started on
    position: Mapped[int] = mapped_column(Integer, default=0)  # the question now asked
    asked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # when it was (re-)sent
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))  # 0-100
    correct: Mapped[int | None] = mapped_column(Integer)
    duration_s: Mapped[Decimal | None] = mapped_column(Numeric(9, 1))

    participant: Mapped[QuizParticipant] = relationship()
    answers: Mapped[list["QuizAnswer"]] = relationship(
        back_populates="attempt", order_by="QuizAnswer.position")


class QuizAnswer(Base):
    """The answer to one question of an attempt, once: what was given and when."""

    __tablename__ = "quiz_answers"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_quiz_answers")),
        UniqueConstraint("attempt_id", "position",
                         name=named("uq_quiz_answers_attempt_id_position")),
        # A retried message (same MsgId) is one answer, even when Redis forgot the first reply.
        UniqueConstraint("attempt_id", "msg_id", name=named("uq_quiz_answers_attempt_id_msg_id")),
        Index(named("ix_quiz_answers_question_id"), "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempts.id", name=named("fk_quiz_answers_attempt_id_quiz_attempts")))
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_questions.id", name=named("fk_quiz_answers_question_id_quiz_questions")))
    given: Mapped[str] = mapped_column(String(8), default="")  # original letters, or 对/错
    correct: Mapped[bool] = mapped_column(Boolean, default=False)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    asked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # None: never reached
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    seconds: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    msg_id: Mapped[str | None] = mapped_column(String(32))

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")
    question: Mapped[QuizQuestion] = relationship()
