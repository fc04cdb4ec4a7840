"""A chat message's cost in Redis and database round trips (issue 17): two Redis scripts per
message, the contact-time upsert at most every two minutes, nothing else on the hot path.

bench/webhook.py counts the same on the wire, through proxies, under gunicorn.
"""
import pytest
import redis.connection
from sqlalchemy import event


@pytest.fixture
def wire(bot, monkeypatch):
    """Counts the bot's Redis sends (a script or a pipeline is one) and SQL statements."""
    counted = {"redis": 0, "sql": []}
    send = redis.connection.AbstractConnection.send_packed_command

    def counting_send(self, command, check_health=True):
        counted["redis"] += 1
        return send(self, command, check_health)

    def statement(conn, cursor, text, parameters, context, executemany):
        counted["sql"].append(text.split()[0].upper())

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command",
                        counting_send)
    event.listen(bot.services.db_engine, "before_cursor_execute", statement)

    def measure(send_message):
        counted["redis"], counted["sql"] = 0, []
        reply = send_message()
        return reply, counted["redis"], list(counted["sql"])

    yield measure
    event.remove(bot.services.db_engine, "before_cursor_execute", statement)


def test_a_followers_plain_message_costs_two_redis_round_trips_and_one_upsert(bot, wire):
    user = bot.user()
    user.subscribe()  # the follow time is known: nothing to look up
    reply, redis_trips, statements = wire(lambda: user.send_text("帮助"))
    assert "报名" in reply.content
    assert redis_trips == 2  # BEGIN and END
    assert statements == ["INSERT"]  # the contact time, one INSERT ... ON CONFLICT DO UPDATE


@pytest.fixture
def returning(bot):
    """A follower who wrote a moment ago: their contact time is already written."""
    user = bot.user()
    user.subscribe()
    user.send_text("帮助")
    return user


def test_their_next_message_within_two_minutes_costs_no_database_round_trip(returning, wire):
    user = returning
    reply, redis_trips, statements = wire(lambda: user.send_text("帮助"))
    assert "报名" in reply.content
    assert (redis_trips, statements) == (2, [])


def test_a_conversation_step_keeps_its_session_in_the_same_two_round_trips(bot, returning,
                                                                           wire):
    user = returning
    started, redis_trips, statements = wire(lambda: user.send_text("报名"))
    assert "开始报名" in started.content
    assert (redis_trips, statements) == (2, [])
    assert bot.services.sessions.load(user.openid).conversation is not None
    cancelled, redis_trips, _ = wire(lambda: user.send_text("取消"))
    assert "确定要放弃" in cancelled.content and redis_trips == 2


def test_a_retried_message_is_answered_from_memory_in_one_round_trip(bot, wire):
    user = bot.user()
    delivery = user.build("text", Content="帮助")
    first = user.deliver(delivery)
    retry, redis_trips, statements = wire(lambda: user.deliver(delivery))
    assert retry.content == first.content
    assert (redis_trips, statements) == (1, [])


def test_a_new_followers_first_message_queues_their_lookup_in_the_same_two_round_trips(bot, wire):
    # Followers from before the bot: their first message proves they follow, since a time we
    # do not know; END queues the lookup. The first such person of a drain also enqueues its job.
    first = bot.user(openid="oOldFollowerA")
    first.send_text("帮助")
    assert bot.services.redis.sismember("followers:since-unknown", first.openid)
    newcomer = bot.user(openid="oOldFollowerB")
    reply, redis_trips, statements = wire(lambda: newcomer.send_text("帮助"))
    assert "报名" in reply.content
    assert (redis_trips, statements) == (2, ["INSERT"])
    assert bot.services.redis.sismember("followers:since-unknown", newcomer.openid)
