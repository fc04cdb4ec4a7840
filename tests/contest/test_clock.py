"""The contest clock: real time, or CONTEST_NOW running forward in real time."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.contest import load_contest
from bot.contest.clock import ContestClock, clock_from_settings, parse_contest_now

SHANGHAI = ZoneInfo("Asia/Shanghai")


class FakeTime:
    """A real_time() whose seconds the test moves by hand."""

    def __init__(self, start=1_600_000_000.0):
        self.value = start

    def __call__(self):
        return self.value


def test_without_contest_now_the_clock_is_real_time_in_the_contest_zone():
    fake = FakeTime(0.0)
    clock = ContestClock("Asia/Shanghai", None, real_time=fake)
    assert clock.now() == datetime(1970, 1, 1, 8, 0, tzinfo=SHANGHAI)
    assert clock.now().tzinfo == SHANGHAI
    assert not clock.rehearsal
    assert ContestClock(start_at="", real_time=fake).now() == clock.now()


def test_contest_now_starts_there_and_runs_forward():
    fake = FakeTime()
    clock = ContestClock("Asia/Shanghai", "2020-07-15T23:59:00", real_time=fake)
    assert clock.now() == datetime(2020, 7, 15, 23, 59, tzinfo=SHANGHAI)
    fake.value += 60
    assert clock.now() == datetime(2020, 7, 16, 0, 0, tzinfo=SHANGHAI)
    assert clock.rehearsal


def test_rehearsal_crosses_the_jiangmen_deadline():
    contest = load_contest("jiangmen-2020")
    fake = FakeTime()
    clock = ContestClock(contest.timezone, "2020-07-15 23:59:59", real_time=fake)
    assert contest.phase_at(clock.now()).id == "collection"
    fake.value += 1
    assert contest.phase_at(clock.now()).id == "screening"


def test_contest_now_with_an_offset_is_converted_to_the_contest_zone():
    clock = ContestClock("Asia/Shanghai", "2020-08-01T00:00:00+00:00", real_time=FakeTime())
    assert clock.now() == datetime(2020, 8, 1, 8, 0, tzinfo=SHANGHAI)
    assert clock.now().utcoffset().total_seconds() == 8 * 3600
    utc = ContestClock("Asia/Shanghai", "2020-07-31T16:00:00Z", real_time=FakeTime())
    assert utc.now() == datetime(2020, 8, 1, 0, 0, tzinfo=SHANGHAI)


def test_naive_contest_now_means_the_contest_zone():
    clock = ContestClock("Europe/Berlin", "2020-08-01 09:30", real_time=FakeTime())
    assert clock.now() == datetime(2020, 8, 1, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))


def test_date_only_contest_now_is_midnight():
    clock = ContestClock(start_at="2020-08-01", real_time=FakeTime())
    assert clock.now() == datetime(2020, 8, 1, 0, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("value", ["tomorrow", "2020-13-01T00:00:00", "2020/08/01 09:00",
                                   "2020-08-01T25:00"])
def test_invalid_contest_now_is_a_clear_value_error(value):
    with pytest.raises(ValueError, match="CONTEST_NOW must be an ISO 8601 local time"):
        ContestClock("Asia/Shanghai", value)


def test_unknown_time_zone_is_a_value_error():
    with pytest.raises(ValueError, match="unknown time zone"):
        ContestClock("Asia/Nowhere")


def test_jump_and_advance_keep_running_forward():
    fake = FakeTime()
    clock = ContestClock(real_time=fake)
    clock.jump_to("2020-08-10T23:59:00")
    fake.value += 30
    assert clock.now() == datetime(2020, 8, 10, 23, 59, 30, tzinfo=SHANGHAI)
    clock.advance(3600)
    assert clock.now() == datetime(2020, 8, 11, 0, 59, 30, tzinfo=SHANGHAI)


def test_clock_from_settings_uses_contest_now_and_the_contest_zone():
    contest = load_contest("jiangmen-2020")
    clock = clock_from_settings({"CONTEST_NOW": "2020-08-01T09:00:00"}, contest)
    assert contest.phase_at(clock.now()).id == "voting"
    assert clock.tz == SHANGHAI
    assert not clock_from_settings({"CONTEST_NOW": ""}, contest).rehearsal
    with pytest.raises(ValueError, match="CONTEST_NOW='yesterday'"):
        clock_from_settings({"CONTEST_NOW": "yesterday"}, contest)


def test_parse_contest_now_returns_aware_datetimes():
    parsed = parse_contest_now("2020-08-01T09:00:00.250")
    assert parsed.tzinfo is not None and parsed.microsecond == 250000
