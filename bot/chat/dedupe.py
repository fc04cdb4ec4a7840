"""A message's turn in Redis, in two round trips: BEGIN before the handler, END after it.

WeChat retries a message up to 3 times, maybe at once, and a signed URL can be replayed; the
message must act once, every delivery must get the same reply, and one user's messages must run
one at a time. BEGIN (one Lua script) does, atomically:
- remembers the request's (timestamp, nonce, signature) for twice the timestamp tolerance (a
  timestamp is fresh up to tolerance either side of it, so a triple stays usable up to 2 x
  tolerance after first seen): the same triple carrying another message (another sender, MsgId
  or body) is a replay of a signed URL (refused);
- claims the message with a short lease (LEASE_S), or hands back the stored reply of an earlier
  delivery (or 'pending' while that one still works);
- takes the user's turn, a lease under the same token (or answers 'busy': the caller waits);
- says whether the contact time is due for the database (at most every CONTACT_WRITE_EVERY_S per
  user), and reads the user's session, its expiry memory and whether they may have messages kept.
END (one Lua script) stores the session's change, the reply (or gives the message back unanswered
so WeChat's retry runs it) and frees the user's turn. Both leases are renewed every second by one
keeper thread per process while the handler runs, so a worker killed mid-message frees the message
and the user for WeChat's next retry (about 5 s later) instead of leaving them taken for minutes.
The reply outlives every triple remembered for its message (kept 2 x tolerance, and extended when
a new triple, e.g. WeChat's later retry, finds it), so a replay is answered from memory.
"""
import logging
import secrets
import time
from dataclasses import dataclass

import redis

from bot.chat.lease import LeaseKeeper
from bot.chat.scripts import BEGIN, END
from bot.chat.sessions import (
    ConversationSession,
    SessionChange,
    memory_key,
    read_session,
    session_key,
    session_payload,
)
from bot.delivery.deferred import BUILT_KEY, USERS_KEY
from bot.delivery.followers import note_args, note_keys

log = logging.getLogger(__name__)

PENDING = b"\x00pending"
LEASE_S = 3.0  # shorter than WeChat's ~5 s between deliveries
TURN_WAIT_S = 3.0  # how long a message waits for its user's previous one
TURN_POLL_S = 0.05
CONTACT_WRITE_EVERY_S = 120


class Replayed(Exception):
    """A signed request (timestamp, nonce, signature) seen before with a different message."""


def dedupe_key(message: dict) -> str:
    """FromUserName + MsgId for messages; FromUserName + CreateTime + Event (+ key) for events."""
    sender = message.get("FromUserName", "")
    if message.get("MsgType") == "event":
        return "inbound:{}:{}:{}:{}".format(sender, message.get("CreateTime", ""),
                                            message.get("Event", ""), message.get("EventKey", ""))
    return "inbound:{}:{}".format(sender, message.get("MsgId", ""))


@dataclass(frozen=True)
class Begun:
    """What BEGIN found. `reply` not None: answer that at once (an earlier delivery's reply, or
    '' while it still works). `busy`: the message is claimed but the user's turn did not come.
    Otherwise this delivery holds the message and the user's turn, and handles it."""

    key: str
    openid: str
    token: bytes
    reply: str | None = None
    busy: bool = False
    contact_due: bool = False
    session: ConversationSession | None = None
    maybe_deferred: bool | None = None  # None: the set of users with kept messages is not built

    @property
    def lock_key(self) -> str:
        """The key holding the user's turn."""
        return user_lock_key(self.openid)


@dataclass(frozen=True)
class _Ask:
    """What every BEGIN of one delivery sends."""

    key: str
    openid: str
    token: bytes
    contact_every_s: int


def user_lock_key(openid: str) -> str:
    """The Redis key of a user's turn (one handler at a time per user)."""
    return f"lock:user:{openid}"


