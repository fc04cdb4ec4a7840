"""The long-lived parts a request or job needs, built once per process from the settings."""
from dataclasses import dataclass
from typing import Any

import redis
from rq import Queue
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.db import make_engine, make_session_factory
from bot.chat.dedupe import ReplyOnce
from bot.redis_conn import connect_redis
from bot.chat.sessions import SessionStore


@dataclass
class Services:
    """Settings, connections, the contest and its clock; shared by the webhook, jobs and console."""

    settings: dict
    redis: redis.Redis
    db_engine: Engine
    db: sessionmaker
    contest: Any
    clock: Any
    queue: Queue
    sessions: SessionStore
    replies: ReplyOnce
    chat: Any  # bot.chat.engine.ChatEngine over handlers.routes
    chat_env: Any  # the Jinja2 environment of templates/chat

    def now(self):
        """The contest clock's current local time."""
        return self.clock.now()

    @property
    def admin_openids(self) -> frozenset:
        """Openids allowed to use admin chat commands."""
        return self.settings["ADMIN_OPENIDS"]


def build_services(settings: dict, redis_client: redis.Redis | None = None) -> Services:
    """Connect to Redis and the database, load the contest, start its clock."""
    from bot.contest.clock import clock_from_settings
    from bot.contest import load_contest
    from bot.chat.engine import ChatEngine
    from bot.chat.render import make_chat_environment
    from handlers.routes import build_routes

    client = redis_client or connect_redis(settings["REDIS_URL"])
    db_engine = make_engine(settings["DATABASE_URL"])
    contest = load_contest(settings["CONTEST"])
    sessions = SessionStore(client, settings["SESSION_TTL"], settings["SESSION_MEMORY_TTL"])
    return Services(
        settings=settings,
        redis=client,
        db_engine=db_engine,
        db=make_session_factory(db_engine),
        contest=contest,
        clock=clock_from_settings(settings, contest),
        queue=Queue("default", connection=client),
        sessions=sessions,
        replies=ReplyOnce(client, settings["DEDUPE_TTL"], settings["DEDUPE_WAIT_SECONDS"],
                          replay_ttl_s=2 * settings["WECHAT_TIMESTAMP_TOLERANCE"]),
        chat=ChatEngine(build_routes(), sessions, settings["SESSION_RESUME_AFTER"]),
        chat_env=make_chat_environment(),
    )
