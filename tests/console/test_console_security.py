"""The console and the H5 pages attacked as issue 13 found them: Redis down at login, parallel
wrong passwords, a cookie replayed after logout or a password change, and the browser headers
(cookie flags, framing, content-security policy, referrer, MIME sniffing)."""
import re
import threading
from urllib.parse import urlsplit

import pytest
import requests

import bot.console.auth as auth
from bot.console import users_cli
from bot.h5.upload_links import upload_link
from bot.ops.devstack import stack_environment
from config.settings import load_settings
from tests.console_fixtures import PASSWORD
from tests.faults.support import RedisServer
from tests.platform_fixtures import serve_wsgi

LIMIT = 10  # failed logins allowed per username per 15 minutes


def test_login_with_redis_down_answers_503_in_chinese(console, tmp_path):  # noqa: F811
    redis_server = RedisServer(tmp_path / "redis").start()
    try:
        stack = console(REDIS_URL=redis_server.url)
        stack.user("org", "organizer")
        client = stack.client()
        token = client.token()
        redis_server.kill()
        response = client.http.post("/console/login", data={
            "username": "org", "password": PASSWORD, "csrf_token": token})
    finally:
        redis_server.kill()
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and "暂时无法登录" in page
    assert 'name="username"' in page and "Traceback" not in page


def test_parallel_wrong_passwords_get_at_most_the_limit_of_password_checks(console,  # noqa: F811
                                                                            monkeypatch):
    stack = console()
    stack.user("org", "organizer")
    checks = []
    real_check = auth.check_password_hash

    def counted(stored, given):
        checks.append(given)
        return real_check(stored, given)

    monkeypatch.setattr(auth, "check_password_hash", counted)
    browsers = [requests.Session() for _ in range(60)]
    tokens = [auth_token(stack.url, browser) for browser in browsers]
    start, statuses = threading.Barrier(len(browsers)), []

    def attack(browser, token, index):
        start.wait()
        answer = browser.post(stack.url + "/console/login", timeout=60, allow_redirects=False,
                              data={"username": "org", "password": f"guess-{index}",
                                    "csrf_token": token})
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=attack, args=(browser, token, index))
               for index, (browser, token) in enumerate(zip(browsers, tokens, strict=True))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert len(checks) == LIMIT
    assert sorted(statuses) == [401] * LIMIT + [429] * (60 - LIMIT)
    assert stack.client().login("org").status_code == 429  # the right password too, for now


def auth_token(url: str, browser: requests.Session) -> str:
    page = browser.get(url + "/console/login", timeout=10).text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_a_successful_login_gives_its_attempt_back(console):  # noqa: F811
    stack = console()
    stack.user("org", "organizer")
    client = stack.client()
    for _ in range(LIMIT - 1):
        assert client.login("org", "nope-nope").status_code == 401
    for _ in range(3):
        assert stack.client().login("org").status_code == 302
    assert client.login("org", "nope-nope").status_code == 401
    assert client.login("org").status_code == 429


def _saved_session(client) -> str:
    return client.http.get_cookie("session").value


def _replay(stack, cookie: str):
    thief = stack.client()
    thief.http.set_cookie("session", cookie)
    return thief.get("/console/dashboard")


def test_a_cookie_saved_before_logout_no_longer_opens_the_dashboard(console):  # noqa: F811
    stack = console()
    stack.user("org", "organizer")
    client, other_device = stack.client("org"), stack.client("org")
    saved = _saved_session(client)
    assert _replay(stack, saved).status_code == 200
    assert client.post("/console/logout").status_code == 302
    replayed = _replay(stack, saved)
    assert replayed.status_code == 302 and "/console/login" in replayed.location
    assert other_device.get("/console/dashboard").status_code == 302  # logout ends every session
    assert stack.client("org").get("/console/dashboard").status_code == 200


