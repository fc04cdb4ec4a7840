"""The mass sends of a broadcast: one call per up to 10,000 recipients, never sent twice.

Before the call the batch is written down as one claim on the broadcast row (its clientmsgid and
delivery ids); the transaction that records the outcome on the recipients' rows clears it. A job
that dies between the two leaves the claim: the next run re-sends exactly that batch with the
same clientmsgid, and WeChat answers 45065 if it already went. Service accounts send by openid
list; subscription accounts have no such call, so their batch goes to a temporary tag
(bot.delivery.tag_mass), once a day. Mass calls stay under 60 a minute across every worker (a Redis
counter; 45009 waits for the next minute); a spent quota keeps the batch for each recipient's
next reply.
"""
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from wechatpy.exceptions import WeChatClientException

from bot.db import session_scope
from bot.delivery.broadcasts import update_recipients
from bot.delivery.deferred import note_deferred_ids
from bot.delivery.send import TransientDeliveryError
from bot.delivery.tag_mass import send_to_tagged
from bot.models import Broadcast, Delivery, utc_now
from bot.sqlbits import among
from bot.wechat import errors
from bot.wechat.client import WeChatApi

if TYPE_CHECKING:  # annotations only
    from bot.services import Services

log = logging.getLogger(__name__)

MASS_MAX = 10000  # openids per mass/send call
MASS_PER_MINUTE = 60


def send_mass_group(services: "Services", api: WeChatApi, broadcast_id: int,
                    group: list[tuple[int, str]], text: str,
                    renew: Callable[[], object] = lambda: None) -> None:
    """Send `text` to the (delivery id, openid) pairs of the group, MASS_MAX per call;
    `renew` is called before each call."""
    for start in range(0, len(group), MASS_MAX):
        renew()
        chunk = group[start:start + MASS_MAX]
        key = f"bc{broadcast_id}-{chunk[0][0]}"  # the first delivery id: stable across retries
        ids = [delivery_id for delivery_id, _ in chunk]
        with session_scope(services.db) as session:
            session.execute(update(Broadcast).where(Broadcast.id == broadcast_id)
                            .values(mass_claim={"key": key, "ids": ids}))
        send_batch(services, api, broadcast_id, key, ids, [openid for _, openid in chunk], text)


def resend_open_batch(services: "Services", api: WeChatApi, broadcast_id: int,
                      text: str) -> None:
    """The batch an earlier run claimed but did not record: sent again with its clientmsgid."""
    with session_scope(services.db) as session:
        claim = session.get(Broadcast, broadcast_id).mass_claim
        rows = session.execute(select(Delivery.id, Delivery.openid).where(
            among(session, Delivery.id, claim["ids"]), Delivery.status == "pending")
            .order_by(Delivery.id)).all() if claim else []
    if rows:
        log.info("broadcast %s: re-sending the open mass batch %s", broadcast_id, claim["key"])
        send_batch(services, api, broadcast_id, claim["key"], [row.id for row in rows],
                   [row.openid for row in rows], text)
    elif claim:  # nothing of it is left pending: only the claim remains
        _record(services, broadcast_id, [], {})


def send_batch(services: "Services", api: WeChatApi, broadcast_id: int, key: str,
               ids: list[int], openids: list[str], text: str) -> None:
    """One claimed batch: the call (retried within the minute's quota) and its recorded outcome."""
    for attempt in range(3):
        _wait_for_mass_slot(services)
        try:
            answer = _mass_call(services, api, key, openids, text)
            log.info("mass batch %s (%s openids): msg_id %s", key, len(ids), answer.get("msg_id"))
            break
        except WeChatClientException as error:
            if error.errcode == errors.MASS_ALREADY_SENT:  # this clientmsgid already went: nothing is resent
                log.info("mass batch %s already sent earlier", key)
                break
            if error.errcode == errors.QUOTA_SPENT and attempt < 2:
                time.sleep(_seconds_to_next_minute())
                continue
            if error.errcode in errors.NO_MASS_NOW:
                _record(services, broadcast_id, ids, dict(
                    status="deferred", channel="next_reply", attempts=1,
                    errcode=error.errcode, errmsg=str(error.errmsg)))
                note_deferred_ids(services, ids)
                return
            raise TransientDeliveryError(f"mass send errcode {error.errcode}") from error
    _record(services, broadcast_id, ids, dict(status="sent", channel="mass", batch_key=key,
                                              attempts=1, sent_at=utc_now()))


def _mass_call(services: "Services", api: WeChatApi, key: str, openids: list[str],
               text: str) -> dict:
    """One mass send: by openid list on a service account, by a temporary tag otherwise."""
    if services.settings["WECHAT_ACCOUNT_TYPE"] != "service":
        return send_to_tagged(api, key, openids, text)
    answer: dict = api.post("message/mass/send", data={
        "touser": openids, "msgtype": "text", "text": {"content": text},
        "clientmsgid": key, "send_ignore_reprint": 0})
    return answer


def _record(services: "Services", broadcast_id: int, ids: list[int],
            values: dict[str, Any]) -> None:
    """The batch's outcome on its recipients and the claim cleared, in one transaction."""
    with session_scope(services.db) as session:
        update_recipients(session, ids, MASS_MAX, **values)
        session.execute(update(Broadcast).where(Broadcast.id == broadcast_id)
                        .values(mass_claim=None))


def _wait_for_mass_slot(services: "Services") -> None:
    """At most MASS_PER_MINUTE mass calls a minute across every worker (a Redis counter)."""
    while True:
        bucket = f"wechat:mass_calls:{int(time.time() // 60)}"
        used = services.redis.incr(bucket)
        services.redis.expire(bucket, 120)
        if used <= MASS_PER_MINUTE:
            return
        time.sleep(_seconds_to_next_minute())


def _seconds_to_next_minute() -> float:
    return 60 - time.time() % 60 + 0.05
