"""Messages in and out: each outbound message (Delivery) and each inbound message processed."""
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base
from bot.models.columns import UtcDateTime, named, one_of, utc_now

# "none": nothing was tried (the recipient unfollowed before the send): see errmsg.
DELIVERY_CHANNELS = ("passive", "custom", "template", "mass", "next_reply", "none")
DELIVERY_STATUSES = ("pending", "sent", "failed", "deferred", "skipped")


def _partial(name: str, columns: list, where: str, unique: bool = False) -> Index:
    """An index over the rows matching `where` only, on PostgreSQL and SQLite alike."""
    return Index(named(name), *columns, unique=unique, postgresql_where=text(where),
                 sqlite_where=text(where))


class Delivery(Base):
    """One outbound message, its channel and outcome; the idempotency key stops doubles."""

    __tablename__ = "deliveries"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_deliveries")),
        # A broadcast's recipients are unique by (broadcast_id, openid) instead, below.
        _partial("uq_deliveries_idempotency_key", ["idempotency_key"], "broadcast_id IS NULL",
                 unique=True),
        one_of("deliveries", "channel", DELIVERY_CHANNELS),
        one_of("deliveries", "status", DELIVERY_STATUSES),
        # A broadcast writes every recipient's row twice (pending, then its outcome): the
        # indexes that serve one status only are partial, so those writes touch fewer of them.
        _partial("ix_deliveries_deferred_openid", ["openid"], "status = 'deferred'"),
        _partial("ix_deliveries_waiting_status_created_at", ["status", "created_at"],
                 "status IN ('deferred', 'failed')"),
        # A broadcast reaches each recipient at most once.
        UniqueConstraint("broadcast_id", "openid", name=named("uq_deliveries_broadcast_id_openid")),
        _partial("ix_deliveries_pending_broadcast_id_id", ["broadcast_id", "id"],
                 "status = 'pending'"),
        _partial("ix_deliveries_sent_channel_openid_sent_at", ["channel", "openid", "sent_at"],
                 "status = 'sent'"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[str | None] = mapped_column(String(64))
    # None for a mass send to a tag or to everyone.
    openid: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # The message ({"text": ...}); empty for a broadcast's recipients: the text is the broadcast's.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    errcode: Mapped[int | None] = mapped_column(Integer)
    errmsg: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str] = mapped_column(String(191))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", name=named("fk_deliveries_broadcast_id_broadcasts")))
    # The mass-send call this delivery went in (its clientmsgid), so a retry re-sends the same.
    batch_key: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<Delivery {self.id} {self.purpose} {self.channel} {self.status}>"


class SeenMessage(Base):
    """An inbound WeChat message already processed, by dedupe key (behind the Redis dedupe)."""

    __tablename__ = "seen_messages"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_seen_messages")),
        UniqueConstraint("dedupe_key", name=named("uq_seen_messages_dedupe_key")),
        Index(named("ix_seen_messages_created_at"), "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(191))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    def __repr__(self) -> str:
        return f"<SeenMessage {self.dedupe_key}>"
