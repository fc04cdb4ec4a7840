"""The chat page in headless Chromium against a real dev stack: rehearse 江门 2020 as its users.

Register from 报名 (the menu) to a confirmed entry, send a generated video, see the verdict the
worker pushes; then move the contest clock to the voting phase and vote in chat and on the
gallery page (opened from the menu as that user); then, as the README's rehearsal goes on, an
organizer and a judge (made with the contestbot command) screen, score, compute and publish in
the console, and the entrant hears the result. Screenshots: test-artifacts/chat-page/.
The tests share one stack and run in order (each goes on from the one before).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.browser_stack import (
    bot_count,
    launch_chromium,
    menu,
    new_user,
    say,
    screenshot,
    set_phase,
    start_devstack,
    stop_devstack,
    wait_for_bot,
    wait_until,
)
from tests.conftest import TEST_REDIS_URL
from tests.registration_scripts import JIANGMEN_INDIVIDUAL
from tests.video_fixtures import make_video

playwright_api = pytest.importorskip("playwright.sync_api")
PASSWORD = "rehearsal-password-1"
JIANGMEN_POINTS = {"theme": 27, "ideas": 18, "art": 18, "local": 13, "craft": 13}
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack, process = start_devstack(tmp_path_factory.mktemp("rehearsal"), TEST_REDIS_URL)
    yield stack
    stop_devstack(process)


@pytest.fixture(scope="module")
def page(stack):
    with playwright_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport={"width": 1280, "height": 840}, locale="zh-CN")
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda error: page.js_errors.append(str(error)))
        page.goto(stack.sim + "/")
        page.wait_for_selector(".menu-top")
        yield page
        browser.close()


def test_register_send_a_video_and_see_the_verdict(stack, page, tmp_path):
    new_user(page, "小张")
    screenshot(page, "01-followed")
    before = bot_count(page)
    menu(page, "我要参赛", "报名")
    wait_for_bot(page, "第1问", before)
    for line, expected in JIANGMEN_INDIVIDUAL[1:]:
        say(page, line, expected)
    say(page, "确认", "报名成功")
    screenshot(page, "02-registered")
    video = make_video(tmp_path, "我身边的质检员.mp4", seconds=4, width=1280, height=720)
    before = bot_count(page)
    page.set_input_files("#video", str(video))
    wait_for_bot(page, "已收到作品101", before)
    wait_for_bot(page, "格式检查通过", before, timeout_s=90)  # pushed by the worker
    assert page.locator("li.msg.bot.custom", has_text="格式检查通过").count() == 1
    assert page.locator("li.msg.me", has_text="我身边的质检员.mp4").count() == 1
    screenshot(page, "03-verdict")
    page.click(".tab[data-view='calls']")
    page.wait_for_selector("#platform-view td:has-text('/cgi-bin/message/custom/send')")
    page.click(".tab[data-view='quota']")
    page.wait_for_selector("#platform-view:has-text('客服消息剩余可发')")
    screenshot(page, "04-platform-view")
    assert page.js_errors == []


def _sql(stack, statement: str, **params):
    engine = create_engine(stack.database_url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(statement), params)
            return result.rowcount if result.returns_rows is False else result.all()
    finally:
        engine.dispose()


def _openid_of(stack, nickname: str) -> str:
    users = requests.get(stack.sim + "/sim/users", timeout=10).json()["users"]
    return next(u["openid"] for u in users if u["nickname"] == nickname)


def _create_account(stack, name: str, role: str) -> None:
    """README step 7: the operator command, with the stack's database, no activated venv."""
    env = {**os.environ, "DATABASE_URL": stack.database_url}
    subprocess.run([str(Path(sys.executable).parent / "contestbot"), "users", "create", name,
                    "--role", role, "--password", PASSWORD], env=env, check=True,
                   capture_output=True, timeout=60)


def _console_login(browser_page, stack, name: str) -> None:
    browser_page.goto(stack.web + "/console/login")
    browser_page.fill("input[name=username]", name)
    browser_page.fill("input[name=password]", PASSWORD)
    browser_page.click("button[type=submit]")
    browser_page.wait_for_selector("header .who")


def test_screen_in_the_console_then_vote(stack, page):
    set_phase(page, "screening", "初选")
    _create_account(stack, "张三", "organizer")
    _create_account(stack, "评委甲", "judge")
    console = page.context.new_page()
    _console_login(console, stack, "张三")
    console.click("text=作品")
    console.click("#entries >> text=我身边的质检员")
    console.click("#screening-form button[value=approve]")
    console.wait_for_selector(".flash.success")
    assert console.inner_text("#entry-state") == "初审通过"
    screenshot(console, "05-screened")
    console.close()
    set_phase(page, "voting", "网络投票")
    screenshot(page, "06-voting-phase")
    new_user(page, "小李")
    say(page, "投票 101", "投票成功")
    say(page, "投票 101", "已经投过票了")
    say(page, "排行", "101")
    screenshot(page, "07-voted-in-chat")
    new_user(page, "小王")
    with page.context.expect_page() as opened:
        menu(page, "投票", "作品展示")
    gallery = opened.value
    gallery.wait_for_load_state()
    gallery.click("text=我身边的质检员")
    gallery.click("button:has-text('为101号作品投票')")  # one press: WeChat OAuth as 小王, voted
    gallery.wait_for_selector("text=投票成功")
    screenshot(gallery, "08-voted-on-page")
    votes = _sql(stack, "SELECT voter_openid, channel FROM votes ORDER BY id")
    assert [tuple(v) for v in votes] == [(_openid_of(stack, "小李"), "chat"),
                                         (_openid_of(stack, "小王"), "page")]
    set_phase(page, "judging", "专业评审")
    say(page, "投票 101", "不能再投票了")
    screenshot(page, "09-voting-closed")
    assert page.js_errors == []


def test_score_compute_publish_and_the_entrant_hears_the_result(stack, page):
    judge = page.context.new_page()
    _console_login(judge, stack, "评委甲")
    judge.click("text=我身边的质检员")
    for criterion, points in JIANGMEN_POINTS.items():
        judge.fill(f"input[name=points-{criterion}]", str(points))
    judge.click("#score-form button[type=submit]")
    judge.wait_for_selector(".flash.success")
    screenshot(judge, "10-scored")
    judge.close()
    set_phase(page, "results", "获奖公布与作品展示")
    organizer = page.context.new_page()
    _console_login(organizer, stack, "张三")
    organizer.goto(stack.web + "/console/results")
    organizer.click("text=按当前评分和投票计算结果")
    organizer.wait_for_selector("#results")
    assert "没有评审得分" not in organizer.inner_text("main")
    organizer.check("#publish input[name=confirm]")
    screenshot(organizer, "11-reviewed")
    organizer.click("#publish button[type=submit]")
    organizer.wait_for_selector(".flash.success")
    organizer.close()
    openid = _openid_of(stack, "小张")
    assert wait_until(lambda: any("最终得分" in line for line in _pushed(stack, openid)), 60)
    new_user(page, "小赵")
    say(page, "结果", "一等奖")
    screenshot(page, "12-results")
    assert page.js_errors == []


def _pushed(stack, openid: str) -> list[str]:
    entries = requests.get(f"{stack.sim}/sim/transcript/{openid}", timeout=10).json()["messages"]
    return [json.dumps(entry, ensure_ascii=False) for entry in entries if entry["channel"] != "user"]
