"""PostgreSQL unreachable for a few seconds under the bot.

The bot reaches the database through a TCP proxy run by the test; cutting it drops every
connection and refuses new ones. WeChat must never get a 500: a message that needed the database
gets the apology with HTTP 200. That apology is not remembered as the message's reply, so
WeChat's retry of the same MsgId (it retries when an answer is late) or the user's resend runs
the message again once the database is back, and it is recorded once.
"""
import threading
import time

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.models import Entry, Vote
from tests.faults.support import TcpProxy
from tests.registration_scripts import JIANGMEN_TEAM, converse
from tests.voting_helpers import add_entries, add_followers, start_voting_bot

APOLOGY = "系统刚才出了点问题"


@pytest.fixture
def db_proxy(database_url):
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.url = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    yield proxy
    proxy.close()


def _count(bot, model) -> int:
    with bot.services.db() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_confirming_while_the_database_is_down_gets_an_apology_and_the_retry_confirms_once(
        start_bot, db_proxy):
    bot = start_bot(DATABASE_URL=db_proxy.url)
    user = bot.user("oDbDown")
    converse(user, JIANGMEN_TEAM)  # at the summary
    confirm = user.build("text", Content="确认")
    db_proxy.cut()
    first = user.deliver(confirm)
    assert first.status_code == 200 and APOLOGY in first.content
    db_proxy.restore()
    retried = user.deliver(confirm)  # WeChat's retry: same MsgId
    assert "101" in retried.content and APOLOGY not in retried.content
    assert user.deliver(confirm).content == retried.content  # a third delivery: the same reply
    assert _count(bot, Entry) == 1


def test_votes_during_a_database_outage_are_answered_and_recorded_once_after(start_bot,
                                                                            db_proxy):
    bot = start_voting_bot(start_bot, DATABASE_URL=db_proxy.url)
    add_entries(bot.services)
    voters = [f"oDbVoter{i:02d}" for i in range(16)]
    add_followers(bot.services, voters)
    users = {openid: bot.user(openid) for openid in voters}
    messages = {openid: users[openid].build("text", Content="投票 102") for openid in voters}
    answers = {}

    def vote(openid):
        answers.setdefault(openid, []).append(users[openid].deliver(messages[openid]))

    def outage():
        time.sleep(0.3)
        db_proxy.cut()
        time.sleep(2.0)
        db_proxy.restore()

    cutter = threading.Thread(target=outage)
    cutter.start()
    for openid in voters:  # a steady stream of voters across the outage
        vote(openid)
        time.sleep(0.15)
    cutter.join()
    statuses = {reply.status_code for replies in answers.values() for reply in replies}
    assert statuses == {200}
    apologised = [openid for openid in voters if APOLOGY in answers[openid][0].content]
    assert apologised, "the outage did not hit any vote: the drill tested nothing"
    for openid in voters:  # WeChat retries every message once more
        vote(openid)
    for openid in voters:
        final = answers[openid][-1].content
        assert "102号作品" in final and APOLOGY not in final
    with bot.services.db() as session:
        voted = sorted(session.scalars(select(Vote.voter_openid)).all())
    assert voted == sorted(voters)


def test_connections_postgres_dropped_between_messages_cost_one_apology_not_a_message(
        start_bot):
    """No pre-ping round trip before every checkout: a pooled connection the server dropped (a
    PostgreSQL restart, an idle timeout) fails its first statement; the pool discards it, the
    message gets the apology without a stored reply, and WeChat's retry runs it on a new
    connection. The bot's connections are ended by the server, as a restart ends them."""
    bot = start_bot()
    user = bot.user("oPoolDrop")
    user.send_text("帮助")  # the pool now holds open connections
    outside = create_engine(bot.services.db_engine.url, poolclass=NullPool)
    with outside.connect() as connection:  # not the bot's: it ends every other one
        ended = connection.exec_driver_sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()").scalar()
    outside.dispose()
    assert ended >= 1
    ask = user.build("text", Content="我的作品")
    first = user.deliver(ask)
    assert first.status_code == 200 and APOLOGY in first.content
    retried = user.deliver(ask)  # WeChat's retry of the same MsgId: handled this time
    assert retried.status_code == 200 and "还没有报名作品" in retried.content
    assert user.deliver(ask).content == retried.content  # and remembered now
