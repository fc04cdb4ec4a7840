"""The operator entry point `contestbot`, installed by `pip install -e .`, run as an operator
would: from another directory, without an activated virtualenv."""
import os
import subprocess
import sys
from pathlib import Path

import requests
from sqlalchemy import select

from bot.models import AuditLog, ConsoleUser
from tests.bot_fixtures import APP_ID, TOKEN

# The console script sits beside the virtualenv's python (sys.executable, not resolved).
CONTESTBOT = Path(sys.executable).parent / "contestbot"


def _operator_env(database_url: str, redis_url: str) -> dict:
    """A shell that never activated the virtualenv: no VIRTUAL_ENV, its bin not on PATH."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME") and not k.startswith("FLASK_")}
    env.update(PATH="/usr/local/bin:/usr/bin:/bin", DATABASE_URL=database_url,
               REDIS_URL=redis_url, WECHAT_TOKEN=TOKEN, WECHAT_APP_ID=APP_ID,
               WECHAT_APP_SECRET="test-secret", CONTEST="jiangmen-2020", LOG_LEVEL="WARNING")
    return env


def _run(env, tmp_path, *args, stdin=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(CONTESTBOT), *args], cwd=tmp_path, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_contestbot_creates_a_console_user_without_an_activated_venv(engine, db_factory,
                                                                     database_url, redis_url,
                                                                     tmp_path):
    assert CONTESTBOT.is_file(), "pip install -e . installs the contestbot console script"
    env = _operator_env(database_url, redis_url)
    created = _run(env, tmp_path, "users", "create", "张三", "--role", "organizer",
                   stdin="pass-word-22\npass-word-22\n")
    assert created.returncode == 0, created.stderr
    assert "created organizer 张三" in created.stdout
    assert "No module named" not in created.stderr
    listed = _run(env, tmp_path, "users", "list")
    assert listed.returncode == 0 and "张三" in listed.stdout and "organizer" in listed.stdout
    with db_factory() as session:
        user = session.scalars(select(ConsoleUser)).one()
        actions = session.scalars(select(AuditLog.action)).all()
    assert (user.username, user.role) == ("张三", "organizer")
    assert "pass-word-22" not in user.password_hash and "console.user_created" in actions
    checked = _run(env, tmp_path, "contest", "check", "jiangmen-2020")
    assert checked.returncode == 0 and "jiangmen-2020" in checked.stdout
    refused = _run(env, tmp_path, "users", "create", "张三", "--role", "organizer",
                   "--password", "pass-word-22")
    assert refused.returncode != 0 and "already exists" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_every_shown_command_is_the_entry_point(bot):
    """The login page, the README and every template name `contestbot`, never `flask --app`."""
    page = requests.get(bot.url + "/console/login", timeout=10).text
    assert "contestbot users create" in page and "flask --app" not in page
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/contestbot users create" in readme
    shown = [path for folder in ("templates", "bot", "simulator")
             for path in (root / folder).rglob("*")
             if path.suffix in (".html", ".txt", ".js", ".py") and path.name != "manage.py"
             and "flask --app" in path.read_text(encoding="utf-8")]
    assert shown == [] and "flask --app" not in readme.replace("contestbot` wraps `flask --app", "")
