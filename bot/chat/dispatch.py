"""What an inbound message means: dedupe, route to handlers, render the reply text.

Nothing here knows about HTTP, signatures or encryption (see bot.chat.webhook).
"""
import hashlib
import logging
from typing import TYPE_CHECKING, Any, NamedTuple

from redis.exceptions import RedisError
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.chat.conversation import Turn
from bot.chat.dedupe import CONTACT_WRITE_EVERY_S, Begun, dedupe_key
from bot.chat.engine import TurnResult
from bot.chat.render import render_chat
from bot.chat.sessions import ConversationSession, SessionChange
from bot.delivery.followers import note_since_unknown, queue_drain
from bot.delivery.send import take_deferred
from bot.entrants import touch_message
from bot.wechat.messages import message_from_fields
from bot.wechat.xmlsafe import text_reply

if TYPE_CHECKING:  # annotations only: bot.services imports bot.chat
    from bot.services import Services

log = logging.getLogger(__name__)

REPLY_LIMIT_BYTES = 2000  # WeChat truncates passive text replies beyond 2048 bytes
# Events only a follower can cause (menu actions, scans, location reports). Chat messages too:
# WeChat delivers none from a non-follower. Not job receipts (TEMPLATESENDJOBFINISH...).
FOLLOWER_EVENTS = {"click", "view", "scan", "location", "scancode_push", "scancode_waitmsg",
                   "pic_sysphoto", "pic_photo_or_album", "pic_weixin", "location_select",
                   "view_miniprogram"}


DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


class UnreadableMessage(ValueError):
    """wechatpy cannot read the message (a body our flat XML check let through): a 400."""


class Answer(NamedTuple):
    """The reply XML ('' for none); whether it stands for the message (a retry gets it) or not
    (the database was down, the user's turn was taken: the retry runs the message); what
    becomes of the user's session; whether END queues the sender's follow-time lookup."""

    xml: str
    remember: bool = True
    change: SessionChange | None = None
    follows_since_unknown: bool = False  # the sender's follow time is to be looked up


def handle_inbound(services: "Services", xml_text: str, fields: dict, request_id: str = "") -> str:
    """The reply XML for one message ('' for none); retried deliveries share the first reply.

    `fields` is the message's XML parsed once (bot.wechat.xmlsafe.parse_flat_xml). Redis is
    asked twice: BEGIN before the handler, END after it (bot.chat.dedupe). Raises
    bot.chat.dedupe.Replayed when request_id (the signed query) came before with another message.
    """
    message = _read(fields)
    digest = hashlib.sha1(xml_text.encode("utf-8")).hexdigest()[:20]
    try:
        begun = services.replies.begin(dedupe_key(fields), message.source, request_id, digest,
                                       _contact_every(message))
    except RedisError:
        log.error("redis unavailable: answering msg_id=%s without retry protection",
                  fields.get("MsgId", "event"))
        return _answer_without_redis(services, message)
    if begun.reply is not None:
        return begun.reply
    try:
        result = _busy(services, message) if begun.busy else answer(services, message, begun)
    except BaseException:
        services.replies.end(begun, None)
        raise
    try:
        drain = services.replies.end(begun, result.xml if result.remember else None,
                                     result.change, note_follow_time=result.follows_since_unknown)
    except RedisError:  # the reply still goes out; a retry may find no memory of it
        log.error("redis unavailable: reply to msg_id=%s not remembered",
                  fields.get("MsgId", "event"))
        return result.xml
    queue_drain(services, drain)
    return result.xml


def _read(fields: dict) -> Any:
    try:
        return message_from_fields(fields)
    except Exception as error:  # MsgType/Event not text (wechatpy calls .lower())
        raise UnreadableMessage(type(error).__name__) from None


def _contact_every(message: Any) -> int:
    """How often BEGIN reports the contact time due: messages every CONTACT_WRITE_EVERY_S (the
    48 h window's edge is known to within that), events always (their window is 60 s), follow
    events never (their handlers record them)."""
    event = (getattr(message, "event", "") or "").lower()
    if event in ("subscribe", "subscribe_scan", "unsubscribe"):
        return -1
    return 0 if message.type == "event" else CONTACT_WRITE_EVERY_S


def _busy(services: "Services", message: Any) -> Answer:
    # Never two handlers of one user at once: this message is not handled, and the user is
    # told so (not remembered as its reply: a retry or a resend runs it once the turn is free).
    log.warning("user busy: msg_id=%s answered without handling", message.id)
    return Answer(_reply(_render(services, "user_busy", {}), message), remember=False)


def answer(services: "Services", message: Any, begun: Begun) -> Answer:
    """Answer the message in the user's turn, with what BEGIN read for it."""
    assert begun.session is not None  # a turn taken comes with the user's session
    unknown = False  # the contact write found a follower whose follow time is unknown
    try:
        if begun.contact_due:
            unknown = _record_contact(services, message)
        result = _respond(services, message, begun.session)
        texts = _render_all(services, result.replies)
        if texts:
            texts = take_deferred(services, message.source, maybe=begun.maybe_deferred) + texts
    except DATABASE_UNAVAILABLE:
        log.exception("database unavailable: msg_id=%s type=%s answered with the apology",
                      message.id, message.type)
        return Answer(_reply(_render(services, "apology", {}), message), remember=False,
                      follows_since_unknown=unknown)
    except Exception:
        log.exception("handler failed: msg_id=%s type=%s", message.id, message.type)
        return Answer(_reply(_render(services, "apology", {}), message),
                      follows_since_unknown=unknown)
    return Answer(_reply(_fit("\n\n".join(texts)), message) if texts else "",
                  change=result.change, follows_since_unknown=unknown)


def _answer_without_redis(services: "Services", message: Any) -> str:
    """Redis is down: no retry memory and no turn; events that need no session still work."""
    try:
        if _contact_every(message) >= 0 and _record_contact(services, message):
            note_since_unknown(services, message.source)
        result = _respond(services, message, services.sessions.load(message.source))
        texts = _render_all(services, result.replies)
    except Exception:
        log.exception("handler failed without redis: msg_id=%s", message.id)
        texts = [_render(services, "apology", {})]
    return _reply(_fit("\n\n".join(texts)), message) if texts else ""


def _reply(text: str, message: Any) -> str:
    """The reply goes back to the sender, from the account the message was sent to."""
    return text_reply(text, message.source, message.target)


def _respond(services: "Services", message: Any, session: ConversationSession) -> TurnResult:
    assert services.chat is not None  # the web process's Services have the chat engine
    return services.chat.handle(_turn(services, message), session)


def _render_all(services: "Services", replies: list[tuple[str, dict]]) -> list[str]:
    return [_render(services, template, context) for template, context in replies]


def _record_contact(services: "Services", message: Any) -> bool:
    """Last message/event time per user (it opens WeChat's customer-service window); True when
    the sender follows since a time we do not know (to be looked up)."""
    event = (getattr(message, "event", "") or "").lower()
    is_event = message.type == "event"
    # One statement, atomic by itself: autocommit spares the BEGIN and COMMIT round trips.
    with services.db_engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        contact = touch_message(connection, message.source, message.create_time,
                                is_event=is_event,
                                proves_follow=not is_event or event in FOLLOWER_EVENTS)
    return contact.subscribed and contact.subscribed_at is None


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
