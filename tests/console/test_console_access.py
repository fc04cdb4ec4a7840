"""Who may open what in the console: every route for anonymous visitors, judges and organizers,
CSRF on every form, session expiry, login refusals and the users CLI."""
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from bot.console import users_cli
from bot.models import AuditLog, ConsoleUser
from tests.console_fixtures import PASSWORD

JURY = "judge"
ORG = "organizer"
# Every console route: (method, path, who may use it). A new route must be added here.
ROUTES = [
    ("GET", "/console/", JURY), ("POST", "/console/logout", JURY),
    ("GET", "/console/jury", JURY), ("GET", "/console/jury/{entry}", JURY),
    ("POST", "/console/jury/{entry}", "judge-only"),
    ("GET", "/console/media/{media}", JURY), ("GET", "/console/media/{media}/poster.jpg", JURY),
    ("GET", "/console/dashboard", ORG), ("GET", "/console/entries", ORG),
    ("GET", "/console/entries/{entry}", ORG), ("POST", "/console/entries/{entry}/screen", ORG),
    ("POST", "/console/entries/{entry}/finalist", ORG),
    ("GET", "/console/scores", ORG), ("POST", "/console/scores/import", ORG),
    ("GET", "/console/votes", ORG), ("GET", "/console/votes/entries/{entry}", ORG),
    ("POST", "/console/votes/invalidate", ORG),
    ("GET", "/console/exports", ORG), ("GET", "/console/exports/registration/{entry}.xlsx", ORG),
    ("GET", "/console/exports/registrations.xlsx", ORG),
    ("GET", "/console/exports/summary.xlsx", ORG), ("GET", "/console/exports/votes.xlsx", ORG),
    ("GET", "/console/exports/scores.xlsx", ORG), ("GET", "/console/exports/ranking.xlsx", ORG),
    ("GET", "/console/broadcasts", ORG), ("POST", "/console/broadcasts", ORG),
    ("GET", "/console/broadcasts/{broadcast}", ORG),
    ("POST", "/console/broadcasts/{broadcast}/confirm", ORG),
    ("POST", "/console/broadcasts/{broadcast}/cancel", ORG),
    ("GET", "/console/results", ORG), ("POST", "/console/results/compute", ORG),
    ("POST", "/console/results/{sheet}/publish", ORG),
    ("GET", "/console/quiz", ORG), ("POST", "/console/quiz/questions/{question}/disable", ORG),
    ("POST", "/console/quiz/questions/{question}/enable", ORG),
    ("GET", "/console/quiz/bank", ORG), ("POST", "/console/quiz/bank", ORG),
    ("GET", "/console/quiz/bank/template.xlsx", ORG),
    ("GET", "/console/quiz/bank/{version}.xlsx", ORG),
    ("GET", "/console/quiz/offline", ORG), ("POST", "/console/quiz/offline", ORG),
    ("GET", "/console/quiz/export/people.xlsx", ORG),
    ("GET", "/console/quiz/export/units.xlsx", ORG),
    ("GET", "/console/quiz/export/cities.xlsx", ORG),
]
PUBLIC = [("GET", "/console/login"), ("POST", "/console/login")]


@pytest.fixture
def seeded(console):  # noqa: F811
    stack = console()
    stack.user("org", "organizer")
    stack.user("jud", "judge")
    entry = stack.add_entry("oAccess", {"name": "张三", "title": "侨都匠心"}, state="approved")
    from bot.delivery.broadcasts import create_broadcast
    from bot.results.sheet import compute_results

    broadcast = create_broadcast(stack.services, audience="followers", text="通知",
                                 created_by="test")
    return stack, {"entry": entry.id, "media": entry.current_media_file_id,
                   "broadcast": broadcast, "sheet": compute_results(stack.services, "test"),
                   "question": 1, "version": 1}


def _call(client, method, path):
    if method == "GET":
        return client.get(path)
    return client.post(path)


