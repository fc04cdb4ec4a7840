"""Alembic environment: the models' metadata and the database URL from the project settings."""
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

import bot.models  # noqa: F401  (registers every table on Base.metadata)
from bot.db import Base
from bot.ops.migrate import sqlalchemy_url
from config.settings import load_settings

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    url = config.attributes.get("database_url") or load_settings()["DATABASE_URL"]
    url = sqlalchemy_url(url)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return url


def _render_item(kind: str, obj, _autogen_context):
    """Write project column types (e.g. UtcDateTime) as the plain SQLAlchemy type they store."""
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def _configure(dialect_name: str, **kwargs) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        render_item=_render_item,
        # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
        render_as_batch=dialect_name == "sqlite",
        **kwargs,
    )


def run_migrations_offline() -> None:
    """Emit the SQL to stdout (alembic upgrade --sql)."""
    url = _database_url()
    _configure(make_url(url).get_dialect().name, url=url, literal_binds=True,
               dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Apply the migrations on a connection (on SQLite without the foreign-key pragma: batch
    mode rebuilds tables, which enforced foreign keys would block)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection.dialect.name, connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_database_url(), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            _configure(connection.dialect.name, connection=connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
