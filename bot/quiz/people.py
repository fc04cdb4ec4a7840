"""Who takes the quiz and when: the window on the contest clock, the profile asked once (name,
unit, city), and the attempts a person has left today and in all."""
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.contest.schema import at_second
from bot.models.quiz import AttemptState, QuizAttempt, QuizParticipant

NOT_YET, OPEN, CLOSED = "not_yet", "open", "closed"
PROFILE_LIMITS = {"name": (2, 20), "unit": (2, 60), "city": (2, 20)}
_DIGITS = re.compile(r"\d")


@dataclass(frozen=True)
class Window:
    """The quiz's window on the contest clock and where `now` stands in it."""

    start: datetime
    end: datetime
    state: str


def window_at(contest, now: datetime) -> Window:
    """When attempts may start, and whether they may now."""
    window = contest.quiz.window
    phase = contest.phase(window.phase) if window.phase else None
    start, end = (phase.start, phase.end) if phase else (window.start, window.end)
    moment = at_second(now)
    state = NOT_YET if moment < start else CLOSED if moment > end else OPEN
    return Window(start, end, state)


def local_day(contest, now: datetime) -> str:
    """The contest-local date of `now` (attempts per day count by it)."""
    return now.astimezone(contest.tz).date().isoformat()


def tidy(text: str) -> str:
    """A profile answer as stored: NFKC (full-width folded), inner spaces squeezed."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def check_profile_answer(contest, field: str, text: str) -> tuple[str | None, str | None]:
    """(value, None) for an acceptable answer, or (None, the reason) to ask again."""
    value = tidy(text)
    low, high = PROFILE_LIMITS[field]
    if field == "city" and contest.quiz.participants.cities:
        match = next((city for city in contest.quiz.participants.cities
                      if value in (city, city.removesuffix("市"))), None)
        return (match, None) if match else (None, "not_a_city")
    if not low <= len(value) <= high:
        return None, "length"
    if field == "name" and _DIGITS.search(value):
        return None, "digits"
    return value, None


def participant_of(session: Session, contest_id: str, openid: str) -> QuizParticipant | None:
    """The person's participant row in this contest's quiz, if they have one."""
    return session.scalars(select(QuizParticipant).where(
        QuizParticipant.contest_id == contest_id, QuizParticipant.openid == openid)).first()


def missing_fields(contest, participant: QuizParticipant | None) -> list[str]:
    """Profile fields the contest asks for that the person has not given yet."""
    if contest.quiz.participants.who == "followers":
        return []
    return [name for name in contest.quiz.participants.ask
            if participant is None or not getattr(participant, name)]


def save_participant(session: Session, contest_id: str, openid: str, profile: dict,
                     at: datetime) -> QuizParticipant:
    """Create (or complete) the person's participant row with the answers given."""
    participant = participant_of(session, contest_id, openid)
    if participant is None:
        participant = QuizParticipant(contest_id=contest_id, openid=openid, source="chat",
                                      created_at=at)
        try:
            with session.begin_nested():
                session.add(participant)
        except IntegrityError:  # the same person's other message made it a moment ago
            participant = session.scalars(select(QuizParticipant).where(
                QuizParticipant.contest_id == contest_id,
                QuizParticipant.openid == openid)).one()
    for name, value in profile.items():
        setattr(participant, name, value)
    return participant


@dataclass(frozen=True)
class Allowance:
    """Attempts a person may still start: today, and in all (None: no total limit)."""

    today: int
    total: int | None

    @property
    def any_left(self) -> bool:
        return self.today > 0 and (self.total is None or self.total > 0)


def allowance(session: Session, quiz, participant_id: int | None, day: str) -> Allowance:
    """What is left of attempts_per_day and attempts_total (an attempt in progress counts)."""
    if participant_id is None:
        return Allowance(quiz.attempts_per_day, quiz.attempts_total)
    total, today = session.execute(
        select(func.count(), func.count().filter(QuizAttempt.day == day))
        .where(QuizAttempt.participant_id == participant_id,
               QuizAttempt.state != AttemptState.OFFLINE.value)).one()
    left_total = None if quiz.attempts_total is None else max(0, quiz.attempts_total - total)
    left_today = max(0, quiz.attempts_per_day - today)
    return Allowance(left_today if left_total is None else min(left_today, left_total),
                     left_total)
