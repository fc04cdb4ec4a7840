"""Sending one confirmed broadcast to its recipients, in batches, within WeChat's quotas.

Each round takes up to MASS_MAX pending recipients and lets bot.delivery.planner choose per recipient:
customer-service while the window allows (bot.delivery.fanout_single: side by side, settled in bulk),
mass send (bot.delivery.fanout_mass: by openid list on service accounts within each user's 4 a month, by
a temporary tag on subscription accounts), a template message if one is configured for
broadcasts, else the reply to their next message. Whatever a crash interrupts is either re-sent
under the same clientmsgid (a mass batch: WeChat answers 45065 if it went) or recorded failed
as "interrupted" (a customer-service send, which has no such key): nothing is sent twice.
"""
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import update

from bot.db import session_scope
from bot.delivery import planner
from bot.delivery.broadcasts import mark_recipients, refresh_counters
from bot.delivery.fanout_mass import MASS_MAX, resend_open_batch, send_mass_group
from bot.delivery.fanout_single import CUSTOM_CLAIM, send_one_by_one
from bot.models import Broadcast, Delivery, utc_now
from bot.wechat.client import WeChatApi

if TYPE_CHECKING:  # annotations only
    from bot.services import Services

log = logging.getLogger(__name__)

# One run at a time per broadcast. The lock is a lease renewed before every chunk of sends, so a
# run killed mid-way (SIGKILL, a lost machine) frees the broadcast for the job's retry in minutes.
LEASE_SECONDS = 300
COUNTERS_EVERY_SECONDS = 2  # the broadcast list's counters; progress() always counts afresh


def fan_out(services: "Services", api: WeChatApi, broadcast_id: int, batch: int = MASS_MAX) -> dict:
    """Send every pending recipient once; returns the final counters."""
    lease = services.redis.lock(f"lock:broadcast:{broadcast_id}", timeout=LEASE_SECONDS,
                                blocking_timeout=5)
    with lease:
        text = _start(services, broadcast_id)
        _settle_interrupted(services, broadcast_id)
        resend_open_batch(services, api, broadcast_id, text)
        counted = time.monotonic()
        while _round(services, api, broadcast_id, text, batch, lease.reacquire):
            if time.monotonic() - counted >= COUNTERS_EVERY_SECONDS:
                _refresh(services, broadcast_id)
                counted = time.monotonic()
        return _finish(services, broadcast_id)


def _start(services: "Services", broadcast_id: int) -> str:
    with session_scope(services.db) as session:
        broadcast: Broadcast = session.get(Broadcast, broadcast_id)
        if broadcast.state == "confirmed":
            broadcast.state = "sending"
        return broadcast.text


def _settle_interrupted(services: "Services", broadcast_id: int) -> None:
    """Custom sends claimed by a run that died: unknown whether they went, never resent."""
    with session_scope(services.db) as session:
        count = session.execute(update(Delivery).where(
            Delivery.broadcast_id == broadcast_id, Delivery.status == "pending",
            Delivery.batch_key == CUSTOM_CLAIM).values(
            status="failed", errmsg="interrupted during the send; not retried to avoid a double"
        )).rowcount
    if count:
        log.warning("broadcast %s: %s sends interrupted by an earlier run", broadcast_id, count)


def _round(services: "Services", api: WeChatApi, broadcast_id: int, text: str, batch: int,
           renew: Callable[[], object]) -> bool:
    """Plan and send one batch of pending recipients; False when none is left."""
    renew()
    with session_scope(services.db) as session:
        pending = planner.pending_reach(session, broadcast_id, utc_now(), batch)
    if not pending:
        return False
    plan = _plan(services, pending)
    send_one_by_one(services, api, plan["custom"], text, channel="custom", renew=renew)
    send_mass_group(services, api, broadcast_id, plan["mass"], text, renew=renew)
    send_one_by_one(services, api, plan["template"], text, channel="template", renew=renew,
                    template=planner.template_id(services.settings, "broadcast"))
    _mark(services, [i for i, _ in plan["deferred"]], status="deferred", channel="next_reply")
    _mark(services, [i for i, _ in plan["skipped"]], status="skipped", channel="none",
          errmsg="not following")
    return True


def _plan(services: "Services",
          pending: list[tuple[int, planner.Reach]]) -> dict[str, list[tuple[int, str]]]:
    account = services.settings["WECHAT_ACCOUNT_TYPE"]
    has_template = planner.template_id(services.settings, "broadcast") is not None
    plan: dict[str, list[tuple[int, str]]] = {"custom": [], "mass": [], "template": [],
                                              "deferred": [], "skipped": []}
    for delivery_id, reach in pending:
        channel = planner.choose(reach, account_type=account, has_template=has_template,
                                 bulk=True)
        plan[channel].append((delivery_id, reach.openid))
    if len(plan["mass"]) == 1:  # a list send needs two openids: the one left waits
        plan["template" if has_template else "deferred"].append(plan["mass"].pop())
    return plan


def _mark(services: "Services", ids: list[int], **values: Any) -> None:
    mark_recipients(services, ids, chunk=MASS_MAX, **values)


def _refresh(services: "Services", broadcast_id: int) -> None:
    with session_scope(services.db) as session:
        refresh_counters(session, session.get(Broadcast, broadcast_id))


def _finish(services: "Services", broadcast_id: int) -> dict:
    with session_scope(services.db) as session:
        broadcast = session.get(Broadcast, broadcast_id)
        refresh_counters(session, broadcast)
        broadcast.state, broadcast.finished_at = "done", utc_now()
        report = {s: getattr(broadcast, s) for s in ("recipients", "sent", "failed",
                                                      "deferred", "skipped")}
    log.info("broadcast %s done: %s", broadcast_id, report)
    return report
