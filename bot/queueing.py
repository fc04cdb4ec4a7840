"""The one way to start background work: every RQ job the product runs, and how it is queued.

bot/ names each job by the dotted path of its thin function in jobs/ (RQ imports it in the
worker), so code here starts a job without importing jobs/; tests/test_queueing.py checks that
every path resolves. A job goes on the queue its urgency asks for (the worker takes `high`
first): what answers a person's own action now on `high`, bulk sends and housekeeping on `low`.
Every job has a deterministic id, so a retried request or a re-run plan never queues the same
work twice.
"""
import logging
from dataclasses import dataclass
from datetime import datetime

import redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry

log = logging.getLogger(__name__)

HIGH, DEFAULT, LOW = "high", "default", "low"
QUEUES = (HIGH, DEFAULT, LOW)  # the worker listens on all three, most urgent first
LIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


@dataclass(frozen=True)
class JobKind:
    """One kind of background job: its function in jobs/, its queue, retries and time limit."""

    function: str
    queue: str
    retry: Retry | None = None
    timeout: int = 180
    result_ttl: int | None = None


FETCH_CHAT_VIDEO = JobKind("jobs.media.fetch_chat_video", HIGH, Retry(max=3, interval=[10, 30, 90]),
                           timeout=900)
VALIDATE_VIDEO = JobKind("jobs.validate.validate_media", HIGH,
                         Retry(max=3, interval=[10, 30, 90]), timeout=900)
TELL_SCREENING = JobKind("jobs.screening.push_screening_decision", HIGH,
                         Retry(max=3, interval=[10, 30, 90]))
PUBLISH_MENU = JobKind("jobs.menu.publish_menu", DEFAULT)
MENU_JOB_ID = "menu-publish"  # one menu: the account has one
# A broadcast run killed mid-way holds its lease (bot.delivery.fanout.LEASE_SECONDS) for 5
# minutes: the later retries come after that. 100,000 recipients take minutes.
SEND_BROADCAST = JobKind("jobs.broadcast.send_broadcast", LOW,
                         Retry(max=4, interval=[10, 60, 300, 600]), timeout=6 * 3600)
SEND_NOTICE = JobKind("jobs.notify.send_notice", LOW, timeout=6 * 3600)
TELL_RESULTS = JobKind("jobs.results.tell_results", LOW, Retry(max=3, interval=[10, 60, 300]),
                       timeout=6 * 3600)
FILL_FOLLOW_TIMES = JobKind("jobs.followers.fill_follow_times", LOW,
                            Retry(max=3, interval=[10, 60, 300]), result_ttl=0)
CLEAN_MEDIA = JobKind("jobs.cleanup.clean_media", LOW, timeout=3600)
# An attempt at its time limit: closed and its taker told (they wait for that answer).
QUIZ_TIMEOUT = JobKind("jobs.quiz.close_expired_attempt", HIGH,
                       Retry(max=3, interval=[5, 30, 90]))

JOB_KINDS = (FETCH_CHAT_VIDEO, VALIDATE_VIDEO, TELL_SCREENING, PUBLISH_MENU, SEND_BROADCAST,
             SEND_NOTICE, TELL_RESULTS, FILL_FOLLOW_TIMES, CLEAN_MEDIA, QUIZ_TIMEOUT)


class JobQueue:
    """Queues JobKinds on the product's Redis, each job id at most once while it is live."""

    def __init__(self, connection: redis.Redis):
        self.connection = connection
        self.queues = {name: Queue(name, connection=connection) for name in QUEUES}

    def queue(self, kind: JobKind) -> Queue:
        """The RQ queue a kind of job goes on."""
        return self.queues[kind.queue]

    def enqueue(self, kind: JobKind, *args, job_id: str, meta: dict | None = None) -> bool:
        """Run the job soon, unless one with this id is waiting, running or scheduled (a
        finished or failed one is replaced); True when queued now."""
        return self._once(kind, job_id, lambda queue: queue.enqueue(
            kind.function, *args, **self._options(kind, job_id, meta)))

    def enqueue_at(self, kind: JobKind, when: datetime, *args, job_id: str,
                   meta: dict | None = None, new_id: bool = False) -> bool:
        """Run the job at `when` (RQ's scheduler moves it to its queue), once, like enqueue.
        new_id: the id names a record made just now, so no job can hold it yet (one round trip
        saved; RQ's unique flag still refuses a duplicate)."""
        def put(queue: Queue) -> object:
            return queue.enqueue_at(when, kind.function, *args,
                                    **self._options(kind, job_id, meta))
        if new_id:
            try:
                put(self.queue(kind))
            except DuplicateJobError:
                return False
            return True
        return self._once(kind, job_id, put)

    def scheduled(self, kind: JobKind) -> ScheduledJobRegistry:
        """The registry of the kind's jobs waiting for their time."""
        return self.queue(kind).scheduled_job_registry

    def cancel(self, kind: JobKind, job_id: str) -> None:
        """Remove a waiting or scheduled job (nothing happens if there is none)."""
        self.scheduled(kind).remove(job_id)
        try:
            Job.fetch(job_id, connection=self.connection).delete(remove_from_queue=True)
        except NoSuchJobError:
            pass

    def _once(self, kind: JobKind, job_id: str, put) -> bool:
        try:
            job = Job.fetch(job_id, connection=self.connection)
        except NoSuchJobError:
            job = None
        if job is not None and job.get_status(refresh=True) in LIVE:
            log.info("job %s already queued or running", job_id)
            return False
        if job is not None:
            job.delete()
        try:
            put(self.queue(kind))
        except DuplicateJobError:  # another process queued it between the check and here
            log.info("job %s already queued", job_id)
            return False
        return True

    @staticmethod
    def _options(kind: JobKind, job_id: str, meta: dict | None) -> dict:
        options = {"job_id": job_id, "unique": True, "job_timeout": kind.timeout,
                   "retry": kind.retry, "meta": meta}
        if kind.result_ttl is not None:
            options["result_ttl"] = kind.result_ttl
        return options
