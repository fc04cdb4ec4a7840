"""A real dev stack (`python -m bot.ops.devstack`) and headless Debian Chromium for browser tests.

The stack runs on the test Redis (TEST_REDIS_URL, flushed first) and a SQLite file of its own,
like README command 1; screenshots go to test-artifacts/ (git-ignored).
"""
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests

from config.settings import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "chat-page"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout_s: float = 60.0) -> bool:
    """Poll `check` until it is truthy (HTTP errors count as not yet)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except requests.RequestException:
            pass
        time.sleep(0.3)
    return False


@dataclass
class DevStack:
    """The running stack: the bot's and the platform's base URLs and its SQLite database."""

    web: str
    sim: str
    database_url: str
    media_root: Path


def start_devstack(tmp: Path, redis_url: str, contest: str | None = None):
    """Start the dev stack (on the default contest, or `contest`); returns (DevStack, process)."""
    redis.Redis.from_url(redis_url).flushdb()
    web_port, sim_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "CONTEST"))}
    database_url = f"sqlite:///{tmp}/stack.sqlite3"
    env.update(PORT=str(web_port), SIM_PORT=str(sim_port), REDIS_URL=redis_url,
               DATABASE_URL=database_url, MEDIA_ROOT=str(tmp / "media"), LOG_LEVEL="INFO")
    if contest:
        env["CONTEST"] = contest
    log = open(tmp / "devstack.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "bot.ops.devstack"], cwd=PROJECT_ROOT,
                               env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    stack = DevStack(f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{sim_port}",
                     database_url, tmp / "media")
    menu = lambda: requests.get(stack.sim + "/sim/menu", timeout=2).json()["menu"]
    ready = wait_until(lambda: requests.get(stack.web + "/healthz", timeout=2).ok and menu())
    if not ready:
        stop_devstack(process)
        pytest.fail("the dev stack did not come up:\n" + (tmp / "devstack.log").read_text()[-3000:])
    return stack, process


def stop_devstack(process) -> None:
    """Ctrl-C the whole stack and wait for it."""
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def launch_chromium(playwright):
    """Debian's Chromium, headless (never a downloaded browser build); skipped without it,
    except in CI, where .ci/run installs it."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium fonts-wqy-zenhei"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/chat-page/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


BOT_TEXT_SINCE = """([before, text]) => [...document.querySelectorAll('li.msg.bot')]
    .slice(before).some((li) => li.innerText.includes(text))"""


def bot_count(page) -> int:
    """How many bot messages the chat shows."""
    return page.locator("li.msg.bot").count()


def wait_for_bot(page, text: str, before: int, timeout_s: float = 20) -> None:
    """Wait for a bot message after the first `before` ones that contains `text`."""
    page.wait_for_function(BOT_TEXT_SINCE, arg=[before, text], timeout=timeout_s * 1000)


def say(page, line: str, expected: str, timeout_s: float = 20) -> None:
    """Type a line into the chat box, press Enter, wait for a reply containing `expected`."""
    before = bot_count(page)
    page.fill("#text", line)
    page.press("#text", "Enter")
    wait_for_bot(page, expected, before, timeout_s)


def new_user(page, nickname: str) -> None:
    """Create a simulated user on the page and follow the account (waits for the welcome)."""
    page.fill("#new-nickname", nickname)
    page.click("#new-user")
    page.wait_for_function("(name) => document.getElementById('who').innerText.includes(name)",
                           arg=nickname)
    page.click("#follow")
    wait_for_bot(page, "欢迎关注", 0)


def menu(page, top: str, sub: str) -> None:
    """Tap a menu button and one of its sub-buttons."""
    page.locator(".menu-top", has_text=top).click()
    page.locator(".submenu button", has_text=sub).click()


def set_phase(page, phase_id: str, phase_name: str, timeout_s: float = 90) -> None:
    """Press a phase's clock button and wait for the restarted bot to run in that phase."""
    page.click(f"#phase-buttons button[data-phase='{phase_id}']")
    page.wait_for_function(
        """(name) => document.getElementById('clock-state').innerText.startsWith('已生效')
           && document.getElementById('clock-phase').innerText === name""",
        arg=phase_name, timeout=timeout_s * 1000)
