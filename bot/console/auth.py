"""Console logins: the check before every console request, login, logout and session expiry.

The login lives in the Flask session (a signed cookie) under console_* keys, so the H5 pages'
keys in the same cookie are left alone. The user is re-read from the database on every request:
a disabled account or a changed role takes effect at once. The session also holds the account's
session version: logout, a password change or disabling bumps it in the database, which ends
every session of that account, including a cookie someone saved before.
"""
import logging
import time

from flask import current_app, g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash

from bot import audit
from bot.console import login_limit
from bot.console.blueprint import (
    MAX_UPLOAD_BYTES,
    ConsoleError,
    allow,
    console,
    public,
    roles_of,
    services,
)
from bot.console.users import end_sessions
from bot.models import ConsoleUser

log = logging.getLogger(__name__)

USER_KEY, SINCE_KEY, VERSION_KEY = "console_user_id", "console_login_at", "console_version"
DEFAULT_SESSION_HOURS = 8


def session_hours() -> float:
    """CONSOLE_SESSION_HOURS: how long a login lasts."""
    return float(services().settings.get("CONSOLE_SESSION_HOURS", DEFAULT_SESSION_HOURS))


def current_user() -> ConsoleUser:
    """The logged-in console user of this request."""
    return g.console_user


@console.before_request
def _guard():
    request.max_content_length = MAX_UPLOAD_BYTES
    if request.method == "POST":
        current_app.extensions["csrf"].protect()
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "console_public", False):
        return None
    user = _logged_in_user()
    if user is None:
        if request.method == "GET":
            return redirect(url_for("console.login", next=request.full_path.rstrip("?"),
                                    expired=1 if g.get("console_expired") else None))
        raise ConsoleError(401, "登录已过期，请重新登录后再操作。", "请先登录")
    if user.role not in roles_of(view):
        raise ConsoleError(403, "您的账号没有访问此页面的权限。", "没有权限")
    g.console_user = user
    return None


def _logged_in_user() -> ConsoleUser | None:
    user_id, since = session.get(USER_KEY), session.get(SINCE_KEY)
    if not user_id or not since:
        return None
    if time.time() - float(since) > session_hours() * 3600:
        _forget_login()
        g.console_expired = True
        return None
    with services().db() as db:
        user = db.get(ConsoleUser, user_id)
    if user is None or user.disabled or user.session_version != session.get(VERSION_KEY):
        return None
    return user


def _forget_login() -> None:
    for key in (USER_KEY, SINCE_KEY, VERSION_KEY, "csrf_token"):
        session.pop(key, None)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/console/") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return url_for("console.home")


@console.get("/login")
@public
def login():
    """The login form."""
    notice = "登录已过期，请重新登录。" if request.args.get("expired") else ""
    return render_template("console/login.html", error="", notice=notice,
                           next=request.args.get("next", ""))


@console.post("/login")
@public
def login_submit():
    """Check the name and password; start a console session."""
    name = (request.form.get("username") or "").strip()[:64]
    password = request.form.get("password") or ""
    target = request.form.get("next", "")
    if not login_limit.take_attempt(services().redis, name):
        return _refuse_login("登录失败次数过多，请15分钟后再试。", target, 429)
    with services().db() as db:
        user = db.query(ConsoleUser).filter_by(username=name).one_or_none()
        if user is None or user.disabled or not check_password_hash(user.password_hash, password):
            return _refuse_login("用户名或密码错误，或账号已停用。", target, 401)
        audit.record(db, user.username, "console.login", "console_user", user.id, services().now())
        db.commit()
    login_limit.give_back(services().redis, name)
    _forget_login()
    session[USER_KEY], session[SINCE_KEY] = user.id, time.time()
    session[VERSION_KEY] = user.session_version
    log.info("console login: user %s (%s)", user.id, user.role)
    return redirect(_safe_next(target))


def _refuse_login(message: str, target: str, status: int):
    return render_template("console/login.html", error=message, notice="", next=target), status


@console.post("/logout")
@allow("organizer", "judge")
def logout():
    """End the console session, and every other session of this account."""
    user = current_user()
    with services().db() as db:
        end_sessions(db, user.id)
        audit.record(db, user.username, "console.logout", "console_user", user.id,
                     services().now())
        db.commit()
    _forget_login()
    return redirect(url_for("console.login"))


@console.get("/")
@allow("organizer", "judge")
def home():
    """Organizers land on the dashboard, judges on their jury list."""
    if current_user().role == "judge":
        return redirect(url_for("console.jury"))
    return redirect(url_for("console.dashboard"))
