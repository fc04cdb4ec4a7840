"""Sending one confirmed broadcast to its recipients, in batches, within WeChat's quotas.

Each round takes up to MASS_MAX pending recipients and lets bot.planner choose per recipient:
customer-service while the window allows, mass send by openid list (service accounts, the
user's 4-a-month allowance), a template message if one is configured for broadcasts, else the
reply to their next message. A mass batch is written down (batch_key = its clientmsgid) before
the call, so a retried job re-sends the same batch with the same clientmsgid and WeChat answers
45065 instead of sending twice. A customer-service send cut off by a crash cannot be known to
have gone: it is recorded failed ("interrupted"), never sent twice. Mass calls stay under 60 a
minute (a Redis counter; 45009 waits for the next minute). Subscription accounts have no mass
send by openid list: their batches go to a temporary tag (bot.tag_mass), once a day (45028 keeps
the rest for each user's next reply).
"""
import logging
import time

from sqlalchemy import select, update
from wechatpy.exceptions import WeChatClientException

from bot import planner
from bot.broadcasts import refresh_counters
from bot.db import session_scope
from bot.deferred_index import note_deferred_ids
from bot.delivery import TransientDeliveryError, template_body
from bot.models import Broadcast, Delivery
from bot.sqlbits import among
from bot.tag_mass import send_to_tagged

log = logging.getLogger(__name__)

MASS_MAX = 10000  # openids per mass/send call
MASS_PER_MINUTE = 60
NO_MASS_NOW = {45028, 48001, 45009}  # day's mass spent / not allowed / quota: defer the rest
CUSTOM_CLAIM = "custom"


def fan_out(services, api, broadcast_id: int, batch: int = MASS_MAX) -> dict:
    """Send every pending recipient once; returns the final counters."""
    with services.redis.lock(f"lock:broadcast:{broadcast_id}", timeout=3600,
                             blocking_timeout=5):
        text = _start(services, broadcast_id)
        _settle_interrupted(services, broadcast_id)
        for key, ids, openids in _open_batches(services, broadcast_id):
            _send_mass(services, api, key, ids, openids, text)
        while _round(services, api, broadcast_id, text, batch):
            pass
        return _finish(services, broadcast_id)


def _start(services, broadcast_id: int) -> str:
    with session_scope(services.db) as session:
        broadcast = session.get(Broadcast, broadcast_id)
        if broadcast.state == "confirmed":
            broadcast.state = "sending"
        return broadcast.text


def _settle_interrupted(services, broadcast_id: int) -> None:
    """Custom sends claimed by a run that died: unknown whether they went, never resent."""
    with session_scope(services.db) as session:
        count = session.execute(update(Delivery).where(
            Delivery.broadcast_id == broadcast_id, Delivery.status == "pending",
            Delivery.batch_key == CUSTOM_CLAIM).values(
            status="failed", errmsg="interrupted during the send; not retried to avoid a double"
        )).rowcount
    if count:
        log.warning("broadcast %s: %s sends interrupted by an earlier run", broadcast_id, count)


def _open_batches(services, broadcast_id: int) -> list:
    """Mass batches written down by an earlier run but not settled: resent with their key."""
    with session_scope(services.db) as session:
        rows = session.execute(select(Delivery.batch_key, Delivery.id, Delivery.openid).where(
            Delivery.broadcast_id == broadcast_id, Delivery.status == "pending",
            Delivery.batch_key.is_not(None), Delivery.batch_key != CUSTOM_CLAIM)).all()
    batches: dict[str, tuple[list, list]] = {}
    for key, delivery_id, openid in rows:
        batches.setdefault(key, ([], []))
        batches[key][0].append(delivery_id)
        batches[key][1].append(openid)
    return [(key, ids, openids) for key, (ids, openids) in batches.items()]


def _round(services, api, broadcast_id: int, text: str, batch: int) -> bool:
    """Plan and send one batch of pending recipients; False when none is left."""
    with session_scope(services.db) as session:
        pending = session.execute(select(Delivery.id, Delivery.openid).where(
            Delivery.broadcast_id == broadcast_id, Delivery.status == "pending",
            Delivery.batch_key.is_(None)).order_by(Delivery.id).limit(batch)).all()
        if not pending:
            return False
        reach = planner.reach_of(session, [openid for _, openid in pending], planner.utc_now())
    plan = _plan(services, pending, reach)
    for delivery_id, openid in plan["custom"]:
        _send_custom(services, api, delivery_id, openid, text)
    _send_mass_group(services, api, broadcast_id, plan["mass"], text)
    for delivery_id, openid in plan["template"]:
        _send_template(services, api, delivery_id, openid, text)
    _mark(services, [i for i, _ in plan["deferred"]], status="deferred", channel="next_reply")
    _mark(services, [i for i, _ in plan["skipped"]], status="skipped", channel="none",
          errmsg="not following")
    _refresh(services, broadcast_id)
    return True


