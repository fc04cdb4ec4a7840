"""`python -m jobs.worker`: an RQ worker with RQ's scheduler, on the product's Redis."""
import logging
import sys
from datetime import timedelta

from rq import Worker

from bot.delivery.schedule import plan_schedule
from bot.video.cleanup import plan_cleanup
from config.settings import InsecureSettings, load_settings, require_secrets
from jobs.context import job_services

log = logging.getLogger(__name__)


def run_worker(burst: bool = False) -> bool:
    """Work the queues (with the scheduler for timed jobs) until stopped, or until empty in burst."""
    settings = load_settings()
    try:
        require_secrets(settings)
    except InsecureSettings as error:
        print(f"contestbot worker: {error}", file=sys.stderr, flush=True)
        sys.exit(2)
    logging.basicConfig(level=settings["LOG_LEVEL"],
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    services = job_services()
    plan_notices(services)
    plan_media_cleanup(services)
    worker = Worker(list(services.jobs.queues.values()), connection=services.redis)
    return worker.work(burst=burst, with_scheduler=True)


def plan_notices(services) -> None:
    """(Re-)plan the contest's scheduled notices on RQ's scheduler; a failure is logged, not fatal."""
    try:
        plan_schedule(services)
    except Exception:  # a broken schedule must not keep the worker from taking jobs
        log.exception("planning the notice schedule failed")


def plan_media_cleanup(services) -> None:
    """Plan the media cleanup's first run a minute from now (kept if already planned)."""
    try:
        plan_cleanup(services, services.contest.id, delay=timedelta(minutes=1))
    except Exception:  # like the notices: a failure here must not keep the worker from working
        log.exception("planning the media cleanup failed")


if __name__ == "__main__":
    run_worker(burst="--burst" in sys.argv[1:])
