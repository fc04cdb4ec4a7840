"""The dashboard: the contest and its clock, entries by state, video failures, votes today,
the RQ queues and workers, and deliveries still waiting."""
import logging
from datetime import datetime, time, timedelta

from flask import render_template
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.registry import FailedJobRegistry, StartedJobRegistry
from sqlalchemy import func, select

from bot.console.blueprint import console, services, with_session
from bot.models import Delivery, Entry, MediaFile, ValidationResult, Vote
from bot.queueing import QUEUES

log = logging.getLogger(__name__)
WAITING_DELIVERIES = ("pending", "deferred", "failed")


def entry_counts(db, contest_id: str) -> dict[str, int]:
    """Confirmed entries per state."""
    rows = db.execute(select(Entry.state, func.count(Entry.id)).where(
        Entry.contest_id == contest_id, Entry.code.is_not(None)).group_by(Entry.state))
    return dict(rows.all())


def recent_failures(db, contest_id: str, limit: int = 10) -> list:
    """The latest refused or unreadable videos that are still their entry's current video."""
    return db.execute(
        select(Entry, ValidationResult)
        .join(MediaFile, MediaFile.id == Entry.current_media_file_id)
        .join(ValidationResult, ValidationResult.media_file_id == MediaFile.id)
        .where(Entry.contest_id == contest_id, ValidationResult.verdict != "pass")
        .order_by(ValidationResult.created_at.desc()).limit(limit)).all()


def day_bounds(contest, now: datetime) -> tuple[datetime, datetime]:
    """The start and end of the contest-local day containing `now`."""
    local = now.astimezone(contest.tz)
    start = datetime.combine(local.date(), time(0), tzinfo=contest.tz)
    return start, start + timedelta(days=1)


def votes_today(db, contest, now: datetime) -> int:
    """Votes cast today (contest-local day), invalidated ones included."""
    start, end = day_bounds(contest, now)
    return db.scalar(select(func.count(Vote.id)).where(
        Vote.contest_id == contest.id, Vote.cast_at >= start, Vote.cast_at < end))


def delivery_counts(db, contest_id: str) -> dict[str, int]:
    """Deliveries of this contest that have not gone out, per status."""
    return {status: db.scalar(select(func.count(Delivery.id)).where(  # one partial index each
        Delivery.contest_id == contest_id, Delivery.status == status))
        for status in WAITING_DELIVERIES}


def queue_health(connection) -> dict:
    """Per queue: waiting, running and failed jobs; the workers and their state."""
    try:
        queues = []
        for name in QUEUES:
            queue = Queue(name, connection=connection)
            queues.append({"name": name, "waiting": queue.count,
                           "running": StartedJobRegistry(queue=queue).count,
                           "failed": FailedJobRegistry(queue=queue).count})
        workers = [{"name": worker.name, "state": worker.get_state()}
                   for worker in Worker.all(connection=connection)]
        return {"ok": True, "queues": queues, "workers": workers}
    except RedisError as error:
        log.warning("dashboard: redis unreachable: %s", type(error).__name__)
        return {"ok": False, "queues": [], "workers": []}


@console.get("/dashboard")
@with_session
def dashboard(db):
    """The organizer's overview."""
    svc = services()
    contest, now = svc.contest, svc.now()
    return render_template(
        "console/dashboard.html", contest=contest, now=now,
        phase=contest.phase_at(now), next_phase=contest.next_phase(now),
        counts=entry_counts(db, contest.id), failures=recent_failures(db, contest.id),
        votes_today=votes_today(db, contest, now), deliveries=delivery_counts(db, contest.id),
        health=queue_health(svc.redis))
