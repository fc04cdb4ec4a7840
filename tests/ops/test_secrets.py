"""Production refuses to start without real secrets; nothing signs with a public default.

Each test is the attack of issue 13: a deployment with a forgotten setting used to run on the
public defaults, so anyone could forge a console session or post messages as any follower.
"""
import hashlib
import os
import subprocess
import sys
import time

import pytest
import requests
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from bot.app import create_app
from config.settings import PROJECT_ROOT, InsecureSettings, load_settings
from tests.bot_fixtures import TEST_SECRET_KEY
from tests.browser_stack import free_port

OLD_PUBLIC_KEY = "dev-only-secret-key-change-me"
SECRETS = ("SECRET_KEY", "WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET")


def _environment(**values) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in SECRETS and not k.startswith("WECHAT_")}
    env.update(DATABASE_URL="sqlite:///:memory:", REDIS_URL="redis://127.0.0.1:6379/15",
               PYTHONUNBUFFERED="1", **values)
    return env


def _procfile_command(name: str) -> str:
    line = next(line for line in (PROJECT_ROOT / "Procfile").read_text().splitlines()
                if line.startswith(name + ":"))
    return line.split(":", 1)[1].strip()


def _run_process(name: str, env: dict) -> subprocess.CompletedProcess:
    env["PATH"] = f"{os.path.dirname(sys.executable)}:{env.get('PATH', '')}"
    return subprocess.run(["bash", "-c", _procfile_command(name)], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("process", ["web", "worker"])
def test_web_and_worker_refuse_to_start_without_secrets_naming_each(process):
    result = _run_process(process, _environment(BIND=f"127.0.0.1:{free_port()}"))
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if "refusing to start" in line]
    assert len(lines) == 1, result.stderr[-2000:]
    for key in SECRETS:
        assert f"{key} is not set" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("process", ["web", "worker"])
def test_public_defaults_and_a_short_key_are_refused(process):
    env = _environment(BIND=f"127.0.0.1:{free_port()}", SECRET_KEY="short-key",
                       WECHAT_TOKEN="contestbot-dev-token", WECHAT_APP_ID="wxd0000000000dev",
                       WECHAT_APP_SECRET="dev-secret-not-for-production")
    result = _run_process(process, env)
    assert result.returncode != 0
    line = next(line for line in result.stderr.splitlines() if "refusing to start" in line)
    assert "SECRET_KEY is shorter than 32 bytes" in line
    for key in ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET"):
        assert f"{key} is a public default" in line


def test_the_old_public_secret_key_is_refused_too():
    settings = load_settings({"SECRET_KEY": OLD_PUBLIC_KEY, "WECHAT_TOKEN": "t" * 20,
                              "WECHAT_APP_ID": "wx0123456789abcdef", "WECHAT_APP_SECRET": "s" * 32})
    with pytest.raises(InsecureSettings, match="SECRET_KEY is a public default"):
        create_app(overrides=settings)


def test_web_starts_once_the_secrets_are_set():
    port = free_port()
    env = _environment(BIND=f"127.0.0.1:{port}", SECRET_KEY=TEST_SECRET_KEY,
                       WECHAT_TOKEN="a-real-token", WECHAT_APP_ID="wx0123456789abcdef",
                       WECHAT_APP_SECRET="a-real-app-secret", WEB_WORKERS="1")
    env["PATH"] = f"{os.path.dirname(sys.executable)}:{env.get('PATH', '')}"
    server = subprocess.Popen(["bash", "-c", "exec " + _procfile_command("web")],
                              cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        answered = None
        while time.monotonic() < deadline and answered is None:
            try:
                answered = requests.get(f"http://127.0.0.1:{port}/wechat", timeout=2).status_code
            except requests.RequestException:
                time.sleep(0.2)
        assert answered == 403  # serving, and an unsigned handshake is refused
    finally:
        server.terminate()
        server.communicate(timeout=30)


def _forged_cookie(secret_key: str, payload: dict) -> str:
    forger = Flask("forger")
    forger.secret_key = secret_key
    return SecureCookieSessionInterface().get_signing_serializer(forger).dumps(payload)


def test_a_session_forged_with_the_old_public_key_opens_nothing(console):
    stack = console()
    stack.user("organizer", "organizer")
    with stack.services.db() as db:
        from bot.models import ConsoleUser
        user = db.query(ConsoleUser).filter_by(username="organizer").one()
    payload = {"console_user_id": user.id, "console_login_at": time.time(),
               "console_version": user.session_version}
    http = stack.app.test_client()
    http.set_cookie("session", _forged_cookie(TEST_SECRET_KEY, payload))
    assert http.get("/console/dashboard").status_code == 200  # the forgery itself is well made
    http = stack.app.test_client()
    http.set_cookie("session", _forged_cookie(OLD_PUBLIC_KEY, payload))
    page = http.get("/console/dashboard")
    assert page.status_code == 302 and "/console/login" in page.headers["Location"]


def test_a_voter_forged_with_the_old_public_key_cannot_vote(console):
    stack = console(now="2020-08-03T10:00:00")
    entry = stack.add_entry(stack.follower("oAuthor"), {"title": "作品"}, state="approved")
    http = stack.app.test_client()
    http.set_cookie("session", _forged_cookie(OLD_PUBLIC_KEY,
                                              {"h5_openid": "oForged", "h5_csrf": "x"}))
    answer = http.post(f"/h5/entries/{entry.code}/vote", data={"csrf": "x"})
    assert answer.status_code in (302, 400, 403)
    with stack.services.db() as db:
        from bot.models import Vote
        assert db.query(Vote).count() == 0


def test_the_webhook_refuses_everything_when_no_token_is_configured(bot):
    # `flask run` skips the start-up check (it is a CLI command); the webhook must still refuse,
    # since sha1 over an empty token is something anyone can compute.
    bot.services.settings["WECHAT_TOKEN"] = ""
    timestamp, nonce = str(int(time.time())), "123"
    signature = hashlib.sha1("".join(sorted(["", timestamp, nonce])).encode()).hexdigest()
    body = ("<xml><ToUserName>gh</ToUserName><FromUserName>oAnyone</FromUserName>"
            "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>帮助</Content>"
            "<MsgId>1</MsgId></xml>")
    answer = requests.post(bot.webhook_url, data=body.encode(), params={
        "signature": signature, "timestamp": timestamp, "nonce": nonce})
    assert answer.status_code == 403
