"""Leases kept alive while their holder works: one daemon thread per process renews them."""
import logging
import threading
import time

import redis
from redis.exceptions import RedisError

from bot.chat.scripts import RENEW

log = logging.getLogger(__name__)

RENEW_EVERY_S = 1.0


class LeaseKeeper:
    """Renews the leases (a message's claim, a user's turn) of the messages being handled."""

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
