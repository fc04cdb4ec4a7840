"""The README's quiz rehearsal in headless Chromium against a real dev stack on 广西 2022:
a person takes the 知识竞赛 on the chat page (the timer under the chat counts down), asks for
排名 and 解析, and the public leaderboard lists them with a masked name."""
import re

import pytest
import requests

from tests.browser_stack import (
    bot_count,
    launch_chromium,
    new_user,
    say,
    screenshot,
    start_devstack,
    stop_devstack,
    wait_for_bot,
)
from tests.conftest import TEST_REDIS_URL

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.timeout(300)
HINTS = {"请回复“对”或“错”。": "对", "请回复全部正确选项的字母，如 AC。": "AB",
         "请回复一个字母，如 B。": "A"}


def test_take_the_quiz_on_the_chat_page_and_find_yourself_on_the_leaderboard(tmp_path):
    stack, process = start_devstack(tmp_path, TEST_REDIS_URL, contest="guangxi-2022")
    try:
        with playwright_api.sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_context(viewport={"width": 1280, "height": 840},
                                       locale="zh-CN").new_page()
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(stack.sim + "/")
            new_user(page, "小周")
            say(page, "答题", "请输入您的姓名")
            say(page, "周工程师", "工作单位全称")
            say(page, "广西某某工程监理有限公司", "所在的城市")
            say(page, "南宁", "第1/10题")
            page.wait_for_function("document.getElementById('quiz-timer').innerText"
                                   ".includes('本题剩余')")
            assert "答题中：第1/10题" in page.inner_text("#quiz-timer")
            screenshot(page, "10-quiz-question")
            for number in range(1, 11):
                last = page.locator("li.msg.bot").last.inner_text()
                hint = next(line for line in reversed(last.splitlines()) if line in HINTS)
                expected = f"第{number + 1}/10题" if number < 10 else "答题完成"
                say(page, HINTS[hint], expected)
            result = page.locator("li.msg.bot").last.inner_text()
            assert re.search(r"得分：\d+\.\d分", result) and "排名第1位（共1人）" in result
            page.wait_for_function("document.getElementById('quiz-timer').innerText"
                                   ".includes('答题已结束')")
            say(page, "解析", "【答题解析】第1/")
            before = bot_count(page)
            say(page, "排名", "排行榜")
            wait_for_bot(page, "周**师", before)
            screenshot(page, "11-quiz-ranking")
            board = requests.get(stack.web + "/h5/quiz", timeout=10)
            assert board.status_code == 200 and "周**师" in board.text
            assert "周工程师" not in board.text
            assert errors == []
            browser.close()
    finally:
        stop_devstack(process)
