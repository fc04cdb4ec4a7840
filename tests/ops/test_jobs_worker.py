"""Slow work runs in RQ: jobs called directly and by a real burst worker, against the fake WeChat."""
import pytest
from rq import Queue, Worker

from bot.queueing import PUBLISH_MENU
from handlers.menu import menu_definition
from jobs import context
from jobs.menu import publish_menu
from simulator.platform import DEFAULTS as SIM_DEFAULTS
from tests.bot_fixtures import bot_settings


@pytest.fixture
def worker_env(monkeypatch, fake_platform, redis_url, database_url, engine):
    """The environment a worker process reads, pointed at the test services and fake WeChat."""
    settings = {"REDIS_URL": redis_url, "DATABASE_URL": database_url,
                "WECHAT_API_BASE_URL": fake_platform.url, "WECHAT_APP_ID": SIM_DEFAULTS["APP_ID"],
                "WECHAT_APP_SECRET": SIM_DEFAULTS["APP_SECRET"],
                "PUBLIC_BASE_URL": "https://contest.example.cn"}
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    context.job_services.cache_clear()
    yield bot_settings(redis_url, database_url, **settings)
    context.job_services.cache_clear()


def test_publish_menu_called_directly_sets_the_accounts_menu(worker_env, fake_platform):
    assert publish_menu()["errcode"] == 0
    assert fake_platform.state.menu == menu_definition("https://contest.example.cn/h5/gallery")


def test_the_menu_command_queues_a_job_a_burst_worker_runs_once(worker_env, fake_platform,
                                                                 redis_client):
    from bot.app import create_app

    app = create_app(worker_env)
    runner = app.test_cli_runner()
    assert "queued" in runner.invoke(args=["menu", "publish"]).output
    assert "already queued" in runner.invoke(args=["menu", "publish"]).output
    queue = Queue(PUBLISH_MENU.queue, connection=redis_client)
    assert queue.count == 1
    Worker([queue], connection=redis_client).work(burst=True)
    assert queue.count == 0
    assert fake_platform.state.menu["button"][0]["name"] == "我要参赛"
    assert len([c for c in fake_platform.state.calls if c["path"] == "/cgi-bin/menu/create"]) == 1
