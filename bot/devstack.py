"""`python -m bot.devstack`: the whole product on one machine with no settings.

Starts an embedded Redis (when REDIS_URL is unset), migrates the database (SQLite by default),
and runs web, worker and the fake WeChat platform under honcho, wired to each other.
"""
import os
import sys

from honcho.manager import Manager

from bot.contest import load_contest
from bot.migrate import upgrade_to_head
from bot.redis_conn import connect_redis, embedded_redis, embedded_redis_url
from config.settings import load_settings

# A fixed EncodingAESKey for the local stack: the simulator talks to the bot in safe mode, like a
# real account would. Never use it for a real account.
DEV_AES_KEY = "c29tZS1sb2NhbC1vbmx5LWtleS1mb3ItdGhlLWRldi1zdGE"[:43]


def stack_environment(environ: dict, redis_url: str, rehearsal_start: str) -> dict:
    """The environment of every process: the user's settings, else the local defaults.

    Without CONTEST_NOW the contest clock starts at the contest's first phase, so a rehearsal
    of a past contest begins where entrants would.
    """
    port = environ.get("PORT", "5000")
    sim_port = environ.get("SIM_PORT", "5100")
    env = dict(environ)
    env["REDIS_URL"] = redis_url
    env.setdefault("CONTEST_NOW", rehearsal_start)
    env.setdefault("WECHAT_API_BASE_URL", f"http://127.0.0.1:{sim_port}")
    env.setdefault("WECHAT_OPEN_BASE_URL", f"http://127.0.0.1:{sim_port}")
    env.setdefault("WECHAT_ENCODING_AES_KEY", DEV_AES_KEY)
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    env.setdefault("SIM_WEBHOOK_URL", f"http://127.0.0.1:{port}/wechat")
    env.setdefault("SIM_PORT", sim_port)
    env.setdefault("BIND", f"127.0.0.1:{port}")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def main() -> int:
    """Run the stack until Ctrl-C; returns the exit code of the first process to stop."""
    settings = load_settings()
    redis_server = None if settings["REDIS_URL"] else embedded_redis()
    redis_url = settings["REDIS_URL"] or embedded_redis_url(redis_server)
    contest = load_contest(settings["CONTEST"])
    env = stack_environment(dict(os.environ), redis_url, f"{contest.phases[0].start:%Y-%m-%dT%H:%M:%S}")
    upgrade_to_head(settings["DATABASE_URL"])
    queue_menu_publishing(redis_server or connect_redis(redis_url))
    python = sys.executable
    manager = Manager()
    manager.add_process("web", f"{python} -m gunicorn --workers 2 --worker-class gthread "
                               f"--threads 8 --bind {env['BIND']} 'bot.app:create_app()'", env=env)
    manager.add_process("worker", f"{python} -m jobs.worker", env=env)
    manager.add_process("wechat", f"{python} -m simulator", env=env)
    print(banner(env, settings), flush=True)
    manager.loop()
    return manager.returncode or 0


def queue_menu_publishing(redis_client) -> None:
    """Have the worker publish the account's menu to the (fake) platform once it starts."""
    from rq import Queue

    from jobs.menu import queue_publish_menu

    queue_publish_menu(Queue("default", connection=redis_client))


def banner(env: dict, settings: dict) -> str:
    """Where to open things, printed once at start."""
    sim = f"http://127.0.0.1:{env['SIM_PORT']}"
    return "\n".join([
        f"contest bot: contest {settings['CONTEST']}, database {settings['DATABASE_URL']}",
        f"  contest clock:  starts at {env['CONTEST_NOW']} (set CONTEST_NOW to rehearse another day)",
        f"  webhook:        {env['PUBLIC_BASE_URL']}/wechat   health: {env['PUBLIC_BASE_URL']}/healthz",
        f"  fake WeChat:    {sim}",
        f"  chat from a terminal: .venv/bin/python -m simulator.chat --url {sim}",
        "  stop: Ctrl-C",
    ])


if __name__ == "__main__":
    sys.exit(main())
