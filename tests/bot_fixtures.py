"""Fixtures that serve the real bot over HTTP and talk to it the way WeChat does."""
from contextlib import ExitStack
from dataclasses import dataclass

import pytest

from bot.app import create_app
from bot.services import build_services
from config.settings import load_settings
from handlers.routes import build_routes
from simulator.wechat_user import WeChatUser
from tests.platform_fixtures import serve_wsgi

TOKEN = "test-token"
APP_ID = "wx1234567890test"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
PREVIOUS_AES_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
TEST_SECRET_KEY = "test-secret-key-of-at-least-32-bytes-long"
COLLECTION_DAY = "2020-06-20T10:00:00"  # 江门 2020: inside the collection phase


@dataclass
class RunningBot:
    """A bot served on loopback: its base URL, the Flask app and its services."""

    url: str
    app: object
    services: object

    @property
    def webhook_url(self) -> str:
        """Where WeChat posts messages."""
        return self.url + "/wechat"

    def user(self, openid: str = "oUserA", mode: str = "safe", aes_key: str = AES_KEY,
             **kwargs) -> WeChatUser:
        """A WeChat user talking to this bot, in the given encryption mode."""
        key = None if mode == "plain" else aes_key
        return WeChatUser(self.webhook_url, openid, token=TOKEN, app_id=APP_ID, aes_key=key,
                          mode=mode, **kwargs)


def bot_settings(redis_url: str, database_url: str, **overrides) -> dict:
    """Settings for a test bot on the test Redis and PostgreSQL."""
    values = {
        "WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": "test-secret",
        "SECRET_KEY": TEST_SECRET_KEY,
        "WECHAT_ENCODING_AES_KEY": AES_KEY, "REDIS_URL": redis_url,
        "DATABASE_URL": database_url, "CONTEST": "jiangmen-2020",
        "CONTEST_NOW": COLLECTION_DAY, "LOG_LEVEL": "WARNING",
        "SESSION_COOKIE_SECURE": "0",  # the test servers speak plain http
    }
    values.update(overrides)
    return load_settings(values)


@pytest.fixture
def start_bot(engine, redis_url, database_url):
    """Start bots with setting overrides (and optionally custom chat routes); stopped after."""
    with ExitStack() as stack:
        def start(routes=None, **overrides) -> RunningBot:
            services = build_services(bot_settings(redis_url, database_url, **overrides),
                                      routes=routes or build_routes())
            app = create_app(services=services)
            url = stack.enter_context(serve_wsgi(app))
            return RunningBot(url=url, app=app, services=services)

        yield start


@pytest.fixture
def bot(start_bot) -> RunningBot:
    """The default test bot: 江门 2020 in its collection phase, safe mode."""
    return start_bot()
