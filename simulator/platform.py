"""The fake WeChat platform as a Flask app: the server-side API, web OAuth and the /sim/ side.

Configuration keys (all optional; the dev stack passes its generated account secrets):
APP_ID, APP_SECRET, TOKEN, AES_KEY ('' = plaintext), MODE ('safe'|'compatible'|'plain'),
ACCOUNT_TYPE ('service'|'subscription'), ACCOUNT_ID (the gh_ id), WEBHOOK_URL (the bot's
/wechat; '' = user actions are recorded but not posted), CLOCK (epoch seconds; tests inject a
fake clock), WEBHOOK_CLOCK (stamps the messages posted to the bot; real time by default so the
bot's stale-timestamp check still passes after a test moves CLOCK), WEBHOOK_TIMEOUT (5 s, as
WeChat), WEBHOOK_DELIVERIES (3, as WeChat), MEDIA_DIR (a temporary directory when unset),
MEDIA_VIDEO_ANSWER ('video_url'|'bytes': how media/get answers for videos), TEMPLATES (template
ids the account may send: list or {id: {title}}), OAUTH_DOMAINS (allowed redirect_uri hosts,
empty = any), TOKEN_FETCHES_PER_DAY (2000), USER_INFO_PER_DAY and USER_BATCHGET_PER_DAY
(500,000 each), USER_GET_PER_DAY (500): a new account's daily quotas, CLOCK_CONTROL_DIR (set by bot.ops.devstack: the chat
page may restart the bot at another contest time, see simulator.rehearsal), OPEN_CLEARS_COOKIES
(cookies /sim/open drops when the acting user changes; default Flask's `session`).
"""
import tempfile
import time
from typing import cast

from flask import Flask, jsonify, request
from flask.json.provider import DefaultJSONProvider

from simulator import api_auth, api_media, api_messages, api_users, chat_page, rehearsal, sim_routes
from simulator.apibase import EXTENSION, get_state
from simulator.errors import ApiError
from simulator.state import PlatformState
from simulator.wechat_user import MODES

DEFAULTS = {
    "APP_ID": "wxsimulator000001",
    "APP_SECRET": "simulator-app-secret",
    "TOKEN": "simulator-token",
    "AES_KEY": "",
    "MODE": "safe",
    "ACCOUNT_TYPE": "service",
    "ACCOUNT_ID": "gh_contestbot0001",
    "WEBHOOK_URL": "",
    "CLOCK": time.time,
    "WEBHOOK_CLOCK": time.time,
    "WEBHOOK_TIMEOUT": 5.0,
    "WEBHOOK_DELIVERIES": 3,
    "MEDIA_DIR": "",
    "MEDIA_VIDEO_ANSWER": "video_url",
    "TEMPLATES": {},
    "OAUTH_DOMAINS": [],
    "TOKEN_FETCHES_PER_DAY": 2000,
    "USER_INFO_PER_DAY": 500_000,
    "USER_BATCHGET_PER_DAY": 500_000,
    "USER_GET_PER_DAY": 500,
    "CLOCK_CONTROL_DIR": "",
    "OPEN_CLEARS_COOKIES": ["session"],
}
API_PREFIXES = ("/cgi-bin/", "/sns/", "/connect/")
HIDDEN_FIELDS = ("access_token", "secret")


def _settings(config: dict | None) -> dict:
    settings = {**DEFAULTS, **(config or {})}
    if settings["MODE"] not in MODES:
        raise ValueError(f"MODE must be one of {MODES}")
    if settings["ACCOUNT_TYPE"] not in ("service", "subscription"):
        raise ValueError("ACCOUNT_TYPE must be 'service' or 'subscription'")
    if settings["AES_KEY"] and len(settings["AES_KEY"]) != 43:
        raise ValueError("AES_KEY (EncodingAESKey) must be 43 characters")
    if not settings["MEDIA_DIR"]:
        settings["MEDIA_DIR"] = tempfile.mkdtemp(prefix="wechat-sim-media-")
    templates = settings["TEMPLATES"] or {}
    if not isinstance(templates, dict):
        templates = {template_id: {"title": ""} for template_id in templates}
    settings["TEMPLATES"] = templates
    return settings


def _apply_fault():
    if not request.path.startswith(API_PREFIXES):
        return None
    fault = get_state().take_fault(request.path)
    if fault is None:
        return None
    if fault.kind == "delay":
        time.sleep(fault.delay)
        return None
    if fault.kind == "http500":
        return "Internal Server Error", 500
    return jsonify(ApiError(fault.errcode if fault.kind == "errcode" else -1).body())


def _redact(values: dict | None) -> dict | None:
    if not isinstance(values, dict):
        return None
    return {k: ("***" if k in HIDDEN_FIELDS else v) for k, v in values.items()}


def _record_call(response):
    if not request.path.startswith(API_PREFIXES):
        return response
    errcode = 0 if response.status_code < 400 else None
    if response.is_json:
        answer = response.get_json(silent=True)
        errcode = answer.get("errcode", 0) if isinstance(answer, dict) else errcode
    body = None
    if request.method == "POST" and not request.files:
        body = _redact(request.get_json(silent=True, force=True))
    state = get_state()
    state.record_call({"time": state.now(), "method": request.method, "path": request.path,
                       "errcode": errcode, "http_status": response.status_code,
                       "query": _redact(request.args.to_dict()), "body": body})
    return response


def create_platform_app(config: dict | None = None) -> Flask:
    """Build the fake WeChat platform app (state lives in app.extensions['wechat_sim'])."""
    app = Flask(__name__)
    app.config.update(_settings(config))
    json_provider = cast(DefaultJSONProvider, app.json)  # Flask's default provider class
    json_provider.ensure_ascii = False
    json_provider.sort_keys = False
    app.extensions[EXTENSION] = PlatformState(app.config)
    for blueprint in (api_auth.bp, api_messages.bp, api_users.bp, api_media.bp, sim_routes.bp,
                      chat_page.bp, rehearsal.bp):
        app.register_blueprint(blueprint)
    app.register_error_handler(ApiError, lambda error: (jsonify(error.body()), 200))
    app.before_request(_apply_fault)
    app.after_request(_record_call)
    app.add_url_rule("/healthz", "healthz", lambda: {"ok": True})
    return app
