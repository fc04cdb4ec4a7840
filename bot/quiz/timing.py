"""Quiz times: seconds between two contest-clock instants, and the real instant a contest-clock
time falls at (RQ's scheduler runs on real time; a rehearsal's clock may be elsewhere)."""
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from bot.delivery.schedule import real_instant

TENTH = Decimal("0.1")


def seconds_between(start: datetime, end: datetime) -> Decimal:
    """end - start in seconds, to a tenth (never negative)."""
    seconds = max(0.0, (end - start).total_seconds())
    return Decimal(str(seconds)).quantize(TENTH, rounding=ROUND_HALF_UP)


def due_real_instant(due: datetime, contest_now: datetime) -> datetime:
    """When the real clock reaches the contest-clock time `due` (a second late, to be sure)."""
    return real_instant(due, contest_now, datetime.now(UTC)) + timedelta(seconds=1)
