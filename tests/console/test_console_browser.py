"""End to end in headless Chromium (Debian's /usr/bin/chromium driven by Playwright): an
organizer logs in, screens an entry, the entrant is told, and a downloaded export is checked.
Screenshots (laptop and phone widths) go to test-artifacts/console/."""
import os
import shutil
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook

from bot.h5.upload_links import upload_link
from config.settings import PROJECT_ROOT
from tests.console_fixtures import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "console"


@pytest.fixture
def browser():
    if not shutil.which(CHROMIUM):
        message = "Debian's chromium is not installed (apt-get install chromium)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def test_an_organizer_screens_an_entry_and_downloads_the_summary(console, browser,  # noqa: F811
                                                                 tmp_path):
    stack = console()
    stack.user("organizer1", "organizer")
    openid = stack.follower("oBrowser")
    stack.say(openid, "我的作品")
    entry = stack.add_entry(openid, {"name": "周八", "phone": "13700001234", "title": "侨都之光",
                                     "synopsis": "江门侨乡的质量新变化。"})
    context = browser.new_context(accept_downloads=True, locale="zh-CN",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(stack.url + "/console/")
    assert "/console/login" in page.url
    page.fill("input[name=username]", "organizer1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/dashboard")
    assert page.inner_text("#entries-total") == "1"
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    page.click("text=作品")
    page.click("#entries >> text=侨都之光")
    page.wait_for_url(f"**/console/entries/{entry.id}")
    assert "周八" in page.inner_text("#answers")
    page.fill("#screening-form textarea[name=reason]", "符合征集要求")
    page.click("#screening-form button[value=approve]")
    page.wait_for_selector(".flash.success")
    assert page.inner_text("#entry-state") == "初审通过"
    page.screenshot(path=str(ARTIFACTS / "entry-approved.png"), full_page=True)
    stack.run_worker()
    (message,) = stack.pushed(openid)
    assert "已通过" in message and "审核意见：符合征集要求" in message

    phone = browser.new_page(viewport={"width": 375, "height": 812})
    phone.context.add_cookies(context.cookies())
    phone.goto(f"{stack.url}/console/entries/{entry.id}")
    phone.screenshot(path=str(ARTIFACTS / "entry-phone.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 400

    page.click("text=导出")
    with page.expect_download() as download_info:
        page.click("#summary-approved")
    target = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(target)
    assert target.name == "江门质量故事微视频大赛-汇总表-通过初审的作品.xlsx"
    sheet = load_workbook(target).active
    assert sheet["B2"].value == "作品编号" and sheet["B3"].value == "101"
    assert sheet["F3"].value == "周八" and sheet["G3"].value == "13700001234"
    assert sheet["K3"].value == "侨都之光" and sheet["N3"].value == "初审通过"
    assert sheet.max_row == 3


# Every violation of the content-security policy a page causes, as the page itself sees them.
CSP_WATCH = """window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => window.cspViolations.push(
    event.violatedDirective + " " + (event.blockedURI || "inline")));"""
RED = "rgb(183, 28, 28)"  # the header colour of the console's and the H5 pages' stylesheets


def _styled_and_clean(page) -> None:
    assert page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor") \
        == RED
    assert page.evaluate("window.cspViolations") == []


def test_console_upload_and_vote_pages_work_under_the_content_security_policy(  # noqa: F811
        console, browser, tmp_path):
    collecting = console(now="2020-07-10T10:00:00")
    collecting.user("organizer1", "organizer")
    waiting = collecting.add_entry("oUp", {"name": "李四", "title": "侨乡"},
                                   state="awaiting_video", verdict=None)
    page = browser.new_context(locale="zh-CN").new_page()
    page.add_init_script(CSP_WATCH)
    page.goto(collecting.url + "/console/login")
    assert page.evaluate("getComputedStyle(document.querySelector('.card')).maxWidth") == "420px"
    page.fill("input[name=username]", "organizer1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/dashboard")
    _styled_and_clean(page)

    link = upload_link(collecting.services.settings, collecting.services.contest.id, waiting.id,
                       "oUp", collecting.services.now())
    page.goto(collecting.url + urlsplit(link).path)
    assert page.evaluate("window.cspViolations") == []
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\0" * 300_000)
    page.set_input_files("#file", str(clip))
    page.click("#start")  # the page's script, its XHRs and its progress bar
    page.wait_for_selector("#message.ok", timeout=30_000)
    assert page.evaluate("document.getElementById('bar').style.width") == "100%"
    assert page.evaluate("window.cspViolations") == []

    voting = console(now="2020-08-05T10:00:00")
    shown = voting.add_entry("oShown", {"name": "张三", "title": "侨都匠心"}, state="approved")
    page.route("https://open.weixin.qq.com/**", lambda route: route.fulfill(body="wechat"))
    page.goto(f"{voting.url}/h5/entries/{shown.code}")
    _styled_and_clean(page)
    assert page.evaluate("document.querySelector('video source').src").startswith(voting.url)
    page.click("form button.button")  # no session yet: redirected to WeChat's OAuth page
    page.wait_for_url("https://open.weixin.qq.com/connect/oauth2/authorize**")
