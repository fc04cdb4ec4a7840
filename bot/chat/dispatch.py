"""What an inbound message means: dedupe, route to handlers, render the reply text.

Nothing here knows about HTTP, signatures or encryption (see bot.chat.webhook).
"""
import hashlib
import logging
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from redis.exceptions import LockError, RedisError
from sqlalchemy.exc import InterfaceError, OperationalError
from wechatpy import parse_message

from bot.chat.conversation import Turn
from bot.chat.dedupe import LEASE_S, dedupe_key
from bot.chat.render import render_chat
from bot.delivery.followers import note_since_unknown
from bot.delivery.send import take_deferred
from bot.entrants import touch_message
from bot.wechat.xmlsafe import text_reply

if TYPE_CHECKING:  # annotations only: bot.services imports bot.chat
    from bot.services import Services

log = logging.getLogger(__name__)

REPLY_LIMIT_BYTES = 2000  # WeChat truncates passive text replies beyond 2048 bytes
CONTACT_WRITE_EVERY_S = 120
# Events only a follower can cause (menu actions, scans, location reports). Chat messages too:
# WeChat delivers none from a non-follower. Not job receipts (TEMPLATESENDJOBFINISH...).
FOLLOWER_EVENTS = {"click", "view", "scan", "location", "scancode_push", "scancode_waitmsg",
                   "pic_sysphoto", "pic_photo_or_album", "pic_weixin", "location_select",
                   "view_miniprogram"}


DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


class UnreadableMessage(ValueError):
    """wechatpy cannot read the message (a body our flat XML check let through): a 400."""


class UserBusy(Exception):
    """The user's previous message still holds their turn after the wait."""


class Answer(NamedTuple):
    """The reply XML ('' for none) and whether it stands for the message (a retry gets it) or
    not (the database was down, the user's turn was taken: the retry runs the message)."""

    xml: str
    remember: bool = True


def handle_inbound(services: "Services", xml_text: str, fields: dict, request_id: str = "") -> str:
    """The reply XML for one message ('' for none); retried deliveries share the first reply.

    Raises bot.chat.dedupe.Replayed when request_id (the signed query) came before with
    another message.
    """
    digest = hashlib.sha1(xml_text.encode("utf-8")).hexdigest()[:20]
    try:
        claim = services.replies.claim(dedupe_key(fields), request_id, digest)
    except RedisError:
        log.error("redis unavailable: answering msg_id=%s without retry protection",
                  fields.get("MsgId", "event"))
        return answer(services, xml_text).xml
    if claim.reply is not None:
        return claim.reply
    try:
        result = answer(services, xml_text)
    except BaseException:
        services.replies.forget(claim)
        raise
    try:
        if result.remember:
            services.replies.remember(claim, result.xml)
        else:
            services.replies.forget(claim)
    except RedisError:  # the reply still goes out; a retry may find no memory of it
        log.error("redis unavailable: reply to msg_id=%s not remembered",
                  fields.get("MsgId", "event"))
    return result.xml


def answer(services: "Services", xml_text: str) -> Answer:
    """Parse the message and answer it, one message of a user at a time."""
    try:
        message = parse_message(xml_text)
    except Exception as error:  # expat, and MsgType/Event not text (wechatpy calls .lower())
        raise UnreadableMessage(type(error).__name__) from None
    try:
        with _user_lock(services, message.source):
            texts = respond(services, message)
    except UserBusy:
        # Never two handlers of one user at once: this message is not handled, and the user is
        # told so (not remembered as its reply: a retry or a resend runs it once the turn is free).
        log.warning("user busy: msg_id=%s answered without handling", message.id)
        return Answer(_reply(_render(services, "user_busy", {}), message), remember=False)
    except DATABASE_UNAVAILABLE:
        log.exception("database unavailable: msg_id=%s type=%s answered with the apology",
                      message.id, message.type)
        return Answer(_reply(_render(services, "apology", {}), message), remember=False)
    except Exception:
        log.exception("handler failed: msg_id=%s type=%s", message.id, message.type)
        texts = [_render(services, "apology", {})]
    return Answer(_reply(_fit("\n\n".join(texts)), message) if texts else "")


def _reply(text: str, message: Any) -> str:
    """The reply goes back to the sender, from the account the message was sent to."""
    return text_reply(text, message.source, message.target)


def respond(services: "Services", message: Any) -> list[str]:
    """The texts answering one message, in order (empty: no passive reply)."""
    _record_contact(services, message)
    assert services.chat is not None  # the web process's Services have the chat engine
    result = services.chat.handle(_turn(services, message))
    texts = [_render(services, template, context) for template, context in result.replies]
    return take_deferred(services, message.source) + texts if texts else texts


def _record_contact(services: "Services", message: Any) -> None:
    """Last message/event time per user (it opens WeChat's customer-service window). Messages
    are written at most once per CONTACT_WRITE_EVERY_S per user (the hot path pays one Redis
    SET; the 48 h window's edge is known to within that); events, whose window is 60 s, always."""
    event = (getattr(message, "event", "") or "").lower()
    if event in ("subscribe", "subscribe_scan", "unsubscribe"):
        return  # the follow handlers record these
    is_event = message.type == "event"
    if not is_event and not services.redis.set(f"contact-written:{message.source}", 1, nx=True,
                                               ex=CONTACT_WRITE_EVERY_S):
        return
    with services.db_engine.begin() as connection:  # Core: one upsert on the hot path
        contact = touch_message(connection, message.source, message.create_time,
                                is_event=is_event,
                                proves_follow=not is_event or event in FOLLOWER_EVENTS)
    if contact.subscribed and contact.subscribed_at is None:
        note_since_unknown(services, message.source)


def _turn(services: "Services", message: Any) -> Turn:
    event = (getattr(message, "event", "") or "").lower()
    text = (message.content or "").strip() if message.type == "text" else ""
    return Turn(openid=message.source, msg_type=message.type, text=text, message=message,
                data={}, services=services, event=event)


def _render(services: "Services", template: str, context: dict) -> str:
    base = {"contest": services.contest, "now": services.now()}
    return render_chat(services.chat_env, template, {**base, **context})


def _fit(text: str) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= REPLY_LIMIT_BYTES:
        return text
    return encoded[:REPLY_LIMIT_BYTES].decode("utf-8", "ignore") + "…"


class _user_lock:
    """Serialises one user's messages so their session is read and written in order.

    Like the message's claim, the lock is a short lease the process renews while the handler
    runs (bot.dedupe.LeaseKeeper): a killed worker frees the user's turn for WeChat's retry.
    """

    def __init__(self, services: "Services", openid: str) -> None:
        self.keeper = services.replies.keeper
        self.lock = services.redis.lock(f"lock:user:{openid}", timeout=LEASE_S,
                                        blocking_timeout=3)
        self.held = False

    def __enter__(self) -> "_user_lock":
        try:
            self.held = self.lock.acquire()
        except RedisError:  # Redis down: no lock, no dedupe either; the apology path decides
            log.warning("user lock unavailable; handling without it")
            return self
        if not self.held:
            raise UserBusy()
        self.keeper.hold(self.lock.name, self.lock.local.token)
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        if self.held:
            self.keeper.release(self.lock.name)
            try:
                self.lock.release()
            except (LockError, RedisError):
                log.warning("user lock expired before release")
        return False
