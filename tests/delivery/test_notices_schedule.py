"""The phase schedule: one RQ scheduled job per notice, deterministic ids, re-planning that never
duplicates, times on the contest clock (CONTEST_NOW), and notice jobs that send once."""
from datetime import UTC, datetime, timedelta

from rq import Queue
from sqlalchemy import func, select

from bot.delivery.schedule import notice_job_id, plan_schedule, scheduled_notices
from bot.models import Broadcast
from bot.queueing import SEND_NOTICE


def _queue(stack) -> Queue:
    return stack.services.jobs.queue(SEND_NOTICE)


def test_shandong_2024_notices_and_slogans_are_scheduled_once_on_the_contest_clock(
        notice_stack):
    stack = notice_stack(contest="shandong-2024-quality-month", now="2024-09-01T09:00:00")
    report = plan_schedule(stack.services)
    assert report["past"] == [notice_job_id("shandong-2024-quality-month", "slogan_01")]
    assert len(report["scheduled"]) == 16 and not report["kept"]
    jobs = {item["job_id"]: item["run_at"] for item in scheduled_notices(stack.services)}
    assert len(jobs) == 16
    # month_opens is due 2024-09-01 10:00 local, one contest hour from now: one real hour.
    run_at = jobs["notice-shandong-2024-quality-month-month_opens"]
    expected = datetime.now(UTC) + timedelta(hours=1)
    assert abs(run_at - expected) < timedelta(seconds=5)
    slogan_12 = jobs["notice-shandong-2024-quality-month-slogan_12"]
    assert abs(slogan_12 - expected - timedelta(days=27, hours=-1, minutes=-30)) \
        < timedelta(seconds=5)

    again = plan_schedule(stack.services)
    assert len(again["kept"]) == 16 and not again["scheduled"]
    assert _queue(stack).scheduled_job_registry.count == 16


def test_a_changed_notice_time_is_replanned_and_a_removed_one_cancelled(notice_stack):
    stack = notice_stack(contest="jiangmen-2020", now="2020-06-01T09:00:00")
    first = plan_schedule(stack.services)
    assert len(first["scheduled"]) == 6
    contest = stack.services.contest
    notices = [n.model_copy(update={"hour": 15}) if n.id == "voting_open" else n
               for n in contest.notices if n.id != "voting_last_day"]
    stack.services.contest = contest.model_copy(update={"notices": notices})
    second = plan_schedule(stack.services)
    assert second["scheduled"] == [notice_job_id("jiangmen-2020", "voting_open")]
    assert second["cancelled"] == [notice_job_id("jiangmen-2020", "voting_last_day")]
    assert len(second["kept"]) == 4
    assert _queue(stack).scheduled_job_registry.count == 5


def test_past_notices_are_not_sent_retroactively(notice_stack, caplog):
    stack = notice_stack(contest="jiangmen-2020", now="2020-08-05T12:00:00")
    with caplog.at_level("INFO"):
        report = plan_schedule(stack.services)
    assert len(report["past"]) == 4
    assert sorted(report["scheduled"]) == [notice_job_id("jiangmen-2020", "results_published"),
                                           notice_job_id("jiangmen-2020", "voting_last_day")]
    assert "not sent retroactively" in caplog.text


def test_a_notice_job_run_twice_makes_one_broadcast_and_sends_once(notice_stack):
    stack = notice_stack(contest="jiangmen-2020", now="2020-07-31T09:00:00")
    stack.people(["oN1", "oN2", "oN3"])
    for _ in range(2):  # the same job id twice: a finished job is replaced, and runs again
        stack.services.jobs.enqueue(SEND_NOTICE, "jiangmen-2020", "voting_open",
                                    job_id=notice_job_id("jiangmen-2020", "voting_open"))
        stack.run_worker()
    with stack.services.db() as session:
        assert session.scalar(select(func.count()).select_from(Broadcast)) == 1
        broadcast = session.scalars(select(Broadcast)).one()
    assert broadcast.notice_key == "notice:jiangmen-2020:voting_open"
    assert broadcast.state == "done" and broadcast.sent == 3
    received = stack.received("oN1")
    assert len(received) == 1 and "网络投票开始" in received[0]["content"]
