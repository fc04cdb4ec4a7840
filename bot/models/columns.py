"""Column types and helpers shared by every model: UTC timestamps, checked choices, names."""
from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import conv
from sqlalchemy.types import TypeDecorator


def utc_now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """A timestamp stored in UTC: naive datetimes are refused, reads are aware UTC datetimes."""

    # PostgreSQL stores TIMESTAMP WITH TIME ZONE; SQLite (no time zones) stores UTC text, so both
    # databases hand back the same aware values and comparisons never mix naive and aware.
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"timestamps must be timezone-aware datetimes, got {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def one_of(table: str, column: str, choices: tuple[str, ...]) -> CheckConstraint:
    """A CHECK constraint named ck_<table>_<column> that keeps the column within the choices."""
    allowed = ", ".join("'" + choice.replace("'", "''") + "'" for choice in choices)
    return CheckConstraint(f"{column} IN ({allowed})", name=conv(f"ck_{table}_{column}"))


def named(name: str) -> conv:
    """A constraint or index name used verbatim, whatever naming convention the metadata has."""
    return conv(name)


__all__ = ["UtcDateTime", "named", "one_of", "utc_now"]