class ReplyOnce:
    """begin() -> (the caller handles the message) -> end(begun, reply or None, session change)."""

    def __init__(self, client: redis.Redis, ttl_s: int, wait_s: float, replay_ttl_s: int = 600,
                 poll_s: float = 0.02, lease_s: float = LEASE_S, session_ttl_s: int = 1800,
                 memory_ttl_s: int = 86400):
        self.ttl_s = max(ttl_s, replay_ttl_s)  # a reply outlives the triples that point at it
        self.replay_ttl_s = replay_ttl_s
        self.wait_s = wait_s
        self.poll_s = poll_s
        self.lease_ms = int(lease_s * 1000)
        self.session_ttl_s = session_ttl_s
        self.memory_ttl_s = memory_ttl_s
        self.begin_script = client.register_script(BEGIN)
        self.end_script = client.register_script(END)
        self.keeper = LeaseKeeper(client, self.lease_ms)

    def begin(self, key: str, openid: str, request_id: str = "", digest: str = "",
              contact_every_s: int = CONTACT_WRITE_EVERY_S) -> Begun:
        """Claim the message and take the user's turn (waiting a little for either), or get the
        reply an earlier delivery stored. `contact_every_s`: 0 always reports the contact time
        due, -1 never. The same request_id with another body is a replay (Replayed)."""
        token = PENDING + secrets.token_hex(8).encode()
        ask = _Ask(key, openid, token, contact_every_s)
        found = self._run(ask, "claim", request_id, identity=f"{key}#{digest}")
        if found[0] == b"replay":
            raise Replayed(key.split(":")[0])
        if found[0] == b"pending":
            found = self._wait_for_first(ask)
        if found[0] == b"stored":
            return Begun(key, openid, token, reply=found[1].decode("utf-8"))
        if found[0] == b"pending":  # the first delivery still works: WeChat's next retry asks
            log.warning("retry of %s answered empty: first delivery not finished",
                        key.split(":")[0])
            return Begun(key, openid, token, reply="")
        self.keeper.hold(key, token)
        if found[0] == b"busy":
            found = self._wait_for_turn(ask)
            if found[0] == b"busy":
                return Begun(key, openid, token, busy=True)
        self.keeper.hold(user_lock_key(openid), token)
        _, _, contact, raw_session, remembered, member, built = found
        return Begun(key, openid, token, contact_due=bool(contact),
                     session=read_session(raw_session, bool(remembered)),
                     maybe_deferred=bool(member) if built else None)

    def end(self, begun: Begun, reply: str | None, change: SessionChange | None = None,
            note_follow_time: bool = False) -> int:
        """Store the session's change and the reply for every later delivery (None: give the
        message back unanswered, so the retry runs it), and free the user's turn; with
        note_follow_time, note the sender's follow-time lookup too: the drain to queue, or 0."""
        self.keeper.release(begun.key)
        self.keeper.release(begun.lock_key)
        saved = change.saved if change is not None else None
        session_mode = "keep" if change is None else ("save" if saved else "clear")
        openid = begun.openid
        keys = [begun.key, begun.lock_key, session_key(openid), memory_key(openid)]
        args = [begun.token, (reply or "").encode("utf-8"),
                "forget" if reply is None else "remember", self.ttl_s, session_mode,
                session_payload(saved) if saved else "", self.session_ttl_s,
                (saved.conversation or "") if saved else "", self.memory_ttl_s]
        if note_follow_time:
            keys, args = keys + note_keys(openid), args + note_args(openid)
        drain: int = self.end_script(keys=keys, args=args)
        return drain

    def _run(self, ask: "_Ask", mode: str, request_id: str = "", identity: str = "") -> list:
        openid = ask.openid
        keys = [ask.key, user_lock_key(openid), f"contact-written:{openid}",
                session_key(openid), memory_key(openid), USERS_KEY, BUILT_KEY]
        if request_id:
            keys.append(f"signed-request:{request_id}")
        found: list = self.begin_script(keys=keys, args=[
            ask.token, self.lease_ms, self.replay_ttl_s, PENDING, identity, openid,
            ask.contact_every_s, mode])
        return found

    def _wait_for_first(self, ask: "_Ask") -> list:
        """Poll while an earlier delivery works: its reply, or the message if its worker died."""
        deadline = time.monotonic() + self.wait_s
        found = [b"pending"]
        while found[0] == b"pending" and time.monotonic() < deadline:
            time.sleep(self.poll_s)
            found = self._run(ask, "claim")
        if found[0] in (b"busy", b"turn"):  # the first delivery's lease ran out: its worker died
            log.warning("took over %s: the first delivery stopped renewing its lease",
                        ask.key.split(":")[0])
        return found

    def _wait_for_turn(self, ask: "_Ask") -> list:
        """Poll, holding the message, while the user's previous message holds their turn."""
        deadline = time.monotonic() + TURN_WAIT_S
        found = [b"busy"]
        while found[0] == b"busy" and time.monotonic() < deadline:
            time.sleep(TURN_POLL_S)
            found = self._run(ask, "turn")
        return found
