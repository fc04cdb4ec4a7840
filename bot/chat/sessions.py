"""Per-user conversation sessions in Redis, with a TTL and a memory of recent expiry."""
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


class SessionStore:
    """Loads and saves sessions; remembers for a while that a session existed, to explain expiry."""

    def __init__(self, client: redis.Redis, ttl_s: int, memory_ttl_s: int):
        self.redis = client
        self.ttl_s = ttl_s
        self.memory_ttl_s = memory_ttl_s

    @staticmethod
    def _key(openid: str) -> str:
        return f"session:{openid}"

    @staticmethod
    def _memory_key(openid: str) -> str:
        return f"session-memory:{openid}"

    def load(self, openid: str) -> ConversationSession:
        """The user's session; `expired` is set when one was under way and has timed out."""
        raw = self.redis.get(self._key(openid))
        if raw is None:
            return ConversationSession(expired=bool(self.redis.exists(self._memory_key(openid))))
        stored = json.loads(raw)
        return ConversationSession(stored["conversation"], stored["state"], stored.get("data", {}),
                                   updated_at=stored.get("updated_at", 0.0))

    def save(self, openid: str, session: ConversationSession) -> None:
        """Store an active session with a fresh TTL, or forget an ended one."""
        if session.conversation is None:  # not active
            self.clear(openid)
            return
        payload = json.dumps({"conversation": session.conversation, "state": session.state,
                              "data": session.data, "updated_at": time.time()},
                             ensure_ascii=False)
        pipe = self.redis.pipeline()
        pipe.set(self._key(openid), payload, ex=self.ttl_s)
        pipe.set(self._memory_key(openid), session.conversation, ex=self.memory_ttl_s)
        pipe.execute()

    def clear(self, openid: str) -> None:
        """End the user's conversation, and forget it was ever under way."""
        self.redis.delete(self._key(openid), self._memory_key(openid))
