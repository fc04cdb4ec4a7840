"""The contest clock: real time, or a rehearsal time (CONTEST_NOW) that runs forward from a start.

With CONTEST_NOW=2020-07-15T23:59:00 the clock reads 2020-07-15 23:59:00 (contest time zone) when
it is created, and a minute of real time later it reads 2020-07-16 00:00:00: phase rules can be
rehearsed and tested at any date, with deadlines passing as they would in production.
"""
import time
from datetime import datetime, timedelta

from bot.contest.schema import DEFAULT_TIMEZONE, zone

CONTEST_NOW_HELP = ("CONTEST_NOW must be an ISO 8601 local time such as 2020-08-01T09:00:00 "
                    "(or 2020-08-01 09:00, 2020-08-01, 2020-08-01T09:00:00+08:00)")


def parse_contest_now(value: str, tz: str = DEFAULT_TIMEZONE) -> datetime:
    """Parse a CONTEST_NOW value to an aware datetime in the contest tz (naive = contest tz)."""
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{CONTEST_NOW_HELP}; got {value!r}") from None
    contest_zone = zone(tz)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=contest_zone)
    return parsed.astimezone(contest_zone)


class ContestClock:
    """Tells the contest time: real now, or CONTEST_NOW advanced by the real time elapsed."""

    def __init__(self, tz: str = DEFAULT_TIMEZONE, start_at: str | None = None,
                 real_time=time.time):
        self.tz = zone(tz)
        self.tz_name = tz
        self._real_time = real_time
        self._anchor_real = real_time()
        self._anchor = parse_contest_now(start_at, tz) if start_at and str(start_at).strip() \
            else None

    @property
    def rehearsal(self) -> bool:
        """True when the clock was started at (or moved to) a chosen time."""
        return self._anchor is not None

    def now(self) -> datetime:
        """The current contest time, aware, in the contest time zone."""
        if self._anchor is None:
            return datetime.fromtimestamp(self._real_time(), self.tz)
        elapsed = self._real_time() - self._anchor_real
        return self._anchor + timedelta(seconds=elapsed)

    def jump_to(self, when: datetime | str) -> datetime:
        """Move the clock to `when` (aware datetime or CONTEST_NOW text); it runs on from there."""
        if isinstance(when, datetime):
            when = when.isoformat()
        self._anchor = parse_contest_now(when, self.tz_name)
        self._anchor_real = self._real_time()
        return self._anchor

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (or back, if negative) by `seconds`; returns the new time."""
        return self.jump_to(self.now() + timedelta(seconds=seconds))

    def __repr__(self) -> str:
        return f"ContestClock(tz={self.tz_name!r}, now={self.now().isoformat()!r})"


def clock_from_settings(settings: dict, contest) -> ContestClock:
    """The clock for a contest, started at settings["CONTEST_NOW"] when that is set."""
    start_at = settings.get("CONTEST_NOW") or None
    try:
        return ContestClock(contest.timezone, start_at)
    except ValueError as exc:
        raise ValueError(f"CONTEST_NOW={start_at!r}: {exc}") from None
