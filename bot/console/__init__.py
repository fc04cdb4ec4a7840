"""The organizer console under /console/: accounts, dashboard, entries and screening, jury,
votes, the knowledge quiz and exports. `register_console(app)` adds it to an app; `users_cli` is
its CLI group."""
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import current_app, get_flashed_messages, request
from flask_wtf.csrf import CSRFProtect

# The page modules attach their routes to the blueprint when imported.
from bot.console import (  # noqa: F401
    auth,
    dashboard,
    entries,
    exports,
    jury,
    labels,
    notices,
    quiz,
    quiz_bank,
    voting,
)
from bot.console.blueprint import console
from bot.console.users import users_cli
from bot.entries import state_label
from bot.privacy import mask_openid

__all__ = ["register_console", "users_cli"]


def register_console(app) -> None:
    """Add the console blueprint, its CSRF protection (console forms only) and template filters."""
    hours = float(app.extensions["contestbot"].settings.get("CONSOLE_SESSION_HOURS", 8))
    # CSRF is checked by the console's own before_request (bot.console.auth): the webhook and
    # the H5 pages have their own rules, so flask-wtf does not check every POST of the app.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config["WTF_CSRF_TIME_LIMIT"] = int(hours * 3600)
    if "csrf" not in app.extensions:
        CSRFProtect(app)
    register_filters(app)
    app.register_blueprint(console)


def _local(value) -> str:
    return labels.local_time(current_app.extensions["contestbot"].contest, value)


def _real(value) -> str:
    """A time the real clock stamped (a file received, a message sent): labelled as such while
    a rehearsal runs the contest clock at another date."""
    services = current_app.extensions["contestbot"]
    text = labels.local_time(services.contest, value)
    return f"{text}（实际时间）" if text and services.clock.rehearsal else text


def _zone() -> str:
    """The contest's time zone as the console names it, e.g. 北京时间（UTC+08:00）."""
    services = current_app.extensions["contestbot"]
    return labels.zone_label(services.contest, services.now())


def _has_quiz() -> bool:
    """Whether the contest runs a knowledge quiz (the navigation links its pages then)."""
    return current_app.extensions["contestbot"].contest.quiz is not None


def _query(**changes) -> str:
    """The current query string with some parameters replaced (for pagination links)."""
    args = request.args.to_dict()
    args.update({key: str(value) for key, value in changes.items()})
    return urlencode({key: value for key, value in args.items() if value})


def register_filters(app) -> None:
    """Add the console's filters (prefixed so they cannot clash with other blueprints')."""
    filters: dict[str, Callable[..., Any]] = {
        "console_state": state_label,
        "console_verdict": lambda v: labels.VERDICT_LABELS.get(v or "none", v),
        "console_finding": lambda code: labels.FINDING_LABELS.get(code, code),
        "console_signal": lambda kind: labels.SIGNAL_LABELS.get(kind, kind),
        "console_channel": lambda c: labels.CHANNEL_LABELS.get(c, c),
        "console_action": lambda a: labels.ACTION_LABELS.get(a, a),
        "console_role": lambda r: labels.ROLE_LABELS.get(r, r),
        "console_time": _local,
        "console_real_time": _real,
        "console_mask": mask_openid,
    }
    app.jinja_env.filters.update(filters)
    app.jinja_env.globals.update(console_flashes=get_flashed_messages, console_query=_query,
                                 console_zone=_zone, console_has_quiz=_has_quiz)
