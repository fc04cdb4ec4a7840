"""The chat page: a WeChat conversation in the browser, driven only through the /sim/ endpoints.

- GET /  and  GET /sim/chat          the page (simulator/static/chat.html, plain HTML + JS)
- GET /sim/menu                      the menu the bot published through /cgi-bin/menu/create
- GET /sim/transcript/<openid>       what the user sent and what reached their chat, in order
                                     (?after=<seq> for the newer ones only)
- GET /sim/open?openid=&url=         open a link inside "WeChat" as that user: sets the sim_openid
                                     cookie the OAuth authorize page reads, then redirects

A browser here plays every simulated user, while each real user has a phone of their own: when
/sim/open switches to another user it also drops the cookies named in OPEN_CLEARS_COOKIES
(default: Flask's `session`, the bot's page login), which cookies share across ports of one host.
"""
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, current_app, jsonify, redirect, request, send_from_directory

from simulator.apibase import get_state
from simulator.errors import ApiError

STATIC = Path(__file__).parent / "static"
bp = Blueprint("sim_chat_page", __name__, static_folder=str(STATIC),
               static_url_path="/sim/static")


@bp.get("/")
def index():
    """The chat page is the platform's home page."""
    return redirect("/sim/chat", 302)


@bp.get("/sim/chat")
def chat():
    """The chat page."""
    response = send_from_directory(STATIC, "chat.html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/sim/menu")
def menu():
    """The account's published menu, or {"menu": null} before the bot publishes it."""
    state = get_state()
    with state.lock:
        return jsonify(menu=state.menu, account=current_app.config["ACCOUNT_ID"],
                       account_type=current_app.config["ACCOUNT_TYPE"])


def _user_or_404(openid: str):
    try:
        return get_state().user(openid)
    except ApiError:
        abort(404, description=f"unknown openid {openid}")


def _described(entries: list[dict]) -> list[dict]:
    """Add the file name of each video the user sent and the title of each template."""
    state = get_state()
    with state.lock:
        items, templates = dict(state.media.items), dict(state.templates)
    for entry in entries:
        media = items.get((entry.get("fields") or {}).get("MediaId", ""))
        if media is not None:
            entry["media"] = {"filename": media.filename, "size": media.size}
        if entry.get("msgtype") == "template":
            template_id = (entry.get("payload") or {}).get("template_id", "")
            entry["template_title"] = (templates.get(template_id) or {}).get("title", "")
    return entries


@bp.get("/sim/transcript/<openid>")
def transcript(openid: str):
    """The user's conversation: their messages and events, then every message pushed to them."""
    _user_or_404(openid)
    after = request.args.get("after", "0")
    entries = get_state().transcript_of(openid, int(after) if after.isdigit() else 0)
    return jsonify(messages=_described(entries))


@bp.get("/sim/open")
def open_as_user():
    """Open `url` as `openid`: the OAuth authorize step will know who is acting."""
    openid, url = request.args.get("openid", ""), request.args.get("url", "")
    _user_or_404(openid)
    target = urlsplit(url)
    if target.scheme not in ("http", "https") or not target.hostname:
        abort(400, description="url must be an http(s) address")
    here = urlsplit(f"//{request.host}")
    if target.hostname != here.hostname:
        # Cookies belong to a host name: hop to the link's host so they land where it reads them.
        host = target.netloc.rpartition("@")[2].rsplit(":", 1)[0] if target.port \
            else target.netloc.rpartition("@")[2]
        hop = f"{request.scheme}://{host}{f':{here.port}' if here.port else ''}"
        return redirect(f"{hop}/sim/open?{urlencode({'openid': openid, 'url': url})}", 302)
    response = redirect(url, 302)
    if request.cookies.get("sim_openid") != openid:
        for name in current_app.config.get("OPEN_CLEARS_COOKIES", ["session"]):
            response.delete_cookie(name, path="/")
    response.set_cookie("sim_openid", openid, path="/", samesite="Lax")
    return response


@bp.errorhandler(400)
@bp.errorhandler(404)
def _json_error(error):
    return jsonify(error=error.description), error.code