def test_every_console_route_is_listed(seeded):
    stack, _ = seeded
    actual = {(method, str(rule.rule)) for rule in stack.app.url_map.iter_rules()
              if rule.endpoint.startswith("console.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    names = {"{entry}": "<int:entry_id>", "{media}": "<int:media_id>",
             "{broadcast}": "<int:broadcast_id>", "{sheet}": "<int:sheet_id>",
             "{question}": "<int:question_id>", "{version}": "<int:version>"}
    listed = set(PUBLIC)
    for method, path, _ in ROUTES:
        for placeholder, converter in names.items():
            path = path.replace(placeholder, converter)
        listed.add((method, path))
    assert actual == listed


@pytest.mark.parametrize("method,path,who", ROUTES)
def test_anonymous_visitors_are_sent_to_the_login(seeded, method, path, who):
    stack, ids = seeded
    response = _call(stack.client(), method, path.format(**ids))
    if method == "GET":
        assert response.status_code == 302 and "/console/login" in response.location
    else:
        assert response.status_code == 401 and "请重新登录" in response.get_data(as_text=True)


@pytest.mark.parametrize("method,path,who", ROUTES)
def test_judges_open_only_the_jury_pages(seeded, method, path, who):
    stack, ids = seeded
    response = _call(stack.client("jud"), method, path.format(**ids))
    if who == ORG:
        assert response.status_code == 403
        assert "没有权限" in response.get_data(as_text=True)
    else:
        assert response.status_code != 403 and response.status_code < 500


@pytest.mark.parametrize("method,path,who", ROUTES)
def test_organizers_open_everything_but_the_judges_own_sheet(seeded, method, path, who):
    stack, ids = seeded
    response = _call(stack.client("org"), method, path.format(**ids))
    assert response.status_code < 500
    assert (response.status_code == 403) == (who == "judge-only")


@pytest.mark.parametrize("method,path,who", [r for r in ROUTES if r[0] == "POST"])
def test_a_post_without_the_csrf_token_is_refused(seeded, method, path, who):
    stack, ids = seeded
    client = stack.client("org" if who == ORG else "jud")
    response = client.post(path.format(**ids), data={"decision": "reject", "reason": "x"},
                           csrf=False)
    assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)
    forged = client.http.post(path.format(**ids), data={"csrf_token": "forged"})
    assert forged.status_code == 400
    assert stack.entry(ids["entry"]).state == "approved"


def test_login_refuses_a_wrong_password_and_a_disabled_account(seeded):
    stack, _ = seeded
    client = stack.client()
    refused = client.login("org", "wrong-password")
    assert refused.status_code == 401 and "用户名或密码错误" in refused.get_data(as_text=True)
    with stack.services.db() as db:
        db.scalars(select(ConsoleUser).where(ConsoleUser.username == "jud")).one().disabled = True
        db.commit()
    assert client.login("jud").status_code == 401


def test_repeated_failures_lock_the_name_for_a_while(seeded):
    stack, _ = seeded
    client = stack.client()
    for _ in range(10):
        client.login("org", "nope-nope")
    locked = client.login("org")
    assert locked.status_code == 429 and "15分钟" in locked.get_data(as_text=True)


def test_a_session_expires_after_the_configured_hours(seeded, monkeypatch):
    stack, _ = seeded
    client = stack.client("org")
    assert client.get("/console/dashboard").status_code == 200
    import bot.console.auth as auth

    later = auth.time.time() + 8 * 3600 + 5
    monkeypatch.setattr(auth, "time", SimpleNamespace(time=lambda: later))
    response = client.get("/console/dashboard")
    assert response.status_code == 302 and "expired=1" in response.location
    assert "登录已过期" in client.get(response.location).get_data(as_text=True)


def test_logout_ends_the_session_and_both_are_audited(seeded):
    stack, _ = seeded
    client = stack.client("org")
    assert client.post("/console/logout").status_code == 302
    assert client.get("/console/dashboard").status_code == 302
    with stack.services.db() as db:
        actions = [(a.actor, a.action) for a in db.scalars(select(AuditLog).where(
            AuditLog.action.like("console.log%")).order_by(AuditLog.id))]
    assert actions == [("org", "console.login"), ("org", "console.logout")]


def test_login_redirects_only_inside_the_console(seeded):
    stack, _ = seeded
    client = stack.client()
    token = client.token()
    response = client.http.post("/console/login", data={
        "username": "org", "password": PASSWORD, "csrf_token": token,
        "next": "//evil.example/x"})
    assert response.location.endswith("/console/")


def test_users_cli_creates_hashed_accounts_and_refuses_duplicates(seeded):
    stack, _ = seeded
    runner = stack.app.test_cli_runner()
    result = runner.invoke(users_cli, ["create", "li", "--role", "judge", "--password",
                                       "long-enough-1"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(users_cli, ["create", "li", "--role", "judge", "--password",
                                      "long-enough-1"])
    assert again.exit_code != 0 and "already exists" in again.output
    prompted = runner.invoke(users_cli, ["create", "wang", "--role", "organizer"],
                             input="pass-word-22\npass-word-22\n")
    assert prompted.exit_code == 0, prompted.output
    with stack.services.db() as db:
        user = db.scalars(select(ConsoleUser).where(ConsoleUser.username == "li")).one()
    assert user.role == "judge" and "long-enough-1" not in user.password_hash
    client = stack.client()
    assert client.login("li", "long-enough-1").status_code == 302
    assert client.get("/console/jury").status_code == 200
