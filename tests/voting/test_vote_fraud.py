"""Suspicious voting made visible: bursts, follow-then-vote, one address; thresholds from YAML."""
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from bot import voting as votes
from bot.contest import load_contest
from bot.db import session_scope
from bot.entrants import record_follow
from bot.voting import fraud as vote_fraud
from tests.voting_helpers import add_entries, contest_yaml

T0 = datetime.fromisoformat("2020-08-03T10:00:00+08:00")


@pytest.fixture
def world(db_factory):
    services = SimpleNamespace(db=db_factory, contest=load_contest("jiangmen-2020"))
    services.ids = add_entries(services)
    return services


def _vote(world, openid, code, at, followed_at=None, ip=None, channel="chat"):
    with session_scope(world.db) as session:
        record_follow(session, openid, followed_at or at - timedelta(days=3))
        outcome = votes.cast_vote(session, world.contest, openid, code, at, channel,
                                  client_ip=ip, user_agent="MicroMessenger" if ip else None)
    assert outcome.status == votes.RECORDED, outcome.status
    return outcome.vote_id


def _signals(world, finder, contest=None):
    with session_scope(world.db) as session:
        return finder(session, contest or world.contest)


def test_thirty_votes_within_a_minute_are_a_burst_twenty_nine_are_not(world):
    burst = [_vote(world, f"oBot{n}", "101", T0 + timedelta(seconds=2 * n)) for n in range(30)]
    for n in range(29):  # 102: 29 votes in 56 s, under the threshold of 30
        _vote(world, f"oFan{n}", "102", T0 + timedelta(seconds=2 * n))
    for n in range(40):  # 101 also gets steady votes later, one every 5 minutes: not a burst
        _vote(world, f"oSlow{n}", "101", T0 + timedelta(hours=1, minutes=5 * n))
    [signal] = _signals(world, vote_fraud.burst_signals)
    assert (signal.kind, signal.entry_code, signal.entry_title) == ("burst", "101", "匠心侨都")
    assert signal.vote_ids == burst
    assert signal.detail["count"] == 30 and signal.detail["seconds"] == 58
    assert signal.detail["window_s"] == 60 and signal.detail["threshold"] == 30


def test_two_separate_bursts_are_two_signals(world):
    first = [_vote(world, f"oA{n}", "101", T0 + timedelta(seconds=n)) for n in range(30)]
    second = [_vote(world, f"oB{n}", "101", T0 + timedelta(hours=2, seconds=n))
              for n in range(35)]
    signals = _signals(world, vote_fraud.burst_signals)
    assert sorted(len(s.votes) for s in signals) == [30, 35]
    assert {tuple(s.vote_ids) for s in signals} == {tuple(first), tuple(second)}


def test_votes_soon_after_following_are_flagged(world):
    quick = _vote(world, "oNew", "102", T0, followed_at=T0 - timedelta(seconds=90))
    _vote(world, "oEdge", "102", T0 + timedelta(minutes=1),
          followed_at=T0 - timedelta(minutes=1))  # exactly 2 minutes: not "less than"
    _vote(world, "oOld", "102", T0 + timedelta(minutes=2))
    [signal] = _signals(world, vote_fraud.quick_follow_signals)
    assert signal.kind == "quick_follow" and signal.entry_code == "102"
    assert signal.vote_ids == [quick]
    assert signal.detail == {"count": 1, "of": 3, "minutes": 2}
    assert signal.votes[0].voter_followed_at == T0 - timedelta(seconds=90)


def test_many_page_votes_from_one_address_are_flagged(world):
    same = [_vote(world, f"oNat{n}", "101", T0 + timedelta(minutes=n), ip="198.51.100.4",
                  channel="page") for n in range(20)]
    for n in range(19):
        _vote(world, f"oCafe{n}", "102", T0 + timedelta(minutes=n), ip="198.51.100.9",
              channel="page")
    for n in range(25):  # chat votes carry no address
        _vote(world, f"oChat{n}", "102", T0 + timedelta(minutes=n))
    [signal] = _signals(world, vote_fraud.address_signals)
    assert signal.kind == "address" and signal.entry_code == "101"
    assert signal.vote_ids == same
    assert signal.detail == {"address": "198.51.100.4", "count": 20, "threshold": 20}


def test_thresholds_come_from_the_contest_yaml(world, tmp_path):
    strict = load_contest(contest_yaml(tmp_path, fraud={
        "burst_window_s": 10, "burst_count": 3, "follow_then_vote_minutes": 60,
        "votes_per_address": 2}))
    for n in range(3):
        _vote(world, f"oX{n}", "101", T0 + timedelta(seconds=n), ip="192.0.2.1",
              followed_at=T0 - timedelta(minutes=30), channel="page")
    assert _signals(world, vote_fraud.burst_signals) == []
    assert _signals(world, vote_fraud.address_signals) == []
    assert _signals(world, vote_fraud.quick_follow_signals) == []
    report = _signals(world, vote_fraud.fraud_report, contest=strict)
    kinds = sorted(signal.kind for signal in report[world.ids["101"]])
    assert kinds == ["address", "burst", "quick_follow"]
    assert all(len(signal.votes) == 3 for signal in report[world.ids["101"]])


def test_invalidated_votes_leave_the_signals_unless_asked_for(world, tmp_path):
    strict = load_contest(contest_yaml(tmp_path, fraud={"burst_window_s": 10, "burst_count": 3}))
    ids = [_vote(world, f"oY{n}", "101", T0 + timedelta(seconds=n)) for n in range(3)]
    with session_scope(world.db) as session:
        votes.invalidate_vote(session, ids[0], "console:organizer", "刷票", T0)
    assert _signals(world, vote_fraud.burst_signals, contest=strict) == []
    with session_scope(world.db) as session:
        [signal] = vote_fraud.burst_signals(session, strict, include_invalidated=True)
    assert signal.vote_ids == ids


def test_a_contest_without_voting_has_no_signals(db_factory):
    contest = load_contest("gansu-2023")
    with session_scope(db_factory) as session:
        assert vote_fraud.fraud_report(session, contest) == {}
