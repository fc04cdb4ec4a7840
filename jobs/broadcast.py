"""RQ job: fan out one confirmed broadcast (bot.delivery.fanout), retried without doubling anything."""
import logging

from rq import Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from jobs.context import job_services

log = logging.getLogger(__name__)

# A run killed mid-way holds the broadcast until its lease runs out (bot.delivery.fanout.LEASE_SECONDS):
# the later retries come after that.
RETRY = Retry(max=4, interval=[10, 60, 300, 600])
JOB_TIMEOUT = 6 * 3600  # 100,000 recipients take minutes; the lock and retries cover the rest


def broadcast_job_id(broadcast_id: int) -> str:
    """The one job id of a broadcast's fan-out."""
    return f"broadcast-{broadcast_id}"


LIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def enqueue_once(queue, func, *args, job_id: str, **options) -> bool:
    """Queue a job unless one with this id is waiting or running; a finished one is replaced."""
    try:
        job = Job.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        job = None
    if job is not None and job.get_status(refresh=True) in LIVE:
        log.info("job %s already queued or running", job_id)
        return False
    if job is not None:
        job.delete()
    try:
        queue.enqueue(func, *args, job_id=job_id, unique=True, **options)
    except DuplicateJobError:
        log.info("job %s already queued", job_id)
        return False
    return True


def queue_broadcast(queue, broadcast_id: int) -> bool:
    """Queue the fan-out unless it is already waiting or running."""
    return enqueue_once(queue, send_broadcast, broadcast_id,
                        job_id=broadcast_job_id(broadcast_id), retry=RETRY,
                        job_timeout=JOB_TIMEOUT)


def send_broadcast(broadcast_id: int) -> dict:
    """Send every pending recipient of the broadcast; returns the final counters."""
    from bot.delivery.fanout import fan_out
    from bot.wechat.client import make_api

    services = job_services()
    return fan_out(services, make_api(services), broadcast_id)
