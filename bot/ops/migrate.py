"""Schema migrations: run Alembic programmatically against a database URL."""
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from config.settings import load_settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def sqlalchemy_url(database_url: str) -> str:
    """DATABASE_URL as SQLAlchemy wants it: postgresql:// means the psycopg 3 driver."""
    if database_url.startswith("postgresql://"):
        return "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    return database_url


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic config on the project's migrations; the URL defaults to the settings' one."""
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passed as an attribute, not an ini option: configparser would treat '%' in a password.
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def upgrade_to_head(database_url: str) -> None:
    """Bring the database at this URL to the newest schema (alembic upgrade head)."""
    command.upgrade(alembic_config(database_url), "head")


def downgrade_to_base(database_url: str) -> None:
    """Remove every table the migrations created (alembic downgrade base)."""
    command.downgrade(alembic_config(database_url), "base")


def current_revision(database_url: str) -> str | None:
    """The revision the database is at, or None before the first upgrade."""
    url = sqlalchemy_url(database_url)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None  # do not create the file just to look
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest revision among the migrations this code ships (read once per process)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def revision_of(connection) -> str | None:
    """The revision a live connection's database is at (None: never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()


def main() -> None:
    """`python -m bot.ops.migrate` (the Procfile's release step): upgrade DATABASE_URL to head."""
    database_url = load_settings()["DATABASE_URL"]
    upgrade_to_head(database_url)
    print(f"database at revision {current_revision(database_url)}", flush=True)


if __name__ == "__main__":
    main()
