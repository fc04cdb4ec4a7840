"""Broadcasts: compose (draft with its audience size), confirm (recipients fixed), then a job
fans out (bot.delivery.fanout); progress and a per-recipient record for the organizer.

The API the console and the admin chat commands call:
create_broadcast -> preview -> confirm_broadcast (or cancel_broadcast); progress; recipients.
Each recipient is a Delivery row (unique per broadcast and openid, key "bc:<id>:<openid>"), made
when the broadcast is confirmed: from then on every recipient ends sent, failed, skipped (with the
reason) or deferred to the reply to their next message.
"""
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, case, func, literal, select, true, update
from sqlalchemy.orm import Session

from bot import audit
from bot.contest import Contest
from bot.db import session_scope
from bot.delivery.audiences import audience_query, audience_size
from bot.delivery.deferred import note_deferred_ids
from bot.models import Broadcast, Delivery, utc_now
from bot.queueing import SEND_BROADCAST
from bot.sqlbits import among, dialect_insert

if TYPE_CHECKING:  # annotations only
    from bot.services import Services

log = logging.getLogger(__name__)

COUNTED = ("sent", "failed", "deferred", "skipped")


def broadcast_job_id(broadcast_id: int) -> str:
    """The one job id of a broadcast's fan-out."""
    return f"broadcast-{broadcast_id}"


def create_broadcast(services: "Services", *, audience: str, text: str, created_by: str,
                     purpose: str = "broadcast", notice_key: str | None = None) -> int:
    """A draft broadcast; nothing is sent until it is confirmed. Returns its id."""
    text = (text or "").strip()
    if not text:
        raise ValueError("a broadcast needs a text")
    with session_scope(services.db) as session:
        audience_query(services.contest, audience)  # refuses an unknown audience
        broadcast = Broadcast(contest_id=services.contest.id, audience=audience, text=text,
                              purpose=purpose, notice_key=notice_key, created_by=created_by,
                              state="draft", recipients=0, sent=0, failed=0, deferred=0,
                              skipped=0, created_at=utc_now())
        session.add(broadcast)
        session.flush()
        audit.record(session, created_by, "broadcast.create", "broadcast", broadcast.id,
                     utc_now(), audience=audience)
        return broadcast.id


def preview(services: "Services", broadcast_id: int) -> dict:
    """What would go out: the text, the audience and its size (and how many follow)."""
    with session_scope(services.db) as session:
        broadcast = session.get(Broadcast, broadcast_id)
        return {"id": broadcast.id, "audience": broadcast.audience, "text": broadcast.text,
                "state": broadcast.state,
                "size": audience_size(session, services.contest, broadcast.audience)}


def confirm_broadcast(services: "Services", broadcast_id: int, actor: str,
                      enqueue: bool = True) -> dict:
    """Fix the recipients (once) and queue the fan-out; a second confirm changes nothing."""
    with session_scope(services.db) as session:
        broadcast = session.scalars(select(Broadcast).where(Broadcast.id == broadcast_id)
                                    .with_for_update()).one()
        if broadcast.state == "cancelled":
            raise ValueError(f"broadcast {broadcast_id} was cancelled")
        if broadcast.state == "draft":
            _snapshot(session, services.contest, broadcast)
            broadcast.state, broadcast.confirmed_at = "confirmed", utc_now()
            audit.record(session, actor, "broadcast.confirm", "broadcast", broadcast.id,
                         utc_now(), recipients=broadcast.recipients)
        state = broadcast.state
    if enqueue and state in ("confirmed", "sending"):
        services.jobs.enqueue(SEND_BROADCAST, broadcast_id, job_id=broadcast_job_id(broadcast_id))
    return progress(services, broadcast_id)


