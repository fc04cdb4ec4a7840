"""One place for every outbound message to one user, each a Delivery record: sent once, or kept.

`deliver` claims the Delivery (its idempotency key makes a retried job a no-op once settled), asks
bot.delivery.planner which channel can carry it, and tries in order: a customer-service message while the
user's window allows, a template message (service accounts with a template configured), and
otherwise keeps it ('deferred'): `take_deferred` hands it to the reply to the user's next message.
What the platform answers decides: 45015 (no window) and 45047 (window spent) move on to the
next channel; 45009 (daily API quota spent) keeps it for the next reply; 43004/40003 (not
following) fail with the code recorded; 40001 is retried inside WeChatApi with the re-read token;
anything else unexpected (5xx, timeouts) raises TransientDeliveryError so the job is retried.
Bulk sends (mass) are bot.delivery.broadcasts' business; they share these records.
"""
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import requests
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from wechatpy.exceptions import WeChatClientException

from bot.db import session_scope
from bot.delivery import planner
from bot.delivery.deferred import forget, may_have_deferred, note_deferred
from bot.models import Broadcast, Delivery, utc_now
from bot.privacy import mask_openid
from bot.sqlbits import dialect_insert
from bot.wechat.client import WeChatApi
from bot.wechat.errors import KEEP_FOR_NEXT_REPLY, NOT_REACHABLE

if TYPE_CHECKING:  # annotations only
    from bot.services import Services

log = logging.getLogger(__name__)

IN_FLIGHT = "in flight"  # errmsg while a call is out: still there later = it may have gone
INTERRUPTED = "interrupted during the send (it may have gone); not resent to avoid a double"
DEFERRED_REPLY_BUDGET = 1200  # bytes of kept texts one passive reply carries (limit ~2000)


class TransientDeliveryError(RuntimeError):
    """WeChat could not take the message now (busy, 5xx, timeout): the job should retry."""


def insert_ignoring_duplicates(session: Session, rows: list[dict]) -> None:
    """Insert Delivery rows (not a broadcast's); rows whose idempotency key already exists are
    left as they are."""
    if rows:  # executemany: SQLAlchemy batches the rows into multi-row INSERTs itself
        session.execute(dialect_insert(session, Delivery).on_conflict_do_nothing(
            index_elements=["idempotency_key"], index_where=Delivery.broadcast_id.is_(None)),
            rows)


def _claim(services: "Services", openid: str, payload: dict, purpose: str,
           key: str) -> tuple[int, str] | None:
    """Insert the delivery if new; (id, plan) or None when an earlier run already settled it.

    plan: 'skip' (known as not following), 'custom' (the window allows, or the user is new to
    us: the platform decides), 'closed' (no window by our count: go straight to the next channel).
    """
    with session_scope(services.db) as session:
        insert_ignoring_duplicates(session, [dict(
            contest_id=services.contest.id, openid=openid, purpose=purpose, channel="custom",
            status="pending", payload=payload, idempotency_key=key, attempts=0,
            created_at=utc_now())])
        delivery = session.scalars(select(Delivery).where(
            Delivery.idempotency_key == key, Delivery.broadcast_id.is_(None))
            .with_for_update()).one()
        if delivery.status != "pending":
            return None
        if delivery.errmsg == IN_FLIGHT:  # an earlier run died or timed out mid-call
            delivery.status, delivery.errmsg = "failed", INTERRUPTED
            log.warning("delivery %s interrupted during its send; not resent", delivery.id)
            return None
        delivery.attempts += 1
        reach = planner.reach_of(session, [openid], utc_now())[openid]
        if reach.known and not reach.following:
            return delivery.id, "skip"
        return delivery.id, "custom" if reach.custom_left or not reach.known else "closed"


def send_text(services: "Services", api: WeChatApi, openid: str, text: str, *, purpose: str,
              key: str) -> str:
    """Deliver a text once: 'sent', 'deferred' (next reply), 'failed', or 'done' if already."""
    return deliver(services, api, openid, text, purpose=purpose, key=key)


