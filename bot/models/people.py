"""People the bot knows: WeChat followers (Entrant) and console logins (ConsoleUser)."""
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Integer, PrimaryKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base
from bot.models.columns import UtcDateTime, named, one_of, utc_now

if TYPE_CHECKING:
    from bot.models.entries import Entry

CONSOLE_ROLES = ("organizer", "judge")


class Entrant(Base):
    """An openid that interacted with the account, with its follow state and last-contact times."""

    __tablename__ = "entrants"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_entrants")),
        UniqueConstraint("openid", name=named("uq_entrants_openid")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64))
    subscribed: Mapped[bool] = mapped_column(Boolean, default=False)
    subscribed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    # The two customer-service windows: 48 h after a user message, 1 min after an event.
    last_message_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_event_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    entries: Mapped[list["Entry"]] = relationship(back_populates="entrant")

    def __repr__(self) -> str:
        return f"<Entrant {self.id} subscribed={self.subscribed}>"


class ConsoleUser(Base):
    """A login to the web console: an organizer or a judge."""

    __tablename__ = "console_users"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_console_users")),
        UniqueConstraint("username", name=named("uq_console_users_username")),
        one_of("console_users", "role", CONSOLE_ROLES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped by logout and a password change: session cookies carrying an older one are refused
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<ConsoleUser {self.username} {self.role}>"
