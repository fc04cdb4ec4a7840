"""A gunicorn worker SIGKILLed in the middle of a message: WeChat's next delivery handles it.

The bot runs under gunicorn as in the Procfile and reaches PostgreSQL through a TCP proxy that
the test pauses, so the handler of `确认` is stuck inside its first query when its worker is
killed. The message's claim is a 3 s lease that only a living worker renews: WeChat's retry
(about 5 s after the first delivery) finds it expired, runs the message, and the entry is
recorded once.
"""
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.models import Entry
from config.settings import PROJECT_ROOT
from simulator.wechat_user import WeChatUser
from tests.bot_fixtures import AES_KEY, APP_ID, COLLECTION_DAY, TEST_SECRET_KEY, TOKEN
from tests.faults.support import TcpProxy, descendants, free_port, wait_for
from tests.registration_scripts import JIANGMEN_TEAM, converse


@pytest.fixture
def gunicorn_bot(engine, redis_url, database_url, tmp_path):
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("WECHAT_")}
    env.update(REDIS_URL=redis_url, SECRET_KEY=TEST_SECRET_KEY, WECHAT_TOKEN=TOKEN,
               WECHAT_APP_ID=APP_ID, WECHAT_APP_SECRET="test-secret",
               WECHAT_ENCODING_AES_KEY=AES_KEY, CONTEST="jiangmen-2020",
               CONTEST_NOW=COLLECTION_DAY, LOG_LEVEL="WARNING", MEDIA_ROOT=str(tmp_path),
               DATABASE_URL=url.set(host="127.0.0.1", port=proxy.port).render_as_string(
                   hide_password=False))
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "gthread",
         "--threads", "8", "--bind", f"127.0.0.1:{port}", "--timeout", "30",
         "wsgi:create_app()"], cwd=PROJECT_ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _healthy(base), 30, "gunicorn serving the bot")
        yield base, server, proxy
    finally:
        proxy.resume()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        proxy.close()


def _healthy(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_a_message_whose_worker_was_killed_is_handled_by_wechats_retry(gunicorn_bot, engine):
    base, server, proxy = gunicorn_bot
    user = WeChatUser(base + "/wechat", "oKilledMid", token=TOKEN, app_id=APP_ID,
                      aes_key=AES_KEY, mode="safe")
    converse(user, JIANGMEN_TEAM)  # at the summary
    confirm = user.build("text", Content="确认")
    proxy.pause()
    first = threading.Thread(target=_deliver_ignoring_errors, args=(user, confirm), daemon=True)
    first.start()
    time.sleep(1.0)  # the handler is inside its first query, which the proxy holds
    workers = descendants(server.pid)
    assert workers, "no gunicorn worker"
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    proxy.resume()
    first.join(10)
    wait_for(lambda: _healthy(base), 30, "a new gunicorn worker")
    time.sleep(max(0.0, 5.0 - 1.0))  # WeChat's retry comes about 5 s after the first delivery
    retried = user.deliver(confirm)
    assert retried.status_code == 200 and "101" in retried.content
    assert user.deliver(confirm).content == retried.content  # the third delivery: same reply
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Entry)) == 1


def _deliver_ignoring_errors(user, delivery) -> None:
    try:
        user.deliver(delivery)
    except requests.RequestException:
        pass  # the worker died under it: WeChat sees a broken connection and retries
