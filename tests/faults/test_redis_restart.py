"""Redis restarted under the bot: during a registration, and during voting.

The bot talks to a redis-server of this test's own (never the shared one), which is SIGKILLed and
started again. Sessions live in Redis: with AOF persistence they resume where they were; without
it the user is told to start again. Votes live in PostgreSQL: none is lost, none doubled.
"""
import pytest
from sqlalchemy import func, select

from bot.models import Entry, Vote
from tests.faults.support import RedisServer
from tests.registration_scripts import JIANGMEN_TEAM, converse
from tests.voting_helpers import add_entries, add_followers, start_voting_bot

APOLOGY = "系统刚才出了点问题"


@pytest.fixture
def own_redis(tmp_path):
    servers = []

    def start(appendonly: bool = False) -> RedisServer:
        server = RedisServer(tmp_path / f"redis-{len(servers)}", appendonly=appendonly).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.kill()


def _entries(bot) -> int:
    with bot.services.db() as session:
        return session.scalar(select(func.count()).select_from(Entry))


def test_a_registration_resumes_after_redis_restarts_with_its_data(start_bot, own_redis):
    server = own_redis(appendonly=True)
    bot = start_bot(REDIS_URL=server.url)
    user = bot.user("oRedisAof")
    converse(user, JIANGMEN_TEAM[:7])  # up to 联系电话
    server.kill()
    during = user.send_text("0750-3502679")
    assert during.status_code == 200 and APOLOGY in during.content
    server.start()
    converse(user, JIANGMEN_TEAM[7:])  # the same answer again, then on to the summary
    confirmed = user.send_text("确认").content
    assert "101" in confirmed
    assert _entries(bot) == 1


def test_a_registration_lost_with_redis_restarts_with_a_note(start_bot, own_redis):
    server = own_redis(appendonly=False)
    bot = start_bot(REDIS_URL=server.url)
    user = bot.user("oRedisLost")
    converse(user, JIANGMEN_TEAM[:7])
    server.restart()  # nothing persisted: the session is gone
    after = user.send_text("0750-3502679").content
    assert "回复“报名”参赛" in after and APOLOGY not in after  # how to start again
    converse(user, JIANGMEN_TEAM)
    assert "101" in user.send_text("确认").content
    assert _entries(bot) == 1


def test_votes_survive_a_redis_restart_and_retries_do_not_double_them(start_bot, own_redis):
    server = own_redis(appendonly=False)
    bot = start_voting_bot(start_bot, REDIS_URL=server.url)
    add_entries(bot.services)
    voters = [f"oRedisVoter{i:02d}" for i in range(12)]
    add_followers(bot.services, voters)
    users = {openid: bot.user(openid) for openid in voters}
    sent = {}
    for openid in voters[:6]:
        sent[openid] = users[openid].build("text", Content="投票 101")
        assert "投票成功" in users[openid].deliver(sent[openid]).content
    server.kill()
    down = users[voters[6]].build("text", Content="投票 102")
    answer = users[voters[6]].deliver(down)
    assert answer.status_code == 200 and APOLOGY in answer.content
    server.start()
    # WeChat's retries of messages answered before the restart (their dedupe keys are gone),
    # the retry of the one that got the apology, and the voters who had not voted yet
    for openid in voters[:6]:
        again = users[openid].deliver(sent[openid]).content
        assert "101号作品" in again and APOLOGY not in again  # 投票成功, or 已经投过票 for 101
    assert "投票成功" in users[voters[6]].deliver(down).content
    for openid in voters[7:]:
        assert "投票成功" in users[openid].send_text("投票 102").content
    with bot.services.db() as session:
        rows = session.execute(select(Vote.voter_openid, Vote.entry_id)).all()
    assert sorted(openid for openid, _ in rows) == sorted(voters)
