"""The one way to queue background work (bot.queueing): every kind names a real job function,
goes on the queue its urgency asks for, and a job id is queued at most once while it is live."""
import importlib
import inspect
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rq import Worker

from bot import queueing
from bot.queueing import HIGH, JOB_KINDS, LOW, JobKind, JobQueue

ROOT = Path(__file__).resolve().parent.parent
NOT_JOBS = {"__init__", "context", "worker"}  # the worker process and what it shares


def _resolve(path: str):
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def test_every_job_kind_names_a_function_in_jobs():
    for kind in JOB_KINDS:
        function = _resolve(kind.function)
        assert callable(function) and kind.function.startswith("jobs."), kind


def test_every_job_module_is_a_kind_of_the_table():
    named = {kind.function.split(".")[1] for kind in JOB_KINDS}
    modules = {path.stem for path in (ROOT / "jobs").glob("*.py")} - NOT_JOBS
    assert modules == named


def test_job_functions_are_thin_and_take_ids():
    for kind in JOB_KINDS:
        function = _resolve(kind.function)
        lines = inspect.getsource(function).count("\n")
        assert lines <= 8, f"{kind.function} has {lines} lines: its work belongs in bot/"
        for parameter in inspect.signature(function).parameters.values():
            assert parameter.annotation in (int, str), (kind.function, parameter)


def test_urgency_chooses_the_queue():
    assert {kind.queue for kind in (queueing.FETCH_CHAT_VIDEO, queueing.VALIDATE_VIDEO,
                                    queueing.TELL_SCREENING)} == {HIGH}
    assert {kind.queue for kind in (queueing.SEND_BROADCAST, queueing.SEND_NOTICE,
                                    queueing.TELL_RESULTS, queueing.CLEAN_MEDIA,
                                    queueing.FILL_FOLLOW_TIMES)} == {LOW}


TALLY = JobKind("tests.test_queueing.tally", LOW)


def tally(key: str) -> int:
    """A job for the tests: counts its runs in Redis."""
    from redis import Redis

    from tests.conftest import TEST_REDIS_URL

    return Redis.from_url(TEST_REDIS_URL).incr(key)


def test_a_live_job_id_is_queued_once_and_a_finished_one_is_replaced(redis_client):
    jobs = JobQueue(redis_client)
    assert jobs.enqueue(TALLY, "test:runs", job_id="tally-1")
    assert not jobs.enqueue(TALLY, "test:runs", job_id="tally-1")  # waiting: not twice
    assert jobs.queue(TALLY).count == 1
    Worker(list(jobs.queues.values()), connection=redis_client).work(burst=True)
    assert int(redis_client.get("test:runs")) == 1
    assert jobs.enqueue(TALLY, "test:runs", job_id="tally-1")  # finished: runs again
    Worker(list(jobs.queues.values()), connection=redis_client).work(burst=True)
    assert int(redis_client.get("test:runs")) == 2


def test_a_scheduled_job_is_planned_once_and_can_be_cancelled(redis_client):
    jobs = JobQueue(redis_client)
    at = datetime.now(UTC) + timedelta(hours=1)
    assert jobs.enqueue_at(TALLY, at, "test:later", job_id="tally-later")
    assert not jobs.enqueue_at(TALLY, at + timedelta(minutes=5), "test:later",
                               job_id="tally-later")
    assert jobs.scheduled(TALLY).get_job_ids() == ["tally-later"]
    jobs.cancel(TALLY, "tally-later")
    assert jobs.scheduled(TALLY).get_job_ids() == []
    assert jobs.enqueue_at(TALLY, at, "test:later", job_id="tally-later")
