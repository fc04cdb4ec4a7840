"""The chat page shows every channel the bot pushes through, in order, in headless Chromium
(a fake platform alone: the messages are put in the user's inbox as the API would)."""
import pytest

from tests.browser_stack import launch_chromium, screenshot

playwright_api = pytest.importorskip("playwright.sync_api")


def _push_one_of_each(state, openid: str) -> None:
    state.push(openid, "passive", "text", {"MsgType": "text", "Content": "被动回复"})
    state.push(openid, "custom", "text",
               {"text": {"content": "客服：作品见 http://127.0.0.1:5000/h5/gallery"}})
    state.push(openid, "template", "template", {
        "template_id": "TPL_RESULT", "url": "http://127.0.0.1:5000/h5/entries/101",
        "data": {"thing1": {"value": "初审通过"}, "time2": {"value": "2020-07-20"}}})
    state.push(openid, "custom", "news", {"news": {"articles": [
        {"title": "投票开始", "description": "8月1日至10日", "url": "http://127.0.0.1:5000/h5/gallery"}]}})
    state.push(openid, "mass", "text", {"text": {"content": "群发：质量月口号"}})


def test_every_channel_renders_in_order_with_links_opened_as_the_user(fake_platform):
    openid = "oRender"
    fake_platform.sim("POST", "/users", json={"openid": openid, "nickname": "小赵",
                                              "subscribed": True})
    fake_platform.state.menu = {"button": [{"type": "click", "name": "帮助", "key": "MENU_HELP"}]}
    fake_platform.state.templates["TPL_RESULT"] = {"title": "审核结果通知"}
    _push_one_of_each(fake_platform.state, openid)
    with playwright_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 840})
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.add_init_script(f"localStorage.setItem('sim.openid', '{openid}')")
        page.goto(fake_platform.url + "/")
        page.wait_for_function("document.querySelectorAll('li.msg.bot').length === 5")
        channels = page.eval_on_selector_all("li.msg.bot", "els => els.map(e => e.dataset.channel)")
        assert channels == ["passive", "custom", "template", "custom", "mass"]
        texts = page.eval_on_selector_all("li.msg.bot", "els => els.map(e => e.innerText)")
        assert "被动回复" in texts[0] and "客服消息" in texts[1] and "审核结果通知\n" in texts[2]
        assert "初审通过" in texts[2]
        assert "投票开始" in texts[3] and "群发消息" in texts[4]
        link = page.locator("li.msg.bot.custom a").first.get_attribute("href")
        assert link.startswith("/sim/open?openid=oRender&url=http")
        assert page.locator(".menu-top", has_text="帮助").count() == 1
        screenshot(page, "00-every-channel")
        assert errors == []
        browser.close()


def test_the_quiz_timer_counts_down_the_pending_question(fake_platform):
    openid = "oTimer"
    fake_platform.sim("POST", "/users", json={"openid": openid, "nickname": "小钱",
                                              "subscribed": True})
    question = "第3/10题（单选，10分，本题限时5秒）\n题干\nA. 甲\nB. 乙\n请回复一个字母，如 B。"
    fake_platform.state.push(openid, "passive", "text", {"MsgType": "text", "Content": question})
    with playwright_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 840})
        page.add_init_script(f"localStorage.setItem('sim.openid', '{openid}')")
        page.goto(fake_platform.url + "/")
        page.wait_for_function("document.getElementById('quiz-timer').innerText"
                               ".includes('本题剩余')")
        assert "答题中：第3/10题" in page.inner_text("#quiz-timer")
        page.wait_for_function("document.getElementById('quiz-timer').innerText"
                               ".includes('已超时')", timeout=10000)
        fake_platform.state.push(openid, "passive", "text",
                                 {"MsgType": "text", "Content": "答题完成！\n得分：80.0分"})
        page.wait_for_function("document.getElementById('quiz-timer').innerText"
                               ".includes('答题已结束')")
        browser.close()