def _snapshot(session: Session, contest: Contest, broadcast: Broadcast) -> None:
    """One Delivery per audience member, written by one INSERT ... SELECT from the audience
    query: pending, or skipped when they do not follow."""
    members = audience_query(contest, broadcast.audience).subquery()
    following = members.c.subscribed.is_(True)
    rows = select(
        literal(contest.id), members.c.openid, literal(f"{broadcast.purpose}:{broadcast.id}"),
        case((following, "custom"), else_="none"), case((following, "pending"), else_="skipped"),
        case((following, None), else_="not following"),
        literal({}, type_=JSON),  # the text is the broadcast's, kept once
        literal(f"bc:{broadcast.id}:") + members.c.openid, literal(0), literal(utc_now()),
        literal(broadcast.id)).where(true())  # SQLite: a WHERE before ON CONFLICT parses
    columns = ["contest_id", "openid", "purpose", "channel", "status", "errmsg", "payload",
               "idempotency_key", "attempts", "created_at", "broadcast_id"]
    session.execute(dialect_insert(session, Delivery).from_select(columns, rows)
                    .on_conflict_do_nothing(index_elements=["broadcast_id", "openid"]))
    broadcast.recipients = session.scalar(select(func.count()).where(
        Delivery.broadcast_id == broadcast.id))
    refresh_counters(session, broadcast)


def cancel_broadcast(services: "Services", broadcast_id: int, actor: str) -> bool:
    """Drop a draft; a confirmed broadcast cannot be called back. True if it was cancelled."""
    with session_scope(services.db) as session:
        done: bool = session.execute(update(Broadcast).where(
            Broadcast.id == broadcast_id, Broadcast.state == "draft")
            .values(state="cancelled")).rowcount == 1
        if done:
            audit.record(session, actor, "broadcast.cancel", "broadcast", broadcast_id,
                         utc_now())
        return done


def refresh_counters(session: Session, broadcast: Broadcast) -> None:
    """Recount sent/failed/deferred/skipped from the recipients' Delivery rows."""
    counts = dict(session.execute(select(Delivery.status, func.count()).where(
        Delivery.broadcast_id == broadcast.id).group_by(Delivery.status)).tuples().all())
    for status in COUNTED:
        setattr(broadcast, status, counts.get(status, 0))


def mark_recipients(services: "Services", ids: list[int], chunk: int = 10000,
                    **values: Any) -> None:
    """Set these columns on these Delivery rows, in one UPDATE per chunk of ids."""
    if not ids:
        return
    with session_scope(services.db) as session:
        update_recipients(session, ids, chunk, **values)
    if values.get("status") == "deferred":
        note_deferred_ids(services, ids)


def update_recipients(session: Session, ids: list[int], chunk: int = 10000,
                      **values: Any) -> None:
    """The UPDATEs of mark_recipients, inside the caller's transaction."""
    for start in range(0, len(ids), chunk):
        session.execute(update(Delivery).where(
            among(session, Delivery.id, ids[start:start + chunk])).values(**values),
            execution_options={"synchronize_session": False})


def progress(services: "Services", broadcast_id: int) -> dict:
    """Counters, what is still pending, and the split by channel: the organizer's report."""
    with session_scope(services.db) as session:
        broadcast = session.get(Broadcast, broadcast_id)
        if broadcast.state != "draft":
            refresh_counters(session, broadcast)
        by_channel = {f"{channel}:{status}": count for channel, status, count in session.execute(
            select(Delivery.channel, Delivery.status, func.count())
            .where(Delivery.broadcast_id == broadcast_id)
            .group_by(Delivery.channel, Delivery.status))}
        counts = {status: getattr(broadcast, status) for status in COUNTED}
        return {"id": broadcast.id, "state": broadcast.state, "audience": broadcast.audience,
                "text": broadcast.text, "recipients": broadcast.recipients, **counts,
                "pending": broadcast.recipients - sum(counts.values()),
                "by_channel": by_channel, "confirmed_at": broadcast.confirmed_at,
                "finished_at": broadcast.finished_at}


def recipients(services: "Services", broadcast_id: int, status: str | None = None, limit: int = 100,
               offset: int = 0) -> list[dict]:
    """What happened to each recipient: channel, status, the platform's errcode and reason."""
    query = select(Delivery).where(Delivery.broadcast_id == broadcast_id)
    if status:
        query = query.where(Delivery.status == status)
    with session_scope(services.db) as session:
        return [{"openid": d.openid, "channel": d.channel, "status": d.status,
                 "errcode": d.errcode, "errmsg": d.errmsg, "batch": d.batch_key,
                 "sent_at": d.sent_at}
                for d in session.scalars(query.order_by(Delivery.id).limit(limit).offset(offset))]