def test_a_password_change_ends_every_session_of_the_account(console):  # noqa: F811
    stack = console()
    stack.user("org", "organizer")
    stack.user("jud", "judge")
    client, judge = stack.client("org"), stack.client("jud")
    saved = _saved_session(client)
    result = stack.app.test_cli_runner().invoke(
        users_cli, ["password", "org", "--password", "a-new-pass-77"])
    assert result.exit_code == 0, result.output
    assert client.get("/console/dashboard").status_code == 302
    assert _replay(stack, saved).status_code == 302
    assert judge.get("/console/jury").status_code == 200  # other accounts are left alone
    assert stack.client().login("org", "a-new-pass-77").status_code == 302


def test_session_cookies_are_secure_by_default_and_off_only_in_the_dev_stack(console):  # noqa: F811
    assert load_settings(environ={})["SESSION_COOKIE_SECURE"] is True
    assert load_settings(environ={"SESSION_COOKIE_SECURE": "0"})["SESSION_COOKIE_SECURE"] is False
    with pytest.raises(ValueError):
        load_settings(environ={"SESSION_COOKIE_SECURE": "ture"})
    assert stack_environment({}, "redis://x", "2020-06-01T00:00:00")["SESSION_COOKIE_SECURE"] \
        == "0"
    stack = console(SESSION_COOKIE_SECURE="1")
    stack.user("org", "organizer")
    answer = stack.client().login("org")
    cookie = answer.headers["Set-Cookie"]
    assert answer.status_code == 302 and cookie.startswith("session=")
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "; SameSite=Lax" in cookie
    with serve_wsgi(stack.app) as url:  # a browser on plain http never sends it back
        browser = requests.Session()
        token = auth_token(url, browser)
        browser.post(url + "/console/login", data={"username": "org", "password": PASSWORD,
                                                    "csrf_token": token})
        assert "/console/login" in browser.get(url + "/console/dashboard", timeout=10).url


SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b([^>]*)>", re.I)


def _check_headers(response, form_action: str, referrer: str = "same-origin") -> None:
    headers = response.headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == referrer
    policy = dict(part.strip().split(" ", 1) for part in
                  headers["Content-Security-Policy"].split(";"))
    nonce = re.fullmatch(r"'nonce-([\w-]{16,})'", policy["script-src"]).group(1)
    assert policy["style-src"] == f"'nonce-{nonce}'" and policy["default-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'" and policy["form-action"] == form_action
    assert policy["media-src"] == "'self'" and policy["img-src"] == "'self'"
    page = response.get_data(as_text=True)
    for _tag, attributes in SCRIPT_OR_STYLE.findall(page):
        assert f'nonce="{nonce}"' in attributes  # every inline element runs...
    assert not re.search(r"\sstyle=|\son[a-z]+=|javascript:", page)  # ...nothing else would


def test_console_pages_send_the_browser_protections(console):  # noqa: F811
    stack = console()
    stack.user("org", "organizer")
    entry = stack.add_entry("oHeaders", {"name": "张三", "title": "侨都匠心"})
    client = stack.client("org")
    for path in ("/console/login", "/console/dashboard", f"/console/entries/{entry.id}",
                 "/console/entries", "/console/broadcasts", "/console/nowhere"):
        _check_headers(client.get(path), "'self'")
    _check_headers(stack.client().get("/console/login"), "'self'")


def test_h5_pages_send_the_browser_protections(console):  # noqa: F811
    stack = console(now="2020-06-20T10:00:00")
    shown = stack.add_entry("oH5", {"name": "张三", "title": "侨都匠心"}, state="approved")
    waiting = stack.add_entry("oUp", {"name": "李四", "title": "侨乡"}, state="awaiting_video",
                              verdict=None)
    link = upload_link(stack.services.settings, stack.services.contest.id, waiting.id, "oUp",
                       stack.services.now())
    oauth = "'self' " + stack.services.settings["WECHAT_OPEN_BASE_URL"]
    browser = stack.app.test_client()
    for path in ("/h5/gallery", f"/h5/entries/{shown.code}", "/h5/entries/999"):
        _check_headers(browser.get(path), oauth)
    upload_page = browser.get(urlsplit(link).path)
    assert upload_page.status_code == 200 and "<script" in upload_page.get_data(as_text=True)
    _check_headers(upload_page, "'self'", referrer="no-referrer")  # the token is in its path
    _check_headers(browser.get("/h5/upload/forged-token"), "'self'", referrer="no-referrer")
