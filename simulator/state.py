"""Everything the fake platform knows, in memory behind one lock (the simulator is one process)."""
import itertools
import secrets
import threading
from dataclasses import dataclass, field

from simulator.errors import ApiError
from simulator.media import MediaStore
from simulator.quotas import Counters, CustomerServiceWindows, MassAllowance
from simulator.tokens import TokenStore


def new_openid() -> str:
    """A 28-character openid shaped like WeChat's."""
    return "o" + secrets.token_urlsafe(21)[:27]


@dataclass
class User:
    """A WeChat user and their relation to the account."""

    openid: str
    nickname: str
    created_at: float
    subscribed: bool = False
    subscribe_time: int = 0
    unionid: str = ""  # only when the account is bound to an open platform account
    tagids: list = field(default_factory=list)
    windows: CustomerServiceWindows = field(default_factory=CustomerServiceWindows)
    mass: MassAllowance = field(default_factory=MassAllowance)
    last_message_at: float | None = None
    read_seq: int = 0  # the last message the user has seen (the terminal chat resumes from it)

    def info(self) -> dict:
        """The /cgi-bin/user/info answer for this user."""
        # Not following: WeChat answers only subscribe=0, the openid and (if bound) the unionid.
        bound = {"unionid": self.unionid} if self.unionid else {}
        if not self.subscribed:
            return {"subscribe": 0, "openid": self.openid, **bound}
        return {"subscribe": 1, "openid": self.openid, "language": "zh_CN",
                "subscribe_time": self.subscribe_time, **bound, "remark": "", "groupid": 0,
                "tagid_list": list(self.tagids), "subscribe_scene": "ADD_SCENE_QR_CODE",
                "qr_scene": 0, "qr_scene_str": ""}

    def describe(self) -> dict:
        """The user as JSON for /sim endpoints."""
        return {"openid": self.openid, "nickname": self.nickname, "subscribed": self.subscribed,
                "subscribe_time": self.subscribe_time, "unionid": self.unionid,
                "tagid_list": list(self.tagids),
                "last_message_at": self.last_message_at, "read_seq": self.read_seq}


@dataclass
class Fault:
    """An injected failure for the next `count` calls to `path` ('*' matches every API path)."""

    path: str
    kind: str  # "http500" | "busy" | "delay" | "errcode"
    count: int = 1
    delay: float = 0.0
    errcode: int = -1

    def describe(self) -> dict:
        """The fault as JSON."""
        return {"path": self.path, "kind": self.kind, "count": self.count,
                "delay": self.delay, "errcode": self.errcode}


