"""Helpers every fake API view uses: the state, the clock, the JSON body, the token check."""
import functools
import json

from flask import current_app, request

from simulator.errors import ApiError
from simulator.state import PlatformState

EXTENSION = "wechat_sim"


def get_state() -> PlatformState:
    """The platform state of the running app."""
    return current_app.extensions[EXTENSION]


def json_body() -> dict:
    """The request's JSON object (WeChat ignores Content-Type): 44002 if empty, 47001 if bad."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise ApiError(44002)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(47001) from None
    if not isinstance(body, dict):
        raise ApiError(47001)
    return body


def needs_token(view):
    """Check `access_token` before the view runs: 41001 missing, 40001 unknown, 42001 expired."""
    @functools.wraps(view)
    def checked(*args, **kwargs):
        state = get_state()
        with state.lock:
            state.tokens.check(request.args.get("access_token"), state.now())
        return view(*args, **kwargs)
    return checked


def service_account_only() -> None:
    """48001 api unauthorized unless the account is a (verified) service account."""
    if current_app.config["ACCOUNT_TYPE"] != "service":
        raise ApiError(48001)


def check_app_credentials(appid: str | None, secret: str | None) -> None:
    """Check an appid/secret pair like WeChat: 41002, 40013, 41004, 40125."""
    config = current_app.config
    if not appid:
        raise ApiError(41002)
    if appid != config["APP_ID"]:
        raise ApiError(40013)
    if not secret:
        raise ApiError(41004)
    if secret != config["APP_SECRET"]:
        raise ApiError(40125)
