"""The phase schedule: one RQ scheduled job per notice of the contest YAML, re-planned safely.

`plan_schedule(services)` runs at worker start and from the CLI. Each notice gets the job id
"notice-<contest>-<notice id>", due at the real instant that matches its contest-local time on
the contest clock: run_at = real now + (due - contest now), so with CONTEST_NOW a rehearsal's
notices come at the rehearsal's pace. A job already scheduled within TOLERANCE of that instant is
kept; one at another time (the YAML changed) is cancelled and made again; a job whose notice left
the YAML is cancelled. A notice already due is not sent retroactively (a log line says so): a
notice's broadcast is made at most once anyway (jobs.notify). RQ's scheduler (the worker runs
with with_scheduler=True) moves due jobs to the queue.
"""
import logging
from datetime import datetime, timedelta, UTC

from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job

from jobs.notify import send_notice

log = logging.getLogger(__name__)

TOLERANCE = timedelta(seconds=90)  # processes start their contest clocks a little apart
JOB_TIMEOUT = 6 * 3600


def notice_job_id(contest_id: str, notice_id: str) -> str:
    """The deterministic job id of a notice."""
    return f"notice-{contest_id}-{notice_id}"


def real_instant(due: datetime, contest_now: datetime, real_now: datetime) -> datetime:
    """The real UTC instant at which the contest clock will read `due`."""
    return (real_now + (due - contest_now)).astimezone(UTC)


def plan_schedule(services, queue: Queue | None = None) -> dict:
    """Schedule every future notice once; returns {'scheduled','kept','past','cancelled'}."""
    queue = queue or Queue("default", connection=services.redis)
    registry = queue.scheduled_job_registry
    contest, contest_now = services.contest, services.now()
    real_now = datetime.now(UTC)
    report = {"scheduled": [], "kept": [], "past": [], "cancelled": []}
    wanted = set()
    for due, notice in contest.scheduled_notices():
        job_id = notice_job_id(contest.id, notice.id)
        if due <= contest_now:
            log.info("notice %s was due %s (contest time): not sent retroactively",
                     job_id, due.isoformat())
            report["past"].append(job_id)
            continue
        wanted.add(job_id)
        run_at = real_instant(due, contest_now, real_now)
        if _scheduled_near(registry, job_id, run_at):
            report["kept"].append(job_id)
            continue
        _cancel(queue, registry, job_id)
        queue.enqueue_at(run_at, send_notice, contest.id, notice.id, job_id=job_id,
                         job_timeout=JOB_TIMEOUT, meta={"due": due.isoformat()})
        report["scheduled"].append(job_id)
    prefix = notice_job_id(contest.id, "")
    for job_id in registry.get_job_ids():
        if job_id.startswith(prefix) and job_id not in wanted:
            _cancel(queue, registry, job_id)
            report["cancelled"].append(job_id)
    log.info("schedule of %s: %s", contest.id, {k: len(v) for k, v in report.items()})
    return report


def _scheduled_near(registry, job_id: str, run_at: datetime) -> bool:
    try:
        when = registry.get_scheduled_time(job_id)
    except NoSuchJobError:
        return False
    return abs(when.replace(tzinfo=UTC) - run_at) <= TOLERANCE


def _cancel(queue: Queue, registry, job_id: str) -> None:
    registry.remove(job_id)
    try:
        Job.fetch(job_id, connection=queue.connection).delete(remove_from_queue=True)
    except NoSuchJobError:
        pass


def scheduled_notices(services, queue: Queue | None = None) -> list[dict]:
    """The notice jobs now scheduled, with their real run time, for the console and tests."""
    queue = queue or Queue("default", connection=services.redis)
    registry = queue.scheduled_job_registry
    prefix = notice_job_id(services.contest.id, "")
    return sorted(({"job_id": job_id, "run_at": registry.get_scheduled_time(job_id)}
                   for job_id in registry.get_job_ids() if job_id.startswith(prefix)),
                  key=lambda item: item["run_at"])
