"""`python -m jobs.worker`: an RQ worker with RQ's scheduler, on the product's Redis."""
import logging
import sys

from rq import Queue, Worker

from bot.redis_conn import QUEUES, connect_redis
from config.settings import InsecureSettings, load_settings, require_secrets


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
    connection = connect_redis(settings["REDIS_URL"])
    queues = [Queue(name, connection=connection) for name in QUEUES]
    plan_notices(queues[1])
    plan_media_cleanup(queues[2])
    worker = Worker(queues, connection=connection)
    return worker.work(burst=burst, with_scheduler=True)


def plan_notices(queue) -> None:
    """(Re-)plan the contest's scheduled notices on RQ's scheduler; a failure is logged, not fatal."""
    from jobs.context import job_services
    from jobs.phases import plan_schedule

    try:
        plan_schedule(job_services(), queue)
    except Exception:  # a broken schedule must not keep the worker from taking jobs
        logging.getLogger(__name__).exception("planning the notice schedule failed")


def plan_media_cleanup(queue) -> None:
    """Plan the media cleanup's first run a minute from now (kept if already planned)."""
    from datetime import timedelta

    from jobs.cleanup import plan_cleanup
    from jobs.context import job_services

    try:
        plan_cleanup(queue, job_services().contest.id, delay=timedelta(minutes=1))
    except Exception:  # like the notices: a failure here must not keep the worker from working
        logging.getLogger(__name__).exception("planning the media cleanup failed")


if __name__ == "__main__":
    run_worker(burst="--burst" in sys.argv[1:])
