"""Every durable record; importing this package registers all tables on bot.db.Base.metadata."""
from bot.models.audit import AuditLog
from bot.models.columns import UtcDateTime, utc_now
from bot.models.entries import (
    ENTRY_STATES,
    MEDIA_SOURCES,
    VERDICTS,
    Entry,
    EntryState,
    MediaFile,
    Score,
    ValidationResult,
)
from bot.models.messaging import DELIVERY_CHANNELS, DELIVERY_STATUSES, Delivery, SeenMessage
from bot.models.notices import (
    AUDIENCES,
    BROADCAST_STATES,
    SHEET_STATES,
    Broadcast,
    ResultRow,
    ResultSheet,
)
from bot.models.people import CONSOLE_ROLES, ConsoleUser, Entrant
from bot.models.quiz import (
    AttemptState,
    QuestionKind,
    QuizAnswer,
    QuizAttempt,
    QuizBank,
    QuizParticipant,
    QuizQuestion,
)
from bot.models.votes import PERIOD_CONTEST, VOTE_CHANNELS, Vote, VoteInvalidation

__all__ = [
    "AuditLog", "Broadcast", "ConsoleUser", "Delivery", "Entrant", "Entry", "EntryState",
    "MediaFile", "ResultRow", "ResultSheet", "Score", "SeenMessage", "ValidationResult", "Vote",
    "VoteInvalidation", "AttemptState", "QuestionKind", "QuizAnswer", "QuizAttempt", "QuizBank",
    "QuizParticipant", "QuizQuestion",
    "AUDIENCES", "BROADCAST_STATES", "CONSOLE_ROLES", "DELIVERY_CHANNELS", "DELIVERY_STATUSES",
    "ENTRY_STATES", "MEDIA_SOURCES", "SHEET_STATES",
    "PERIOD_CONTEST", "VERDICTS", "VOTE_CHANNELS",
    "UtcDateTime", "utc_now",
]
