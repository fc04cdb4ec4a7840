"""The one test stack every suite shares: the real bot served on loopback, the fake WeChat wired
to it both ways, the environment a worker process reads, and what tests do with them: follow
the account, say something in chat, read what was pushed, run a real RQ worker.

Suites that need more subclass Stack (the console's seeding helpers, the upload links, bulk
people for broadcasts) and pass it as `stack_class`.
"""
from dataclasses import dataclass
from pathlib import Path

import pytest
from rq import Worker
from sqlalchemy import select

from bot.models import Entry
from jobs import context
from tests.bot_fixtures import AES_KEY, APP_ID, TEST_SECRET_KEY, TOKEN, RunningBot

__all__ = ["SECRET", "Stack", "make_stack", "reply_text"]

SECRET = "test-secret"


def reply_text(outcome: dict) -> str:
    """The text of the bot's passive reply in a platform send outcome ('' for none)."""
    return (outcome.get("reply") or {}).get("Content", "")


@dataclass
class Stack:
    """The bot, the fake platform wired to it, and the environment a worker reads."""

    bot: RunningBot
    platform: object
    media_root: Path

    @property
    def services(self):
        return self.bot.services

    @property
    def app(self):
        return self.bot.app

    @property
    def url(self) -> str:
        return self.bot.url

    def follower(self, openid: str) -> str:
        """A user on the platform who follows the account (the bot sees the subscribe)."""
        self.platform.sim("POST", "/users", json={"openid": openid})
        self.platform.sim("POST", f"/users/{openid}/follow")
        return openid

    def send_text(self, openid: str, text: str) -> dict:
        """The user types text in chat; the platform's outcome (the reply is in 'reply')."""
        return self.platform.sim("POST", f"/users/{openid}/send",
                                 json={"type": "text", "content": text})

    def say(self, openid: str, text: str) -> str:
        """The user types text in chat; the bot's passive reply."""
        return reply_text(self.send_text(openid, text))

    def send_video(self, openid: str, path: Path, kind: str = "video") -> dict:
        """The user sends a video file in chat (it becomes a MediaId on the platform)."""
        with open(path, "rb") as handle:
            response = self.platform.app.test_client().post(
                f"/sim/users/{openid}/send", data={"type": kind, "media": (handle, path.name)},
                content_type="multipart/form-data")
        return response.get_json()

    def pushed(self, openid: str) -> list[str]:
        """Texts that reached the user as customer-service messages, oldest first."""
        return [m["content"] for m in self.platform.state.inbox_of(openid, {"custom"})]

    def received(self, openid: str) -> list[dict]:
        """Every pushed message (custom, mass, template) the user got, oldest first."""
        return list(self.platform.state.inbox_of(openid, {"custom", "mass", "template"}))

    def run_worker(self, with_scheduler: bool = False) -> None:
        """A real RQ worker in burst mode on every queue the product uses."""
        queues = list(self.services.jobs.queues.values())
        Worker(queues, connection=self.services.redis).work(burst=True,
                                                             with_scheduler=with_scheduler)

    def entry(self, key: str | int = "101") -> Entry:
        """The entry with this code (a str, e.g. '101') or this database id (an int)."""
        with self.services.db() as session:
            if isinstance(key, int):
                return session.get(Entry, key)
            return session.scalars(select(Entry).where(Entry.code == key)).one()


@pytest.fixture
def make_stack(start_bot, fake_platform_factory, monkeypatch, tmp_path, redis_url, database_url):
    """Start a stack: `make_stack(contest=..., now=..., stack_class=..., routes=...,
    platform={...platform config}, **settings)`."""
    def start(contest="jiangmen-2020", now="2020-06-20T10:00:00", stack_class=Stack,
              routes=None, platform=None, **settings):
        fake = fake_platform_factory(APP_ID=APP_ID, APP_SECRET=SECRET, TOKEN=TOKEN,
                                     AES_KEY=AES_KEY, MODE="safe", **(platform or {}))
        values = {"WECHAT_API_BASE_URL": fake.url, "WECHAT_APP_SECRET": SECRET,
                  "CONTEST": contest, "CONTEST_NOW": now,
                  "MEDIA_ROOT": str(tmp_path / "media"), **settings}
        bot = start_bot(routes=routes, **values)
        bot.services.settings["PUBLIC_BASE_URL"] = bot.url  # known once it is served
        fake.configure(WEBHOOK_URL=bot.webhook_url)
        env = {**values, "REDIS_URL": redis_url, "DATABASE_URL": database_url,
               "WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "SECRET_KEY": TEST_SECRET_KEY,
               "WECHAT_ENCODING_AES_KEY": AES_KEY, "PUBLIC_BASE_URL": bot.url}
        for key, value in env.items():
            monkeypatch.setenv(key, str(value))
        context.job_services.cache_clear()
        return stack_class(bot, fake, tmp_path / "media")

    yield start
    context.job_services.cache_clear()
