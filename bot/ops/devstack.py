"""`python -m bot.ops.devstack`: the whole product on one machine with no settings.

Starts an embedded Redis (when REDIS_URL is unset), migrates the database (SQLite by default),
and runs web, worker and the fake WeChat platform, wired to each other, with every line of their
output prefixed by the process name (as honcho does for the Procfile).

Rehearsals: the chat page of the fake platform (http://127.0.0.1:5100/) sets the contest clock.
The bot reads CONTEST_NOW when a process starts, so the stack restarts web + worker with the new
CONTEST_NOW (a few seconds); Redis, the database and the platform with its users keep running.
The request and the status travel as files in a control directory (see simulator.rehearsal).
"""
import json
import os
import secrets
import shutil
import string
import sys
import tempfile
import time
from pathlib import Path

import requests

from bot.contest import load_contest
from bot.contest.clock import parse_contest_now
from bot.ops.migrate import upgrade_to_head
from bot.ops.supervisor import Supervisor
from bot.queueing import MENU_JOB_ID, PUBLISH_MENU, JobQueue
from bot.redis_conn import connect_redis, embedded_redis, embedded_redis_url
from config.settings import INSTANCE_DIR, load_settings
from simulator.rehearsal import STATUS_FILE, pending_request, write_json

DEV_SECRETS_FILE = INSTANCE_DIR / "devstack-secrets.json"
AES_KEY_ALPHABET = string.ascii_letters + string.digits
BOT_PROCESSES = ("web", "worker")
READY_WAIT_S = 60.0


def stack_environment(environ: dict, redis_url: str, rehearsal_start: str) -> dict:
    """The environment of every process: the user's settings, else the local defaults.

    Without CONTEST_NOW the contest clock starts at the contest's first phase, so a rehearsal
    of a past contest begins where entrants would.
    """
    port = environ.get("PORT", "5000")
    sim_port = environ.get("SIM_PORT", "5100")
    env = dict(environ)
    env["REDIS_URL"] = redis_url
    for key, value in dev_secrets().items():
        env.setdefault(key, value)
    env.setdefault("CONTEST_NOW", rehearsal_start)
    env.setdefault("WECHAT_API_BASE_URL", f"http://127.0.0.1:{sim_port}")
    env.setdefault("WECHAT_OPEN_BASE_URL", f"http://127.0.0.1:{sim_port}")
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    env.setdefault("SIM_WEBHOOK_URL", f"http://127.0.0.1:{port}/wechat")
    env.setdefault("SIM_PORT", sim_port)
    env.setdefault("BIND", f"127.0.0.1:{port}")
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.setdefault("SESSION_COOKIE_SECURE", "0")  # plain http on 127.0.0.1
    env.setdefault("TEMPLATES_AUTO_RELOAD", "1")  # an edited chat template shows at once
    return env


def dev_secrets(path: Path = DEV_SECRETS_FILE) -> dict:
    """This checkout's own random secrets for the local stack (made once, kept under instance/).

    Kept so that console logins and signed links survive a restart of the stack; never public,
    never used outside the dev stack (production refuses to start without its own). The AES key
    makes the simulator talk to the bot in safe mode, as a real account would.
    """
    try:
        values = json.loads(path.read_text())
    except (OSError, ValueError):
        values = {}
    made = {"SECRET_KEY": lambda: secrets.token_urlsafe(48),
            "WECHAT_TOKEN": lambda: secrets.token_hex(16),
            "WECHAT_APP_ID": lambda: "wx" + secrets.token_hex(8),
            "WECHAT_APP_SECRET": lambda: secrets.token_hex(16),
            "WECHAT_ENCODING_AES_KEY": lambda: "".join(
                secrets.choice(AES_KEY_ALPHABET) for _ in range(43))}
    missing = {key: make() for key, make in made.items() if not values.get(key)}
    if not missing:
        return values
    values.update(missing)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(values, handle)
    return values


def commands(env: dict) -> dict[str, list[str]]:
    """The argv of each process (web as in the Procfile, worker, the fake platform)."""
    python = sys.executable
    return {
        "web": [python, "-m", "gunicorn", "--workers", "2", "--worker-class", "gthread",
                "--threads", "8", "--bind", env["BIND"], "--timeout", "30",
                "wsgi:create_app()"],
        "worker": [python, "-m", "jobs.worker"],
        "wechat": [python, "-m", "simulator"],
    }


