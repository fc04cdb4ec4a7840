"""WeChat retries: the same message arrives up to 3 times, maybe at once; it must act once."""
import logging
import time

import redis

log = logging.getLogger(__name__)

PENDING = b"\x00pending"


def dedupe_key(message: dict) -> str:
    """FromUserName + MsgId for messages; FromUserName + CreateTime + Event (+ key) for events."""
    sender = message.get("FromUserName", "")
    if message.get("MsgType") == "event":
        return "inbound:{0}:{1}:{2}:{3}".format(sender, message.get("CreateTime", ""),
                                                message.get("Event", ""), message.get("EventKey", ""))
    return "inbound:{0}:{1}".format(sender, message.get("MsgId", ""))


class ReplyOnce:
    """Runs a message's handler once; every delivery of that message gets the same reply."""

    def __init__(self, client: redis.Redis, ttl_s: int, wait_s: float, poll_s: float = 0.02):
        self.redis = client
        self.ttl_s = ttl_s
        self.wait_s = wait_s
        self.poll_s = poll_s

    def run(self, key: str, produce) -> str:
        """The reply for key: produced here if this is the first delivery, else the stored one."""
        if self.redis.set(key, PENDING, nx=True, ex=self.ttl_s):
            try:
                reply = produce()
            except BaseException:
                self.redis.delete(key)
                raise
            self.redis.set(key, reply.encode("utf-8"), ex=self.ttl_s)
            return reply
        return self._wait_for_first(key)

    def _wait_for_first(self, key: str) -> str:
        deadline = time.monotonic() + self.wait_s
        while time.monotonic() < deadline:
            stored = self.redis.get(key)
            if stored is None:
                break
            if stored != PENDING:
                return stored.decode("utf-8")
            time.sleep(self.poll_s)
        # The first delivery is still working (or died): an empty answer stops WeChat's retries.
        log.warning("retry of %s answered empty: first delivery not finished", key.split(":")[0])
        return ""
