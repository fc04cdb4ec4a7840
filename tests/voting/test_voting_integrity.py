"""Numbers an organizer can defend: one vote per voter under concurrency, invalidation, counts."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import func, select

from bot import voting as votes
from bot.db import session_scope
from bot.models import AuditLog, Vote
from tests.voting_helpers import (
    add_entries,
    add_followers,
    contest_yaml,
    csrf_of,
    invalidations_in_db,
    login,
    oauth_bot,
    start_voting_bot,
    votes_in_db,
)

AT = datetime(2020, 8, 5, 3, tzinfo=UTC)


def _all_at_once(tasks, workers=None):
    """Run the callables together: they all wait at a barrier, then go."""
    barrier = threading.Barrier(len(tasks))

    def run(task):
        barrier.wait(timeout=30)
        return task()

    with ThreadPoolExecutor(max_workers=workers or len(tasks)) as pool:
        return list(pool.map(run, tasks))


def _cast(bot, openid, code, channel="chat", **extra):
    with session_scope(bot.services.db) as session:
        return votes.cast_vote(session, bot.services.contest, openid, code, bot.services.now(),
                               channel, **extra)


def test_fifty_simultaneous_votes_from_one_user_chat_page_and_retries_leave_one(
        start_bot, fake_platform):
    bot = oauth_bot(start_bot, fake_platform)
    add_entries(bot.services)
    voter = "oTwoDevices"
    add_followers(bot.services, [voter])
    browsers = [login(bot, voter) for _ in range(4)]  # four browser sessions, one person
    tokens = [csrf_of(browser, bot, "101") for browser in browsers]
    retried = bot.user(openid=voter, http=requests.Session()).build("text", Content="投票 102")

    def chat(code):
        return lambda: bot.user(openid=voter, http=requests.Session()).send_text(
            f"投票 {code}").content

    def retry():
        return bot.user(openid=voter, http=requests.Session()).deliver(retried).content

    def page(n):
        def go():
            response = browsers[n % 4].post(f"{bot.url}/h5/entries/101/vote",
                                            data={"csrf": tokens[n % 4]}, timeout=30)
            return f"{response.status_code} {response.text}"
        return go

    def direct():
        return _cast(bot, voter, "102", "page", client_ip="10.0.0.9").status

    tasks = ([chat(101 + n % 2) for n in range(15)] + [retry for _ in range(10)]
             + [page(n) for n in range(20)] + [direct for _ in range(5)])
    assert len(tasks) == 50
    answers = _all_at_once(tasks)
    assert len(votes_in_db(bot.services)) == 1
    recorded = [a for a in answers if "投票成功" in a or a == votes.RECORDED]
    retried_answers = answers[15:25]
    # the retries share one reply; every other attempt got "already voted" (or the retries' one)
    assert len(set(retried_answers)) == 1
    assert 1 <= len(recorded) <= 1 + 10
    refused = [a for a in answers if "已经投过票" in a or a == votes.ALREADY_VOTED]
    assert len(recorded) + len(refused) == 50
    assert all(a.startswith("409") for a in answers[25:45] if "已经投过票" in a)


def test_fifty_threads_casting_for_one_user_make_one_row(start_bot):
    bot = start_voting_bot(start_bot)
    add_entries(bot.services)
    add_followers(bot.services, ["oHammer"])
    outcomes = _all_at_once([lambda: _cast(bot, "oHammer", "101") for _ in range(50)])
    assert sorted(o.status for o in outcomes).count(votes.RECORDED) == 1
    assert all(o.status in (votes.RECORDED, votes.ALREADY_VOTED) for o in outcomes)
    assert len(votes_in_db(bot.services)) == 1


def test_fifty_threads_with_three_votes_a_day_make_three_rows(start_bot, tmp_path):
    bot = start_voting_bot(start_bot, CONTEST=contest_yaml(tmp_path, per="day", votes_per_user=3))
    add_entries(bot.services)
    add_followers(bot.services, ["oTriple"])
    outcomes = _all_at_once([lambda: _cast(bot, "oTriple", "102") for _ in range(50)])
    assert [o.status for o in outcomes].count(votes.RECORDED) == 3
    assert sorted(v.period for v in votes_in_db(bot.services)) == [
        "2020-08-03", "2020-08-03#2", "2020-08-03#3"]


def test_five_hundred_voters_at_once_make_five_hundred_rows(start_bot):
    bot = start_voting_bot(start_bot)
    add_entries(bot.services)
    voters = [f"oCrowd{n:04d}" for n in range(500)]
    add_followers(bot.services, voters)
    direct = voters[:400]
    through_webhook = voters[400:]

    def by_webhook(openid):
        return lambda: bot.user(openid=openid, http=requests.Session()).send_text(
            "投票 102").content

    tasks = ([lambda o=o: _cast(bot, o, "101").status for o in direct]
             + [by_webhook(o) for o in through_webhook])
    answers = _all_at_once(tasks, workers=len(tasks))
    assert answers[:400] == [votes.RECORDED] * 400
    assert all("投票成功" in a for a in answers[400:]), [a for a in answers[400:]
                                                         if "投票成功" not in a][:3]
    with session_scope(bot.services.db) as session:
        assert session.scalar(select(func.count(Vote.id))) == 500
        assert session.scalar(select(func.count(func.distinct(Vote.voter_openid)))) == 500
        assert votes.vote_counts(session, "jiangmen-2020") == {
            votes.find_entry(session, "jiangmen-2020", "101").id: 400,
            votes.find_entry(session, "jiangmen-2020", "102").id: 100}


def test_an_invalidated_vote_stops_counting_and_is_in_the_audit_log(start_bot):
    bot = start_voting_bot(start_bot)
    ids = add_entries(bot.services)
    add_followers(bot.services, ["oA", "oB", "oC"])
    first = _cast(bot, "oA", "101")
    _cast(bot, "oB", "101")
    _cast(bot, "oC", "102")
    with session_scope(bot.services.db) as session:
        assert votes.vote_counts(session, "jiangmen-2020") == {ids["101"]: 2, ids["102"]: 1}
        votes.invalidate_vote(session, first.vote_id, "console:organizer1", "同一设备刷票", AT)
    with session_scope(bot.services.db) as session:
        assert votes.vote_counts(session, "jiangmen-2020") == {ids["101"]: 1, ids["102"]: 1}
        lines = votes.standings(session, bot.services.contest)
        assert [(s.rank, s.entry.code, s.votes) for s in lines] == [(1, "101", 1), (1, "102", 1)]
        [line] = session.scalars(select(AuditLog).where(AuditLog.action == "vote.invalidated"))
        assert line.actor == "console:organizer1" and line.target_id == str(first.vote_id)
        assert line.detail["reason"] == "同一设备刷票"
    [invalidation] = invalidations_in_db(bot.services)
    assert (invalidation.actor, invalidation.reason) == ("console:organizer1", "同一设备刷票")
    # the vote row itself is untouched, and the voter does not get the vote back
    assert len(votes_in_db(bot.services)) == 3
    assert _cast(bot, "oA", "102").status == votes.ALREADY_VOTED
    reply = bot.user(openid="oA").send_text("排行").content
    assert "第1名 101号《匠心侨都》 1票" in reply and "第1名 102号《我身边的质检员》 1票" in reply


def test_invalidating_twice_is_refused_cleanly_even_at_once(start_bot):
    bot = start_voting_bot(start_bot)
    add_entries(bot.services)
    add_followers(bot.services, ["oA"])
    vote_id = _cast(bot, "oA", "101").vote_id

    def invalidate(actor):
        def go():
            try:
                with session_scope(bot.services.db) as session:
                    votes.invalidate_vote(session, vote_id, actor, "重复", AT)
                return "ok"
            except votes.AlreadyInvalidated as refused:
                return f"refused:{refused.actor}"
        return go

    answers = _all_at_once([invalidate(f"console:o{n}") for n in range(8)])
    assert answers.count("ok") == 1 and len(invalidations_in_db(bot.services)) == 1
    winner = invalidations_in_db(bot.services)[0].actor
    assert all(a == f"refused:{winner}" for a in answers if a != "ok")
    with session_scope(bot.services.db) as session:
        assert session.scalar(select(func.count(AuditLog.id)).where(
            AuditLog.action == "vote.invalidated")) == 1


def test_invalidation_needs_a_known_vote_and_a_reason(start_bot):
    bot = start_voting_bot(start_bot)
    add_entries(bot.services)
    add_followers(bot.services, ["oA"])
    vote_id = _cast(bot, "oA", "101").vote_id
    with session_scope(bot.services.db) as session:
        with pytest.raises(votes.VoteNotFound):
            votes.invalidate_vote(session, 999999, "console:o", "原因", AT)
        with pytest.raises(ValueError):
            votes.invalidate_vote(session, vote_id, "console:o", "  ", AT)
    assert invalidations_in_db(bot.services) == []


def test_the_vote_keeps_what_the_fraud_view_needs(start_bot):
    bot = start_voting_bot(start_bot)
    add_entries(bot.services)
    add_followers(bot.services, ["oA"])
    _cast(bot, "oA", "101", "page", client_ip="203.0.113.7", user_agent="MicroMessenger/8.0")
    [vote] = votes_in_db(bot.services)
    assert vote.channel == "page" and vote.client_ip == "203.0.113.7"
    assert vote.user_agent == "MicroMessenger/8.0"
    assert vote.voter_followed_at == datetime(2020, 7, 20, 2, 0, tzinfo=UTC)
    assert vote.cast_at.astimezone(bot.services.contest.tz).date().isoformat() == "2020-08-03"
