"""The audit log: who did what to which record. Never holds phone numbers, e-mails or names."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base
from bot.models.columns import UtcDateTime, named, utc_now


class AuditLog(Base):
    """One action by a console user, a WeChat user ("openid:<masked>") or "system"."""

    __tablename__ = "audit_log"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_audit_log")),
        Index(named("ix_audit_log_target_type_target_id"), "target_type", "target_id"),
        Index(named("ix_audit_log_created_at"), "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    # Ids and states only: personal data (phone, e-mail, names) stays out of the log.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    def __repr__(self) -> str:
        return (f"<AuditLog {self.id} {self.actor} {self.action} "
                f"{self.target_type}:{self.target_id}>")
