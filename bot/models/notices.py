"""Broadcasts and results: what organizers send and publish, with their invariants as constraints.

A broadcast's recipients are Delivery rows (deliveries.broadcast_id): unique per (broadcast,
openid), so a recipient never gets one broadcast twice. A result sheet is a computed table an
organizer reviews; publishing sets `published_contest_id`, unique, so one sheet per contest is
ever the published one.
"""
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base
from bot.models.columns import UtcDateTime, named, one_of, utc_now

AUDIENCES = ("followers", "entrants", "entrants_without_video", "refused", "voters", "finalists",
             "quiz_participants")
BROADCAST_STATES = ("draft", "confirmed", "sending", "done", "cancelled")
SHEET_STATES = ("computed", "published", "superseded")


class Broadcast(Base):
    """A message for an audience: composed, confirmed, then fanned out; counters show progress."""

    __tablename__ = "broadcasts"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_broadcasts")),
        # A scheduled notice makes one broadcast, ever: "notice:<contest>:<notice id>".
        UniqueConstraint("notice_key", name=named("uq_broadcasts_notice_key")),
        one_of("broadcasts", "audience", AUDIENCES),
        one_of("broadcasts", "state", BROADCAST_STATES),
        CheckConstraint("sent >= 0 AND failed >= 0 AND deferred >= 0 AND skipped >= 0 AND "
                        "sent + failed + deferred + skipped <= recipients",
                        name=named("ck_broadcasts_counts")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[str] = mapped_column(String(64))
    audience: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(64), default="broadcast")
    notice_key: Mapped[str | None] = mapped_column(String(191))
    created_by: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16), default="draft")
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    deferred: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The mass-send batch in flight: {"key": clientmsgid, "ids": [delivery ids]}, written before
    # the call and cleared in the transaction that records its outcome, so a retried job re-sends
    # exactly that batch with the same clientmsgid (WeChat answers 45065 if it already went).
    mass_claim: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<Broadcast {self.id} {self.audience} {self.state}>"


class ResultSheet(Base):
    """One computation of a contest's final table; at most one per contest is published."""

    __tablename__ = "result_sheets"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_result_sheets")),
        UniqueConstraint("published_contest_id",
                         name=named("uq_result_sheets_published_contest_id")),
        one_of("result_sheets", "state", SHEET_STATES),
        CheckConstraint("published_contest_id IS NULL OR (state = 'published' AND "
                        "published_contest_id = contest_id)",
                        name=named("ck_result_sheets_published")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="computed")
    # Set to contest_id when published: the unique constraint allows one published sheet.
    published_contest_id: Mapped[str | None] = mapped_column(String(64))
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    computed_by: Mapped[str] = mapped_column(String(128))
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    published_by: Mapped[str | None] = mapped_column(String(128))
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    rows: Mapped[list["ResultRow"]] = relationship(back_populates="sheet",
                                                   order_by="ResultRow.rank")

    def __repr__(self) -> str:
        return f"<ResultSheet {self.id} {self.contest_id} {self.state}>"


class ResultRow(Base):
    """One entry's place in a sheet: its scores, rank and awards (award ids)."""

    __tablename__ = "result_rows"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_result_rows")),
        UniqueConstraint("sheet_id", "entry_id", name=named("uq_result_rows_sheet_id_entry_id")),
        UniqueConstraint("sheet_id", "rank", name=named("uq_result_rows_sheet_id_rank")),
        CheckConstraint("rank >= 1", name=named("ck_result_rows_rank")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("result_sheets.id", name=named("fk_result_rows_sheet_id_result_sheets")))
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("entries.id", name=named("fk_result_rows_entry_id_entries")))
    rank: Mapped[int] = mapped_column(Integer)
    jury_score: Mapped[Decimal] = mapped_column(Numeric(9, 3))
    votes: Mapped[int] = mapped_column(Integer, default=0)
    vote_score: Mapped[Decimal] = mapped_column(Numeric(9, 3))
    total: Mapped[Decimal] = mapped_column(Numeric(9, 3))
    awards: Mapped[list[str]] = mapped_column(JSON, default=list)

    sheet: Mapped[ResultSheet] = relationship(back_populates="rows")

    def __repr__(self) -> str:
        return f"<ResultRow sheet={self.sheet_id} #{self.rank} entry={self.entry_id}>"
