"""WeChat's sending quotas: customer-service windows, mass-send allowances and call counters.

Customer-service messages (客服消息), rules in force since 2023-06-12, as this simulator reads them:

* A user action grants the account a number of messages to that user within a time limit:
  the user sends a message -> 5 messages within 48 hours; the user clicks a menu button of the
  click/scan kinds, follows the account or scans a QR code -> 3 messages within 1 minute.
* Grants do not add up: a new user message replaces the message grant (5 fresh, 48 h from now),
  a new click/follow/scan replaces the event grant (3 fresh, 60 s from now). A menu click does not
  open or refresh the 48-hour message grant, and a user message does not touch the event grant.
* A send uses the live event grant first (it expires sooner), then the live message grant.
* No live grant -> 45015; live grants but all spent -> 45047. An unfollowed user -> 43004.

Mass sends (群发): a service account's follower receives at most 4 mass messages per calendar
month (China time); over-quota users are skipped silently. A subscription account may mass-send
once a calendar day (45028 after). Days and months follow China time (UTC+8) as WeChat's do.
"""
import time
from dataclasses import dataclass

from simulator.errors import ApiError

MESSAGE_GRANT = ("message", 5, 48 * 3600)
EVENT_GRANT = ("event", 3, 60)
WINDOW_EVENTS = {"subscribe", "SCAN", "CLICK", "scancode_push", "scancode_waitmsg"}
MASS_PER_MONTH = 4
CHINA_OFFSET = 8 * 3600


def china_day(now: float) -> str:
    """The calendar day in China for an epoch time."""
    return time.strftime("%Y-%m-%d", time.gmtime(now + CHINA_OFFSET))


def china_month(now: float) -> str:
    """The calendar month in China for an epoch time."""
    return time.strftime("%Y-%m", time.gmtime(now + CHINA_OFFSET))


@dataclass
class Grant:
    """Messages the account may send one user after one of the user's actions."""

    kind: str
    opened_at: float
    limit: int
    duration: int
    used: int = 0

    def live(self, now: float) -> bool:
        """True while the grant's time limit has not passed."""
        return now < self.opened_at + self.duration

    def describe(self, now: float) -> dict:
        """The grant as JSON for /sim/quota."""
        return {"kind": self.kind, "opened_at": self.opened_at,
                "expires_at": self.opened_at + self.duration, "used": self.used,
                "limit": self.limit, "live": self.live(now)}


class CustomerServiceWindows:
    """The customer-service grants of one user."""

    def __init__(self):
        self.grants: dict[str, Grant] = {}

    def open(self, trigger: str, now: float) -> None:
        """Record a user action: 'message' or an event name that opens a window."""
        if trigger == "message":
            kind, limit, duration = MESSAGE_GRANT
        elif trigger in WINDOW_EVENTS:
            kind, limit, duration = EVENT_GRANT
        else:
            return
        self.grants[kind] = Grant(kind, now, limit, duration)

    def consume(self, now: float) -> str:
        """Spend one message from a live grant, or raise 45015 / 45047."""
        live = [self.grants[kind] for kind in ("event", "message")
                if kind in self.grants and self.grants[kind].live(now)]
        if not live:
            raise ApiError(45015)
        for grant in live:
            if grant.used < grant.limit:
                grant.used += 1
                return grant.kind
        raise ApiError(45047)

    def describe(self, now: float) -> dict:
        """Every grant with what is left, as JSON."""
        grants = {kind: grant.describe(now) for kind, grant in self.grants.items()}
        remaining = sum(g.limit - g.used for g in self.grants.values() if g.live(now))
        return {"grants": grants, "remaining": remaining}


class Counters:
    """Named counters over fixed periods (per China day, per minute)."""

    def __init__(self):
        self.counts: dict[tuple, int] = {}

    def hit(self, name: str, period: str, limit: int | None, errcode: int = 45009) -> int:
        """Count one call; raise `errcode` when the period's limit is already spent."""
        key = (name, period)
        used = self.counts.get(key, 0)
        if limit is not None and used >= limit:
            raise ApiError(errcode)
        self.counts[key] = used + 1
        return used + 1

    def get(self, name: str, period: str) -> int:
        """How many calls were counted."""
        return self.counts.get((name, period), 0)


def minute(now: float) -> str:
    """The minute bucket of an epoch time."""
    return str(int(now // 60))


class MassAllowance:
    """Mass messages one user received per China month."""

    def __init__(self):
        self.per_month: dict[str, int] = {}

    def take(self, now: float) -> bool:
        """Count one mass message for this user; False when the month's 4 are spent."""
        month = china_month(now)
        if self.per_month.get(month, 0) >= MASS_PER_MONTH:
            return False
        self.per_month[month] = self.per_month.get(month, 0) + 1
        return True

    def describe(self, now: float) -> dict:
        """This month's count as JSON."""
        month = china_month(now)
        return {"month": month, "received": self.per_month.get(month, 0),
                "limit": MASS_PER_MONTH}
