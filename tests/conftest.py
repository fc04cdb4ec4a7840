"""Shared fixtures: a real Redis database and a real PostgreSQL database per test run.

TEST_REDIS_URL and TEST_DATABASE_URL choose them (defaults: Redis db 15 and the PostgreSQL database
`contestbot_test` on this machine's standard local ports).
"""
import os

import psycopg
import pytest
import redis
from sqlalchemy.engine import make_url

from bot.db import Base, make_engine, make_session_factory

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/contestbot_test")


def _ensure_postgres_database(url: str) -> None:
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    (parsed.database,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{parsed.database}"')


@pytest.fixture(scope="session")
def database_url():
    """URL of an existing, reachable PostgreSQL test database."""
    _ensure_postgres_database(TEST_DATABASE_URL)
    return TEST_DATABASE_URL


@pytest.fixture
def engine(database_url):
    """An engine on a freshly emptied schema holding every model's table."""
    import bot.models  # noqa: F401  (registers the tables on Base.metadata)

    engine = make_engine(database_url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    _stamp_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db_factory(engine):
    """A session factory on the fresh test schema."""
    return make_session_factory(engine)


@pytest.fixture
def redis_url():
    """URL of the flushed Redis test database."""
    client = redis.Redis.from_url(TEST_REDIS_URL)
    client.flushdb()
    yield TEST_REDIS_URL
    client.flushdb()
    client.close()


@pytest.fixture
def redis_client(redis_url):
    """A client on the flushed Redis test database."""
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()
from tests.bot_fixtures import *  # noqa: F401,F403
from tests.console_fixtures import *  # noqa: F401,F403
from tests.intake_fixtures import *  # noqa: F401,F403
from tests.notices_fixtures import *  # noqa: F401,F403
from tests.platform_fixtures import *  # noqa: F401,F403
from tests.stack import *  # noqa: F401,F403
from tests.video_fixtures import *  # noqa: F401,F403


def _stamp_head(engine) -> None:
    """Mark the create_all schema as the newest migration (as `alembic stamp head`, cheaper).

    tests/ops/test_migrations.py proves the migrations build exactly the models' schema.
    """
    from sqlalchemy import text

    from bot.ops.migrate import head_revision

    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        connection.execute(text("CREATE TABLE alembic_version "
                                "(version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        connection.execute(text("INSERT INTO alembic_version VALUES (:revision)"),
                           {"revision": head_revision()})