def deliver(services: "Services", api: WeChatApi, openid: str, text: str, *, purpose: str, key: str,
            title: str = "", template_kind: str | None = None) -> str:
    """Deliver once by the best channel open now; the outcome is recorded on the Delivery."""
    claimed = _claim(services, openid, {"text": text, "title": title}, purpose, key)
    if claimed is None:
        return "done"
    delivery_id, plan = claimed
    if plan == "skip":
        _settle(services, delivery_id, status="skipped", channel="none", errmsg="not following")
        return "skipped"
    template = planner.template_id(services.settings, template_kind) if template_kind else None
    outcome = "next"
    if plan == "custom":
        outcome = _try(services, delivery_id, openid, "custom",
                       lambda: api.message.send_text(openid, text))
    else:
        _settle(services, delivery_id, errmsg="no customer-service window (our count)")
    if outcome == "next" and template:
        outcome = _try(services, delivery_id, openid, "template", lambda: api.post(
            "message/template/send", data=template_body(openid, template, title, text, key)))
    if outcome == "next":
        return _defer(services, delivery_id, openid)
    return outcome


def _try(services: "Services", delivery_id: int, openid: str, channel: str,
         call: Callable[[], object]) -> str:
    """One attempt on one channel: 'sent', 'failed', or 'next' (try the next channel)."""
    _settle(services, delivery_id, channel=channel, errmsg=IN_FLIGHT)
    try:
        call()
    except WeChatClientException as error:
        code = error.errcode
        _settle(services, delivery_id, channel=channel, errcode=code, errmsg=str(error.errmsg))
        if code in KEEP_FOR_NEXT_REPLY:
            return "next"
        if code in NOT_REACHABLE:
            _settle(services, delivery_id, status="failed")
            return "failed"
        raise TransientDeliveryError(f"errcode {code}") from error
    except Exception as error:  # network errors surface as requests exceptions
        if not isinstance(error, requests.ReadTimeout):  # a read timeout: it may have gone
            _settle(services, delivery_id, errmsg=type(error).__name__)
        raise TransientDeliveryError(type(error).__name__) from error
    _settle(services, delivery_id, status="sent", channel=channel, sent_at=utc_now(), errmsg=None)
    return "sent"


def _defer(services: "Services", delivery_id: int, openid: str) -> str:
    _settle(services, delivery_id, status="deferred", channel="next_reply")
    note_deferred(services, [openid])
    log.info("delivery %s kept for the next reply of %s", delivery_id, mask_openid(openid))
    return "deferred"


def template_body(openid: str, template: str | None, title: str, text: str, key: str) -> dict:
    """A template message: title and text cut to WeChat's 20-character 'thing' fields."""
    return {"touser": openid, "template_id": template, "client_msg_id": key[:64],
            "data": {"thing1": {"value": _cut(title or text)}, "thing2": {"value": _cut(text)}}}


def _cut(value: str, limit: int = 20) -> str:
    value = " ".join(str(value).split())
    return value if len(value) <= limit else value[:limit - 1] + "…"


def _settle(services: "Services", delivery_id: int, **values: Any) -> None:
    with session_scope(services.db) as session:
        session.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))


def take_deferred(services: "Services", openid: str, budget: int = DEFERRED_REPLY_BUDGET,
                  maybe: bool | None = None) -> list[str]:
    """Texts kept for this user, oldest first, as many as fit one reply; marked sent with it.
    `maybe`: whether the user may have some, when the caller already asked Redis (None: ask)."""
    if maybe is None:
        maybe = may_have_deferred(services, openid)
    if not maybe:
        return []
    with session_scope(services.db) as session:
        kept = session.execute(select(Delivery, Broadcast.text)
                               .outerjoin(Broadcast, Delivery.broadcast_id == Broadcast.id)
                               .where(Delivery.openid == openid, Delivery.status == "deferred")
                               .order_by(Delivery.id)
                               .with_for_update(of=Delivery, skip_locked=True)).all()
        taken: list[str] = []
        used = 0
        for delivery, broadcast_text in kept:
            text = delivery.payload.get("text") or broadcast_text  # a broadcast keeps it once
            size = len(text.encode("utf-8"))
            if taken and used + size > budget:
                break  # the rest waits for the reply after this one: nothing is cut off
            delivery.status, delivery.channel, delivery.sent_at = "sent", "next_reply", utc_now()
            taken.append(text)
            used += size
        if len(taken) == len(kept):
            forget(services, openid)
        return taken
