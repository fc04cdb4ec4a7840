"""The notice schedule: one scheduled SEND_NOTICE job per notice of the contest YAML, re-planned
safely.

`plan_schedule(services)` runs at worker start and from the CLI. Each notice gets the job id
"notice-<contest>-<notice id>", due at the real instant that matches its contest-local time on
the contest clock: run_at = real now + (due - contest now), so with CONTEST_NOW a rehearsal's
notices come at the rehearsal's pace. A job already scheduled within TOLERANCE of that instant is
kept; one at another time (the YAML changed) is cancelled and made again; a job whose notice left
the YAML is cancelled. A notice already due is not sent retroactively (a log line says so): a
notice's broadcast is made at most once anyway (bot.delivery.notices). RQ's scheduler (the worker runs
with with_scheduler=True) moves due jobs to the queue.
"""
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from rq.exceptions import NoSuchJobError
from rq.registry import ScheduledJobRegistry

from bot.queueing import SEND_NOTICE

if TYPE_CHECKING:  # annotations only
    from bot.services import Services

log = logging.getLogger(__name__)

TOLERANCE = timedelta(seconds=90)  # processes start their contest clocks a little apart


def notice_job_id(contest_id: str, notice_id: str) -> str:
    """The deterministic job id of a notice."""
    return f"notice-{contest_id}-{notice_id}"


def real_instant(due: datetime, contest_now: datetime, real_now: datetime) -> datetime:
    """The real UTC instant at which the contest clock will read `due`."""
    return (real_now + (due - contest_now)).astimezone(UTC)


def plan_schedule(services: "Services") -> dict[str, list[str]]:
    """Schedule every future notice once; returns {'scheduled','kept','past','cancelled'}."""
    registry = services.jobs.scheduled(SEND_NOTICE)
    contest, contest_now = services.contest, services.now()
    real_now = datetime.now(UTC)
    report: dict[str, list[str]] = {"scheduled": [], "kept": [], "past": [], "cancelled": []}
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
        services.jobs.cancel(SEND_NOTICE, job_id)
        services.jobs.enqueue_at(SEND_NOTICE, run_at, contest.id, notice.id, job_id=job_id,
                                 meta={"due": due.isoformat()})
        report["scheduled"].append(job_id)
    prefix = notice_job_id(contest.id, "")
    for job_id in registry.get_job_ids():
        if job_id.startswith(prefix) and job_id not in wanted:
            services.jobs.cancel(SEND_NOTICE, job_id)
            report["cancelled"].append(job_id)
    log.info("schedule of %s: %s", contest.id, {k: len(v) for k, v in report.items()})
    return report


def _scheduled_near(registry: ScheduledJobRegistry, job_id: str, run_at: datetime) -> bool:
    try:
        when = registry.get_scheduled_time(job_id)
    except NoSuchJobError:
        return False
    return abs(when.replace(tzinfo=UTC) - run_at) <= TOLERANCE


def scheduled_notices(services: "Services") -> list[dict]:
    """The notice jobs now scheduled, with their real run time, for the console and tests."""
    registry = services.jobs.scheduled(SEND_NOTICE)
    prefix = notice_job_id(services.contest.id, "")
    return sorted(({"job_id": job_id, "run_at": registry.get_scheduled_time(job_id)}
                   for job_id in registry.get_job_ids() if job_id.startswith(prefix)),
                  key=lambda item: item["run_at"])
