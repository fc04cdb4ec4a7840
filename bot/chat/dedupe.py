"""WeChat retries and replays: the same message arrives up to 3 times, maybe at once; it acts once.

One Lua script per delivery (one Redis round trip) does three things:
- remembers the request's (timestamp, nonce, signature) for twice the timestamp tolerance (a
  timestamp is fresh up to tolerance either side of it, so a triple stays usable up to 2 x
  tolerance after first seen): the same triple carrying another message (another sender, MsgId
  or body) is a replay of a signed URL (refused);
- claims the message with a short lease (LEASE_S, renewed every second while the handler runs by
  one keeper thread per process), so a worker killed mid-message frees it for WeChat's next retry
  (about 5 s later) instead of leaving it "pending" for minutes;
- or hands back the stored reply of an earlier delivery.
The reply outlives every triple remembered for its message (kept 2 x tolerance, and extended when
a new triple, e.g. WeChat's later retry, finds it), so a replay is answered from memory, never
processed twice.
"""
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

PENDING = b"\x00pending"
LEASE_S = 3.0  # shorter than WeChat's ~5 s between deliveries
RENEW_EVERY_S = 1.0

CLAIM = """
local fresh = false
if #KEYS == 2 then
  local seen = redis.call('GET', KEYS[2])
  if seen and seen ~= ARGV[5] then return {'replay', false} end
  if not seen then redis.call('SET', KEYS[2], ARGV[5], 'EX', ARGV[3]) end
  fresh = not seen
end
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {'claimed', false}
end
if string.sub(current, 1, string.len(ARGV[4])) == ARGV[4] then return {'pending', false} end
if fresh and redis.call('TTL', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('EXPIRE', KEYS[1], ARGV[3])  -- a new triple points here: outlive its memory
end
return {'stored', current}
"""
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class Replayed(Exception):
    """A signed request (timestamp, nonce, signature) seen before with a different message."""


def dedupe_key(message: dict) -> str:
    """FromUserName + MsgId for messages; FromUserName + CreateTime + Event (+ key) for events."""
    sender = message.get("FromUserName", "")
    if message.get("MsgType") == "event":
        return "inbound:{}:{}:{}:{}".format(sender, message.get("CreateTime", ""),
                                            message.get("Event", ""), message.get("EventKey", ""))
    return "inbound:{}:{}".format(sender, message.get("MsgId", ""))


class LeaseKeeper:
    """One daemon thread per process that renews the leases of the messages being handled."""

    def __init__(self, client: redis.Redis, lease_ms: int):
        self.renew = client.register_script(RENEW)
        self.lease_ms = lease_ms
        self.active: dict[str, bytes] = {}
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def hold(self, key: str, token: bytes) -> None:
        """Keep renewing key's lease while it still holds token."""
        with self.lock:
            self.active[key] = token
            if self.thread is None or not self.thread.is_alive():  # started lazily: after fork
                self.thread = threading.Thread(target=self._run, daemon=True, name="lease-keeper")
                self.thread.start()

    def release(self, key: str) -> None:
        """Stop renewing key's lease."""
        with self.lock:
            self.active.pop(key, None)

    def _run(self) -> None:
        while True:
            time.sleep(RENEW_EVERY_S)
            with self.lock:
                held = list(self.active.items())
            for key, token in held:
                try:
                    self.renew(keys=[key], args=[token, self.lease_ms])
                except RedisError as error:
                    log.warning("lease renewal failed: %s", type(error).__name__)


@dataclass(frozen=True)
class Claim:
    """A delivery's place: `reply` is what to answer at once (an earlier delivery's stored
    reply, or '' while that one is still working); None means this delivery produces it."""

    key: str
    token: bytes
    reply: str | None = None


class ReplyOnce:
    """A message's handler runs once; every delivery of that message gets the same reply.

    claim() -> (the caller handles the message) -> remember(claim, reply), or forget(claim)
    when the answer must not stand for the message (the retry should run it again).
    """

    def __init__(self, client: redis.Redis, ttl_s: int, wait_s: float, replay_ttl_s: int = 600,
                 poll_s: float = 0.02, lease_s: float = LEASE_S):
        self.redis = client
        self.ttl_s = max(ttl_s, replay_ttl_s)  # a reply outlives the triples that point at it
        self.replay_ttl_s = replay_ttl_s
        self.wait_s = wait_s
        self.poll_s = poll_s
        self.lease_ms = int(lease_s * 1000)
        self.claim_script = client.register_script(CLAIM)
        self.keeper = LeaseKeeper(client, self.lease_ms)

    def claim(self, key: str, request_id: str = "", digest: str = "") -> Claim:
        """Claim the message, or get the reply an earlier delivery stored (waiting a little
        for one still at work). digest identifies the message's body: the same request_id
        with another body is a replay (Replayed)."""
        token = PENDING + secrets.token_hex(8).encode()
        outcome, stored = self._claim(key, token, request_id, f"{key}#{digest}")
        if outcome == b"replay":
            raise Replayed(key.split(":")[0])
        if outcome == b"stored":
            return Claim(key, token, stored.decode("utf-8"))
        if outcome == b"claimed":
            return self._held(key, token)
        return self._wait_for_first(key, token)

    def remember(self, claim: Claim, reply: str) -> None:
        """Store the reply for every later delivery of the message, and end the lease."""
        self.keeper.release(claim.key)
        self.redis.set(claim.key, reply.encode("utf-8"), ex=self.ttl_s)

    def forget(self, claim: Claim) -> None:
        """Give the message back unanswered: WeChat's next retry handles it again."""
        self.keeper.release(claim.key)
        self.redis.delete(claim.key)

    def _held(self, key: str, token: bytes) -> Claim:
        self.keeper.hold(key, token)
        return Claim(key, token)

    def _claim(self, key: str, token: bytes, request_id: str = "",
               identity: str = "") -> list[Any]:
        """[outcome, the stored reply or None] from the CLAIM script."""
        keys = [key, f"signed-request:{request_id}"] if request_id else [key]
        answer: list[Any] = self.claim_script(keys=keys, args=[
            token, self.lease_ms, self.replay_ttl_s, PENDING, identity])
        return answer

    def _wait_for_first(self, key: str, token: bytes) -> Claim:
        deadline = time.monotonic() + self.wait_s
        while time.monotonic() < deadline:
            time.sleep(self.poll_s)
            outcome, stored = self._claim(key, token)
            if outcome == b"stored":
                return Claim(key, token, stored.decode("utf-8"))
            if outcome == b"claimed":  # the first delivery's lease ran out: its worker died
                log.warning("took over %s: the first delivery stopped renewing its lease",
                            key.split(":")[0])
                return self._held(key, token)
        # The first delivery is still working: an empty answer, WeChat's next retry asks again.
        log.warning("retry of %s answered empty: first delivery not finished", key.split(":")[0])
        return Claim(key, token, "")
