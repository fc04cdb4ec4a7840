"""Outbound messages, each a Delivery record: sent once, or kept for the user's next message.

`send_text` tries a customer-service message; when WeChat's window or count is spent (45015,
45047) the message is kept ('deferred') and `take_deferred` hands it to the next passive reply.
The idempotency key makes a retried job a no-op once the message went out.
"""
import logging
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from wechatpy.exceptions import WeChatClientException

from bot.db import session_scope
from bot.models import Delivery
from bot.privacy import mask_openid

log = logging.getLogger(__name__)

KEEP_FOR_NEXT_REPLY = {45015, 45047}  # outside the 48 h window / over its count
NOT_REACHABLE = {43004, 40003}  # unfollowed / not a user of this account
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class TransientDeliveryError(RuntimeError):
    """WeChat could not take the message now (busy, 5xx, timeout): the job should retry."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _claim(services, openid: str, text: str, purpose: str, key: str) -> Delivery | None:
    """Insert the delivery if new; None when an earlier run already settled it."""
    with session_scope(services.db) as session:
        insert = _INSERTS[session.get_bind().dialect.name]
        session.execute(insert(Delivery).values(
            contest_id=services.contest.id, openid=openid, purpose=purpose, channel="custom",
            status="pending", payload={"text": text}, idempotency_key=key, attempts=0,
            created_at=_now()).on_conflict_do_nothing(index_elements=["idempotency_key"]))
        delivery = session.scalars(select(Delivery).where(Delivery.idempotency_key == key)
                                   .with_for_update()).one()
        if delivery.status != "pending":
            return None
        delivery.attempts += 1
        return delivery


def send_text(services, api, openid: str, text: str, *, purpose: str, key: str) -> str:
    """Deliver a text once: 'sent', 'deferred' (next reply), 'failed', or 'done' if already."""
    delivery = _claim(services, openid, text, purpose, key)
    if delivery is None:
        return "done"
    try:
        api.message.send_text(openid, text)
    except WeChatClientException as error:
        return _settle_error(services, delivery.id, openid, error)
    except Exception as error:  # network errors surface as requests exceptions
        raise TransientDeliveryError(type(error).__name__) from error
    _settle(services, delivery.id, status="sent", channel="custom", sent_at=_now())
    return "sent"


def _settle_error(services, delivery_id: int, openid: str, error) -> str:
    code = error.errcode
    if code in KEEP_FOR_NEXT_REPLY:
        _settle(services, delivery_id, status="deferred", channel="next_reply", errcode=code,
                errmsg=str(error.errmsg))
        log.info("delivery %s kept for the next reply of %s (%s)", delivery_id,
                 mask_openid(openid), code)
        return "deferred"
    if code in NOT_REACHABLE:
        _settle(services, delivery_id, status="failed", errcode=code, errmsg=str(error.errmsg))
        return "failed"
    raise TransientDeliveryError(f"errcode {code}") from error


def _settle(services, delivery_id: int, **values) -> None:
    with session_scope(services.db) as session:
        session.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))


def take_deferred(services, openid: str) -> list[str]:
    """Texts kept for this user, oldest first, marked sent with this passive reply."""
    with session_scope(services.db) as session:
        kept = session.scalars(select(Delivery).where(
            Delivery.openid == openid, Delivery.status == "deferred")
            .order_by(Delivery.id).with_for_update(skip_locked=True)).all()
        for delivery in kept:
            delivery.status, delivery.channel, delivery.sent_at = "sent", "next_reply", _now()
        return [delivery.payload["text"] for delivery in kept]
