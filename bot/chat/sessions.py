"""Per-user conversation sessions in Redis, with a TTL and a memory of recent expiry.

On the webhook the session is read by bot.chat.dedupe's BEGIN script and written by its END
script (the same keys, the same payload as here); SessionStore serves every other caller and the
path without Redis scripts.
"""
import json
import time
from dataclasses import dataclass, field

import redis


@dataclass
class ConversationSession:
    """Where one user stands: which conversation, which state, and what they answered so far."""

    conversation: str | None = None
    state: str | None = None
    data: dict = field(default_factory=dict)
    expired: bool = False  # a conversation was under way but its session timed out
    updated_at: float = 0.0  # when the user last moved the conversation on (epoch seconds)

    @property
    def active(self) -> bool:
        """True while the user is inside a conversation."""
        return self.conversation is not None


@dataclass(frozen=True)
class SessionChange:
    """What one turn does to the user's session: store `saved` (active), or clear it (None)."""

    saved: ConversationSession | None = None


def session_key(openid: str) -> str:
    """The Redis key of the user's session."""
    return f"session:{openid}"


def memory_key(openid: str) -> str:
    """The Redis key remembering, for a while after it ends, that a session was under way."""
    return f"session-memory:{openid}"


def read_session(raw: bytes | str | None, remembered: bool) -> ConversationSession:
    """The session stored as `raw`; with none stored, `remembered` says one has expired."""
    if not raw:
        return ConversationSession(expired=remembered)
    stored = json.loads(raw)
    return ConversationSession(stored["conversation"], stored["state"], stored.get("data", {}),
                               updated_at=stored.get("updated_at", 0.0))


def session_payload(session: ConversationSession) -> str:
    """The stored form of an active session, stamped with the time it moved on."""
    return json.dumps({"conversation": session.conversation, "state": session.state,
                       "data": session.data, "updated_at": time.time()}, ensure_ascii=False)


class SessionStore:
    """Loads and saves sessions; remembers for a while that a session existed, to explain expiry."""

    def __init__(self, client: redis.Redis, ttl_s: int, memory_ttl_s: int):
        self.redis = client
        self.ttl_s = ttl_s
        self.memory_ttl_s = memory_ttl_s

    def load(self, openid: str) -> ConversationSession:
        """The user's session; `expired` is set when one was under way and has timed out."""
        raw = self.redis.get(session_key(openid))
        return read_session(raw, raw is None and bool(self.redis.exists(memory_key(openid))))

    def apply(self, openid: str, change: SessionChange | None) -> None:
        """Carry out a turn's change (None: the turn left the session alone)."""
        if change is None:
            return
        if change.saved is None:
            self.clear(openid)
        else:
            self.save(openid, change.saved)

    def save(self, openid: str, session: ConversationSession) -> None:
        """Store an active session with a fresh TTL, or forget an ended one."""
        if session.conversation is None:  # not active
            self.clear(openid)
            return
        pipe = self.redis.pipeline()
        pipe.set(session_key(openid), session_payload(session), ex=self.ttl_s)
        pipe.set(memory_key(openid), session.conversation, ex=self.memory_ttl_s)
        pipe.execute()

    def clear(self, openid: str) -> None:
        """End the user's conversation, and forget it was ever under way."""
        self.redis.delete(session_key(openid), memory_key(openid))
