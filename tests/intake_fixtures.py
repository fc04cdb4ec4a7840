"""The video intake stack for tests: the bot, the fake WeChat wired to it, a worker's environment."""
from datetime import datetime, UTC
from pathlib import Path

import pytest
from rq import Queue, Worker
from sqlalchemy import select

from bot.db import session_scope
from bot.entries import confirm_entry
from bot.models import Entry
from jobs import context
from tests.bot_fixtures import AES_KEY, APP_ID, TEST_SECRET_KEY, TOKEN

__all__ = ["Stack", "stack", "reply_text", "entry_for"]

SECRET = "test-secret"


class Stack:
    """The bot, the fake platform wired to it, and the environment a worker reads."""

    def __init__(self, bot, platform, media_root: Path):
        self.bot, self.platform, self.media_root = bot, platform, media_root

    @property
    def services(self):
        return self.bot.services

    def follower(self, openid: str):
        self.platform.sim("POST", "/users", json={"openid": openid})
        self.platform.sim("POST", f"/users/{openid}/follow")
        return openid

    def send_video(self, openid: str, path: Path, kind: str = "video") -> dict:
        with open(path, "rb") as handle:
            response = self.platform.app.test_client().post(
                f"/sim/users/{openid}/send", data={"type": kind, "media": (handle, path.name)},
                content_type="multipart/form-data")
        return response.get_json()

    def send_text(self, openid: str, text: str) -> dict:
        return self.platform.sim("POST", f"/users/{openid}/send",
                                 json={"type": "text", "content": text})

    def pushed(self, openid: str) -> list:
        return [m["content"] for m in self.platform.state.inbox_of(openid, {"custom"})]

    def run_worker(self) -> None:
        queue = Queue("default", connection=self.bot.services.redis)
        Worker([queue], connection=self.bot.services.redis).work(burst=True)

    def entry(self, code: str = "101") -> Entry:
        with self.bot.services.db() as session:
            return session.scalars(select(Entry).where(Entry.code == code)).one()


def reply_text(outcome: dict) -> str:
    return outcome["reply"]["Content"]


@pytest.fixture
def stack(start_bot, fake_platform_factory, monkeypatch, tmp_path, redis_url, database_url):
    def start(contest="jiangmen-2020", now="2020-06-20T10:00:00", stack_class=Stack,
              **platform_config):
        platform = fake_platform_factory(APP_ID=APP_ID, APP_SECRET=SECRET, TOKEN=TOKEN,
                                         AES_KEY=AES_KEY, MODE="safe", **platform_config)
        settings = {"WECHAT_API_BASE_URL": platform.url, "WECHAT_APP_SECRET": SECRET,
                    "CONTEST": contest, "CONTEST_NOW": now,
                    "MEDIA_ROOT": str(tmp_path / "media")}
        bot = start_bot(**settings)
        bot.services.settings["PUBLIC_BASE_URL"] = bot.url  # known once served
        platform.configure(WEBHOOK_URL=bot.webhook_url)
        env = {**settings, "REDIS_URL": redis_url, "DATABASE_URL": database_url,
               "WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "SECRET_KEY": TEST_SECRET_KEY,
               "WECHAT_ENCODING_AES_KEY": AES_KEY}
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        context.job_services.cache_clear()
        return stack_class(bot, platform, tmp_path / "media")

    yield start
    context.job_services.cache_clear()


def entry_for(stack, openid: str, title: str = "匠心侨都", kind: str = "team",
              state: str | None = None) -> None:
    at = datetime(2020, 6, 20, 2, tzinfo=UTC)
    with session_scope(stack.bot.services.db) as session:
        entry = confirm_entry(session, contest=stack.bot.services.contest, openid=openid,
                              kind=kind, category="micro_video", answers={"title": title},
                              title=title, at=at)
        if state:
            entry.state = state
