"""Contest entries and what hangs off them: video files, their validation, jury scores."""
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.ext.mutable import MutableDict
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base
from bot.models.columns import UtcDateTime, named, one_of, utc_now

if TYPE_CHECKING:
    from bot.models.people import Entrant


class EntryState(StrEnum):
    """Where an entry stands; stored as its value (the column's CHECK lists every one)."""

    DRAFT = "draft"
    AWAITING_VIDEO = "awaiting_video"
    VALIDATING = "validating"
    VIDEO_REFUSED = "video_refused"
    VALID = "valid"
    APPROVED = "approved"
    REJECTED = "rejected"
    FINALIST = "finalist"
    WITHDRAWN = "withdrawn"


ENTRY_STATES = tuple(state.value for state in EntryState)
MEDIA_SOURCES = ("chat", "upload")
VERDICTS = ("pass", "fail", "error")


class Entry(Base):
    """One work entered in a contest: who entered it, the form answers, and where it stands."""

    __tablename__ = "entries"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_entries")),
        UniqueConstraint("contest_id", "code", name=named("uq_entries_contest_id_code")),
        one_of("entries", "state", ENTRY_STATES),
        Index(named("ix_entries_contest_id_state"), "contest_id", "state"),
        Index(named("ix_entries_contest_id_entrant_id"), "contest_id", "entrant_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[str] = mapped_column(String(64))
    # Shown to users (投票 <编号>); assigned on confirmation, so a draft has none yet.
    code: Mapped[str | None] = mapped_column(String(32))
    entrant_id: Mapped[int] = mapped_column(
        ForeignKey("entrants.id", name=named("fk_entries_entrant_id_entrants")))
    entrant_kind: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(200))
    # Every form answer, keyed by the contest's field id; `entry.form[key] = value` is saved
    # (top-level changes are tracked; a nested list or dict must be reassigned).
    form: Mapped[dict[str, Any]] = mapped_column(MutableDict.as_mutable(JSON), default=dict)
    pledges_accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16), default=EntryState.DRAFT.value)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The entry's current video: the latest submission stored. A plain id, not a foreign key,
    # so entries and media_files do not reference each other in a cycle.
    current_media_file_id: Mapped[int | None] = mapped_column(Integer)

    entrant: Mapped["Entrant"] = relationship(back_populates="entries")
    media_files: Mapped[list["MediaFile"]] = relationship(back_populates="entry",
                                                          order_by="MediaFile.id")
    scores: Mapped[list["Score"]] = relationship(back_populates="entry")

    def __repr__(self) -> str:
        return f"<Entry {self.id} {self.contest_id}/{self.code} {self.state}>"


class MediaFile(Base):
    """A video file of an entry, stored under MEDIA_ROOT; the same bytes are kept once per entry."""

    __tablename__ = "media_files"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_media_files")),
        UniqueConstraint("entry_id", "sha256", name=named("uq_media_files_entry_id_sha256")),
        one_of("media_files", "source", MEDIA_SOURCES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("entries.id", name=named("fk_media_files_entry_id_entries")))
    source: Mapped[str] = mapped_column(String(16))
    wechat_media_id: Mapped[str | None] = mapped_column(String(128))
    # Relative to MEDIA_ROOT, so the media folder can move.
    path: Mapped[str] = mapped_column(String(512))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    entry: Mapped[Entry] = relationship(back_populates="media_files")
    validation: Mapped["ValidationResult | None"] = relationship(back_populates="media_file")

    def __repr__(self) -> str:
        return f"<MediaFile {self.id} entry={self.entry_id} {self.path}>"


class ValidationResult(Base):
    """The one verdict on a media file against the contest's video rules, and what ffprobe saw."""

    __tablename__ = "validation_results"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_validation_results")),
        UniqueConstraint("media_file_id", name=named("uq_validation_results_media_file_id")),
        one_of("validation_results", "verdict", VERDICTS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    media_file_id: Mapped[int] = mapped_column(
        ForeignKey("media_files.id",
                   name=named("fk_validation_results_media_file_id_media_files")))
    verdict: Mapped[str] = mapped_column(String(8))
    findings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    probe: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    media_file: Mapped[MediaFile] = relationship(back_populates="validation")

    def __repr__(self) -> str:
        return f"<ValidationResult {self.id} file={self.media_file_id} {self.verdict}>"


class Score(Base):
    """A judge's points for one entry on one criterion."""

    __tablename__ = "scores"
    __table_args__ = (
        PrimaryKeyConstraint("id", name=named("pk_scores")),
        UniqueConstraint("entry_id", "judge", "criterion",
                         name=named("uq_scores_entry_id_judge_criterion")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("entries.id", name=named("fk_scores_entry_id_entries")))
    judge: Mapped[str] = mapped_column(String(64))
    criterion: Mapped[str] = mapped_column(String(64))
    points: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)

    entry: Mapped[Entry] = relationship(back_populates="scores")

    def __repr__(self) -> str:
        return f"<Score entry={self.entry_id} {self.judge}/{self.criterion}={self.points}>"