class RehearsalClock:
    """The stack side of the chat page's clock control: restarts web + worker at a new time."""

    def __init__(self, supervisor: Supervisor, env: dict, contest, control_dir: Path):
        self.supervisor, self.env, self.contest = supervisor, env, contest
        self.control_dir = control_dir
        self.status = {"contest": contest.name, "contest_now": env["CONTEST_NOW"],
                       "request_id": None, "phases": phase_list(contest)}

    def start_bot(self) -> None:
        """Start web + worker at the current CONTEST_NOW; report when web answers."""
        self._report(state="starting", started_at=time.time(), error=None)
        for name in BOT_PROCESSES:
            self.supervisor.start(name, commands(self.env)[name], self.env)
        ready = wait_until_healthy(f"http://{self.env['BIND']}/healthz", self.supervisor)
        self._report(state="running" if ready else "failed",
                     error=None if ready else "web did not answer /healthz")

    def poll(self) -> None:
        """Handle a new clock request from the chat page, if there is one."""
        wanted = pending_request(self.control_dir, self.status["request_id"])
        if wanted is None:
            return
        self.status["request_id"] = wanted.get("id")
        try:
            value = parse_contest_now(wanted.get("contest_now", ""), self.contest.timezone)
        except ValueError as error:
            self._report(state="failed", error=str(error))
            return
        self.env["CONTEST_NOW"] = value.replace(tzinfo=None).isoformat(timespec="seconds")
        self.supervisor.say("system", f"contest clock → {self.env['CONTEST_NOW']}: "
                                      "restarting web + worker")
        self.supervisor.stop(BOT_PROCESSES)
        self.start_bot()

    def _report(self, **changes) -> None:
        self.status.update(changes, contest_now=self.env["CONTEST_NOW"])
        write_json(self.control_dir / STATUS_FILE, self.status)


def phase_list(contest) -> list[dict]:
    """The contest's phases as JSON for the chat page's clock buttons."""
    return [{"id": p.id, "name": p.name, "start": f"{p.start:%Y-%m-%dT%H:%M:%S}",
             "end": f"{p.end:%Y-%m-%dT%H:%M:%S}"} for p in contest.phases]


def wait_until_healthy(url: str, supervisor: Supervisor, timeout_s: float = READY_WAIT_S) -> bool:
    """Poll the bot's /healthz until it answers 200 (False on timeout or a process exit)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not supervisor.stopping:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        if supervisor.exited():
            return False
        time.sleep(0.3)
    return False


def run(supervisor: Supervisor, clock: RehearsalClock) -> int:
    """Start the stack and watch it until Ctrl-C or a process stops; returns the exit code."""
    supervisor.handle_signals()
    supervisor.start("wechat", commands(clock.env)["wechat"], clock.env)
    clock.start_bot()
    returncode = 0
    while not supervisor.stopping:
        stopped = supervisor.exited()
        if stopped:
            supervisor.say("system", f"{stopped[0]} exited (rc={stopped[1]}): stopping the stack")
            returncode = stopped[1] or 1
            break
        clock.poll()
        time.sleep(0.3)
    supervisor.stop()
    return returncode


def main() -> int:
    """Run the stack until Ctrl-C; returns the exit code of the first process to stop."""
    settings = load_settings()
    redis_server = None if settings["REDIS_URL"] else embedded_redis()
    redis_url = settings["REDIS_URL"] or embedded_redis_url(redis_server)
    contest = load_contest(settings["CONTEST"])
    env = stack_environment(dict(os.environ), redis_url,
                            f"{contest.phases[0].start:%Y-%m-%dT%H:%M:%S}")
    upgrade_to_head(settings["DATABASE_URL"])
    queue_menu_publishing(redis_server or connect_redis(redis_url))
    control_dir = Path(tempfile.mkdtemp(prefix="contestbot-devstack-"))
    env["SIM_CLOCK_CONTROL"] = str(control_dir)
    supervisor = Supervisor()
    print(banner(env, settings), flush=True)
    try:
        return run(supervisor, RehearsalClock(supervisor, env, contest, control_dir))
    finally:
        shutil.rmtree(control_dir, ignore_errors=True)


def queue_menu_publishing(redis_client) -> None:
    """Have the worker publish the account's menu to the (fake) platform once it starts."""
    JobQueue(redis_client).enqueue(PUBLISH_MENU, job_id=MENU_JOB_ID)


def banner(env: dict, settings: dict) -> str:
    """Where to open things, printed once at start."""
    sim = f"http://127.0.0.1:{env['SIM_PORT']}"
    return "\n".join([
        f"contest bot: contest {settings['CONTEST']}, database {settings['DATABASE_URL']}",
        f"  chat page:      {sim}/   (simulated users, the menu, videos, the contest clock)",
        f"  contest clock:  starts at {env['CONTEST_NOW']} (change it on the chat page)",
        f"  webhook:        {env['PUBLIC_BASE_URL']}/wechat   health: {env['PUBLIC_BASE_URL']}/healthz",
        f"  chat from a terminal: .venv/bin/python -m simulator.chat --url {sim}",
        "  stop: Ctrl-C",
    ])


if __name__ == "__main__":
    sys.exit(main())
