"""Public votes: one row per vote cast, and the separate record that invalidates one."""
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, PrimaryKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base
from bot.models.columns import UtcDateTime, named, one_of, utc_now

if TYPE_CHECKING:
    from bot.models.entries import Entry

VOTE_CHANNELS = ("chat", "page")
# `Vote.period` is this for a vote allowed once per contest, else the voter's local date (ISO).
PERIOD_CONTEST = "contest"


class Vote(Base):
    """A vote cast; never edited. The one-vote rule is the unique (contest, voter, period)."""

    __tablename__ = "votes"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_votes")),
        UniqueConstraint("contest_id", "voter_openid", "period",
                         name=named("uq_votes_contest_id_voter_openid_period")),
        one_of("votes", "channel", VOTE_CHANNELS),
        Index(named("ix_votes_contest_id_entry_id"), "contest_id", "entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[str] = mapped_column(String(64))
    voter_openid: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("entries.id", name=named("fk_votes_entry_id_entries")))
    period: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(8))
    cast_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    voter_followed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    client_ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(Text)

    entry: Mapped["Entry"] = relationship()
    invalidation: Mapped["VoteInvalidation | None"] = relationship(back_populates="vote")

    def __repr__(self) -> str:
        return f"<Vote {self.id} {self.contest_id} entry={self.entry_id} {self.period}>"


class VoteInvalidation(Base):
    """The decision that a vote does not count: who decided, when and why."""

    __tablename__ = "vote_invalidations"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_vote_invalidations")),
        UniqueConstraint("vote_id", name=named("uq_vote_invalidations_vote_id")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(
        ForeignKey("votes.id", name=named("fk_vote_invalidations_vote_id_votes")))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    vote: Mapped[Vote] = relationship(back_populates="invalidation")

    def __repr__(self) -> str:
        return f"<VoteInvalidation vote={self.vote_id} by {self.actor}>"