class PlatformState:
    """Users, tokens, media, quotas and the record of everything sent and called."""

    def __init__(self, config: dict):
        self.config = config
        self.lock = threading.RLock()
        self.clock_offset = 0.0
        self._seq = itertools.count(1)
        self.media = MediaStore(config["MEDIA_DIR"], config.get("MEDIA_VIDEO_ANSWER", "video_url"))
        self.reset()

    def now(self) -> float:
        """The platform's time: the configured clock plus any /sim/clock advance."""
        return self.config["CLOCK"]() + self.clock_offset

    def reset(self) -> None:
        """Forget everything (users, tokens, media, records); keep the configuration."""
        with self.lock:
            self.users: dict[str, User] = {}
            self.inbox: dict[str, list] = {}
            self.sent: dict[str, list] = {}
            self.calls: list[dict] = []
            self.webhook_log: list[dict] = []
            self.tokens = TokenStore(self.config.get("TOKEN_FETCHES_PER_DAY", 2000))
            self.counters = Counters()
            self.media.clear()
            self.templates: dict[str, dict] = dict(self.config.get("TEMPLATES") or {})
            self.tags: dict[int, str] = {}
            self.tag_ids = itertools.count(100)
            self.menu: dict | None = None
            self.faults: list[Fault] = []
            self.oauth_codes: dict[str, dict] = {}
            self.sns_tokens: dict[str, dict] = {}
            self.mass_jobs: dict[int, dict] = {}
            self.client_msg_ids: dict[str, tuple[int, float]] = {}
            self.template_sends: dict[tuple, tuple[int, float]] = {}
            self.clock_offset = 0.0

    def next_id(self) -> int:
        """A platform-wide increasing id (msgid, msg_id, sequence numbers)."""
        return next(self._seq) + 1_000_000_000

    # -- users ----------------------------------------------------------------------------
    def add_user(self, openid: str | None = None, nickname: str = "", subscribed: bool = False,
                 subscribe_time: int | None = None, unionid: str = "") -> User:
        """Create a WeChat user (optionally already following since `subscribe_time`, without
        any event: a follower from before the bot was switched on)."""
        with self.lock:
            openid = openid or new_openid()
            user = self.users.get(openid) or User(openid, nickname or openid[-6:], self.now())
            self.users[openid] = user
            user.unionid = unionid or user.unionid
            if subscribed and not user.subscribed:
                self.set_following(openid, True)
                if subscribe_time is not None:
                    user.subscribe_time = int(subscribe_time)
            return user

    def user(self, openid: str | None) -> User:
        """A known user, or 40003 invalid openid."""
        user = self.users.get(openid or "")
        if user is None:
            raise ApiError(40003)
        return user

    def following(self, openid: str | None) -> User:
        """A user who follows the account, or 40003 / 43004."""
        user = self.user(openid)
        if not user.subscribed:
            raise ApiError(43004)
        return user

    def set_following(self, openid: str, subscribed: bool) -> User:
        """Follow or unfollow (unfollowing drops the user's tags and grants, as WeChat does)."""
        with self.lock:
            user = self.user(openid)
            user.subscribed = subscribed
            if subscribed:
                user.subscribe_time = int(self.now())
            else:
                user.tagids.clear()
                user.windows = CustomerServiceWindows()
            return user

    def record_interaction(self, openid: str, trigger: str) -> None:
        """A user's message ('message') or event opens the matching customer-service grant."""
        with self.lock:
            user = self.user(openid)
            now = self.now()
            if trigger == "message":
                user.last_message_at = now
            user.windows.open(trigger, now)

    # -- what the bot pushed --------------------------------------------------------------
    def push(self, openid: str, channel: str, msgtype: str, payload: dict, **meta) -> dict:
        """Record a message delivered to a user's chat (channel: custom/template/mass/passive)."""
        with self.lock:
            entry = {"seq": self.next_id(), "time": self.now(), "openid": openid,
                     "channel": channel, "msgtype": msgtype, "payload": payload,
                     "content": _text_of(msgtype, payload), **meta}
            self.inbox.setdefault(openid, []).append(entry)
            return entry

    def inbox_of(self, openid: str, channels=None) -> list[dict]:
        """Every message pushed to a user, in order (optionally only some channels)."""
        with self.lock:
            entries = list(self.inbox.get(openid, []))
        return [e for e in entries if channels is None or e["channel"] in channels]

    def record_sent(self, openid: str, fields: dict) -> dict:
        """Record what the user's WeChat app posted to the bot (for the chat page's transcript)."""
        with self.lock:
            entry = {"seq": self.next_id(), "time": self.now(), "openid": openid,
                     "channel": "user", "msgtype": fields.get("MsgType", ""),
                     "fields": dict(fields)}
            self.sent.setdefault(openid, []).append(entry)
            return entry

    def transcript_of(self, openid: str, after: int = 0) -> list[dict]:
        """What the user sent and what reached their chat, merged in order (seq > after)."""
        with self.lock:
            entries = self.sent.get(openid, []) + self.inbox.get(openid, [])
            return sorted((e for e in entries if e["seq"] > after), key=lambda e: e["seq"])

    def quota(self, openid: str) -> dict:
        """A user's customer-service grants and mass-message count, as JSON."""
        with self.lock:
            user = self.user(openid)
            now = self.now()
            return {"openid": openid, "subscribed": user.subscribed,
                    "customer_service": user.windows.describe(now),
                    "mass": user.mass.describe(now)}

    # -- calls and faults -----------------------------------------------------------------
    def record_call(self, entry: dict) -> None:
        """Append one API call to the log."""
        with self.lock:
            entry["seq"] = self.next_id()
            self.calls.append(entry)

    def add_fault(self, fault: Fault) -> None:
        """Queue an injected failure."""
        with self.lock:
            self.faults.append(fault)

    def take_fault(self, path: str) -> Fault | None:
        """The first fault matching this path, counting one use of it."""
        with self.lock:
            for fault in self.faults:
                if fault.count > 0 and fault.path in (path, "*"):
                    fault.count -= 1
                    if fault.count == 0:
                        self.faults.remove(fault)
                    return fault
        return None


def _text_of(msgtype: str, payload: dict) -> str | None:
    """The readable text of a pushed message, for tests and the chat page."""
    if msgtype == "text":
        return (payload.get("text") or {}).get("content") or payload.get("Content")
    if msgtype == "template":
        data = payload.get("data") or {}
        return "\n".join(str((v or {}).get("value", "")) for v in data.values())
    return None