def _plan(services, pending: list, reach: dict) -> dict:
    account = services.settings["WECHAT_ACCOUNT_TYPE"]
    has_template = planner.template_id(services.settings, "broadcast") is not None
    plan = {"custom": [], "mass": [], "template": [], "deferred": [], "skipped": []}
    for delivery_id, openid in pending:
        channel = planner.choose(reach[openid], account_type=account,
                                 has_template=has_template, bulk=True)
        plan[channel].append((delivery_id, openid))
    if len(plan["mass"]) == 1:  # a list send needs two openids: the one left waits
        plan["template" if has_template else "deferred"].append(plan["mass"].pop())
    return plan


def _send_custom(services, api, delivery_id: int, openid: str, text: str) -> None:
    _mark(services, [delivery_id], batch_key=CUSTOM_CLAIM, attempts=1)
    try:
        api.message.send_text(openid, text)
    except WeChatClientException as error:
        code = error.errcode
        status = "failed" if code in (43004, 40003) else "deferred"
        if code not in (43004, 40003, 45015, 45047, 45009):
            log.warning("custom send to broadcast recipient failed: %s", code)
        _mark(services, [delivery_id], status=status, errcode=code, errmsg=str(error.errmsg),
              channel="none" if status == "failed" else "next_reply", batch_key=None)
        return
    except Exception as error:
        _mark(services, [delivery_id], status="failed", errmsg=f"network: {type(error).__name__}")
        return
    _mark(services, [delivery_id], status="sent", channel="custom", sent_at=planner.utc_now())


def _send_template(services, api, delivery_id: int, openid: str, text: str) -> None:
    template = planner.template_id(services.settings, "broadcast")
    body = template_body(openid, template, "", text, f"bc{delivery_id}")
    try:
        api.post("message/template/send", data=body)
    except WeChatClientException as error:
        _mark(services, [delivery_id], status="deferred", channel="next_reply",
              errcode=error.errcode, errmsg=str(error.errmsg))
        return
    _mark(services, [delivery_id], status="sent", channel="template", sent_at=planner.utc_now())


def _send_mass_group(services, api, broadcast_id: int, group: list, text: str) -> None:
    for start in range(0, len(group), MASS_MAX):
        chunk = group[start:start + MASS_MAX]
        key = f"bc{broadcast_id}-{chunk[0][0]}"  # the first delivery id: stable across retries
        ids = [delivery_id for delivery_id, _ in chunk]
        _mark(services, ids, batch_key=key, channel="mass", attempts=1)
        _send_mass(services, api, key, ids, [openid for _, openid in chunk], text)


def _mass_call(services, api, key: str, openids: list, text: str) -> dict:
    """One mass send: by openid list on a service account, by a temporary tag otherwise."""
    if services.settings["WECHAT_ACCOUNT_TYPE"] != "service":
        return send_to_tagged(api, key, openids, text)
    return api.post("message/mass/send", data={
        "touser": openids, "msgtype": "text", "text": {"content": text},
        "clientmsgid": key, "send_ignore_reprint": 0})


def _send_mass(services, api, key: str, ids: list, openids: list, text: str) -> None:
    for attempt in range(3):
        _wait_for_mass_slot(services)
        try:
            answer = _mass_call(services, api, key, openids, text)
            log.info("mass batch %s (%s openids): msg_id %s", key, len(ids), answer.get("msg_id"))
            break
        except WeChatClientException as error:
            if error.errcode == 45065:  # this clientmsgid already went: nothing is resent
                log.info("mass batch %s already sent earlier", key)
                break
            if error.errcode == 45009 and attempt < 2:
                time.sleep(_seconds_to_next_minute())
                continue
            if error.errcode in NO_MASS_NOW:
                _mark(services, ids, status="deferred", channel="next_reply", batch_key=None,
                      errcode=error.errcode, errmsg=str(error.errmsg))
                return
            raise TransientDeliveryError(f"mass send errcode {error.errcode}") from error
    _mark(services, ids, status="sent", sent_at=planner.utc_now())


def _wait_for_mass_slot(services) -> None:
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


def _mark(services, ids: list, **values) -> None:
    if not ids:
        return
    with session_scope(services.db) as session:
        for start in range(0, len(ids), MASS_MAX):
            session.execute(update(Delivery).where(
                among(session, Delivery.id, ids[start:start + MASS_MAX])).values(**values),
                execution_options={"synchronize_session": False})
    if values.get("status") == "deferred":
        note_deferred_ids(services, ids)


def _refresh(services, broadcast_id: int) -> None:
    with session_scope(services.db) as session:
        refresh_counters(session, session.get(Broadcast, broadcast_id))


def _finish(services, broadcast_id: int) -> dict:
    with session_scope(services.db) as session:
        broadcast = session.get(Broadcast, broadcast_id)
        refresh_counters(session, broadcast)
        broadcast.state, broadcast.finished_at = "done", planner.utc_now()
        report = {s: getattr(broadcast, s) for s in ("recipients", "sent", "failed",
                                                      "deferred", "skipped")}
    log.info("broadcast %s done: %s", broadcast_id, report)
    return report
