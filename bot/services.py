"""The long-lived parts a request or job needs, built once per process from the settings."""
from dataclasses import dataclass, field
from datetime import datetime

import redis
from flask import current_app
from jinja2 import Environment
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.chat.dedupe import ReplyOnce
from bot.chat.engine import ChatEngine, ChatRoutes
from bot.chat.render import make_chat_environment
from bot.chat.sessions import SessionStore
from bot.contest import Contest, load_contest
from bot.contest.clock import ContestClock, clock_from_settings
from bot.db import make_engine, make_session_factory
from bot.queueing import JobQueue
from bot.redis_conn import connect_redis


@dataclass
class Services:
    """Settings, connections, the contest and its clock; shared by the webhook, jobs and console."""

    settings: dict
    redis: redis.Redis
    db_engine: Engine
    db: sessionmaker
    contest: Contest
    clock: ContestClock
    jobs: JobQueue
    sessions: SessionStore
    replies: ReplyOnce
    chat_env: Environment  # templates/chat, compiled once per process
    chat: ChatEngine | None = None  # the web process's routing table (None in a worker)
    # Records that never change once written (a quiz bank version's questions), read once
    memo: dict = field(default_factory=dict)

    def now(self) -> datetime:
        """The contest clock's current local time."""
        return self.clock.now()

    @property
    def admin_openids(self) -> frozenset:
        """Openids allowed to use admin chat commands."""
        return self.settings["ADMIN_OPENIDS"]


def current_services() -> Services:
    """The Services of the Flask app handling the current request."""
    return current_app.extensions["contestbot"]


def build_services(settings: dict, routes: ChatRoutes | None = None,
                   redis_client: redis.Redis | None = None) -> Services:
    """Connect to Redis and the database, load the contest, start its clock; with `routes`
    (the web process: handlers.routes) the chat engine answers messages by them."""
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
        jobs=JobQueue(client),
        sessions=sessions,
        replies=ReplyOnce(client, settings["DEDUPE_TTL"], settings["DEDUPE_WAIT_SECONDS"],
                          replay_ttl_s=2 * settings["WECHAT_TIMESTAMP_TOLERANCE"],
                          session_ttl_s=settings["SESSION_TTL"],
                          memory_ttl_s=settings["SESSION_MEMORY_TTL"]),
        chat_env=make_chat_environment(auto_reload=settings["TEMPLATES_AUTO_RELOAD"]),
        chat=ChatEngine(routes, settings["SESSION_RESUME_AFTER"]) if routes else None,
    )
