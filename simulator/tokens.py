"""Access tokens as WeChat issues them: /cgi-bin/token and the separate /cgi-bin/stable_token pool.

* `/cgi-bin/token`: each fetch issues a new token valid 7200 s; the previous one keeps working
  for 5 more minutes, then answers 40001. 2000 fetches per China day, then 45009.
* `/cgi-bin/stable_token` (isolated from the above): normal mode returns the current token
  unchanged, with the seconds it has left, until it has under 5 minutes left; then a new one is
  issued and the old one lives out its time. force_refresh issues a new token and revokes the old
  one at once; at most 20 forced refreshes a day (45009), and one within 30 s of the previous
  forced refresh does not refresh (the current token comes back).
* A token past its 7200 s answers 42001; an unknown one 40001; none at all 41001.
"""
import secrets
from dataclasses import dataclass
from typing import cast

from simulator.errors import ApiError
from simulator.quotas import Counters, china_day

TOKEN_TTL = 7200
OVERLAP = 300
TOKEN_FETCHES_PER_DAY = 2000
FORCE_REFRESHES_PER_DAY = 20
FORCE_REFRESH_INTERVAL = 30


@dataclass
class Token:
    """One issued access token."""

    value: str
    pool: str
    issued_at: float
    expires_at: float
    revoked_at: float | None = None

    def expires_in(self, now: float) -> int:
        """Whole seconds of validity left."""
        return max(0, int(self.expires_at - now))


class TokenStore:
    """Every token issued, and the current one of each pool."""

    def __init__(self, fetches_per_day: int = TOKEN_FETCHES_PER_DAY):
        self.tokens: dict[str, Token] = {}
        self.current: dict[str, Token] = {}
        self.counters = Counters()
        self.fetches_per_day = fetches_per_day
        self.last_force: float | None = None

    def _issue(self, pool: str, now: float) -> Token:
        value = "sim_" + secrets.token_urlsafe(96)
        token = Token(value, pool, now, now + TOKEN_TTL)
        self.tokens[value] = token
        self.current[pool] = token
        return token

    def fetch(self, now: float) -> Token:
        """/cgi-bin/token: a new token; the previous one lives 5 more minutes."""
        self.counters.hit("token", china_day(now), self.fetches_per_day)
        previous = self.current.get("basic")
        if previous is not None:
            previous.revoked_at = min(previous.expires_at, now + OVERLAP)
        return self._issue("basic", now)

    def stable(self, now: float, force: bool) -> Token:
        """/cgi-bin/stable_token in normal or forced-refresh mode."""
        current = self.current.get("stable")
        if force:
            return self._force(current, now)
        if current is not None and current.expires_at - now > OVERLAP:
            return current
        return self._issue("stable", now)

    def _force(self, current: Token | None, now: float) -> Token:
        recent = self.last_force is not None and now - self.last_force < FORCE_REFRESH_INTERVAL
        if recent and current is not None:
            return current
        self.counters.hit("stable_force", china_day(now), FORCE_REFRESHES_PER_DAY)
        self.last_force = now
        if current is not None:
            current.revoked_at = now
        return self._issue("stable", now)

    def check(self, value: str | None, now: float) -> Token:
        """The token's record, or the ApiError WeChat answers for it."""
        if not value:
            raise ApiError(41001)
        token = self.tokens.get(value)
        if token is None:
            raise ApiError(40001)
        revoked = token.revoked_at is not None and token.revoked_at < token.expires_at
        if revoked and now >= cast(float, token.revoked_at):  # revoked: it is set
            raise ApiError(40001)
        if now >= token.expires_at:
            raise ApiError(42001)
        return token

    def fetches_today(self, now: float) -> int:
        """How many /cgi-bin/token fetches today (China day)."""
        return self.counters.get("token", china_day(now))
