"""Migrations: upgrade_to_head builds exactly the models' schema on PostgreSQL and SQLite."""
import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

import bot.models  # noqa: F401  (registers the tables on Base.metadata)
from bot.db import Base
from bot.ops.migrate import (
    alembic_config,
    current_revision,
    downgrade_to_base,
    sqlalchemy_url,
    upgrade_to_head,
)
from tests.conftest import TEST_DATABASE_URL


def _admin_dsn(url) -> str:
    return url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False)


@pytest.fixture
def empty_postgres_url():
    """A plain postgresql:// URL of a new, empty database, dropped after the test."""
    url = make_url(TEST_DATABASE_URL)
    url = url.set(database=f"{url.database}_migr")
    with psycopg.connect(_admin_dsn(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{url.database}"')
    yield url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(_admin_dsn(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


@pytest.fixture
def empty_sqlite_url(tmp_path):
    """URL of a SQLite file that does not exist yet, in a folder that does not exist yet."""
    return f"sqlite:///{tmp_path / 'instance' / 'contestbot.sqlite3'}"


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def schema_differences(database_url: str) -> list:
    engine = create_engine(sqlalchemy_url(database_url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def table_names_and_checks(database_url: str) -> tuple[set, set]:
    engine = create_engine(sqlalchemy_url(database_url), poolclass=NullPool)
    try:
        inspector = inspect(engine)
        tables = set(inspector.get_table_names())
        checks = {(table, check["name"]) for table in tables - {"alembic_version"}
                  for check in inspector.get_check_constraints(table)}
        return tables, checks
    finally:
        engine.dispose()


def model_checks() -> set:
    return {(table.name, constraint.name) for table in Base.metadata.tables.values()
            for constraint in table.constraints if isinstance(constraint, CheckConstraint)}


def assert_round_trip(database_url: str) -> None:
    assert current_revision(database_url) is None
    upgrade_to_head(database_url)
    assert current_revision(database_url) == head_revision()
    assert schema_differences(database_url) == []
    tables, checks = table_names_and_checks(database_url)
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    assert checks == model_checks()

    upgrade_to_head(database_url)  # a second upgrade is a no-op
    downgrade_to_base(database_url)
    assert current_revision(database_url) is None
    assert table_names_and_checks(database_url)[0] <= {"alembic_version"}

    upgrade_to_head(database_url)
    assert schema_differences(database_url) == []


def test_upgrade_to_head_on_empty_postgresql_matches_the_models(empty_postgres_url):
    assert empty_postgres_url.startswith("postgresql://")  # normalised to psycopg 3
    assert_round_trip(empty_postgres_url)


def test_upgrade_to_head_on_empty_sqlite_matches_the_models(empty_sqlite_url):
    assert_round_trip(empty_sqlite_url)


def test_alembic_reads_database_url_from_settings(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'from-env.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    command.upgrade(alembic_config(), "head")
    assert current_revision(url) == head_revision()


def test_migrations_render_as_sql_offline(capsys, tmp_path):
    command.upgrade(alembic_config(f"sqlite:///{tmp_path / 'offline.sqlite3'}"), "head", sql=True)
    sql = capsys.readouterr().out
    assert "CREATE TABLE votes" in sql
    assert "CONSTRAINT uq_votes_contest_id_voter_openid_period UNIQUE" in sql


def test_healthz_fails_until_the_release_step_has_migrated(empty_postgres_url, start_bot):
    import os
    import subprocess
    import sys

    import requests

    from config.settings import PROJECT_ROOT

    bot = start_bot(DATABASE_URL=empty_postgres_url)
    before = requests.get(bot.url + "/healthz", timeout=10)
    assert before.status_code == 503
    assert before.json()["database"] == "not migrated (run the release step)"
    release = next(line.split(":", 1)[1] for line in
                   (PROJECT_ROOT / "Procfile").read_text().splitlines()
                   if line.startswith("release:"))
    env = {**os.environ, "DATABASE_URL": empty_postgres_url,
           "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"}
    subprocess.run(["bash", "-c", release], cwd=PROJECT_ROOT, env=env, check=True, timeout=120)
    after = requests.get(bot.url + "/healthz", timeout=10)
    assert after.status_code == 200 and after.json()["database"] == "ok"
