"""The pages opened inside WeChat (/h5/): the gallery, each entry with its video, and voting.

- GET  /h5/gallery                  votable entries (poster, code, title; votes when shown)
- GET  /h5/entries/<code>           the entry: video player, synopsis, vote button
- POST /h5/entries/<code>/vote      cast a vote: CSRF token bound to the Flask session; the voter
                                    is the openid the session got from WeChat OAuth; the rules are
                                    bot.votes.cast_vote, exactly as in chat
- GET  /h5/login?next=/h5/...       send the browser to WeChat OAuth (snsapi_base)
- GET  /h5/oauth/callback           exchange WeChat's code for the openid, keep it in the session
- GET  /h5/media/<media_file_id>    the video (HTTP Range) of a votable entry
- GET  /h5/posters/<media_file_id>  its poster image (MEDIA_ROOT/posters/<id>.jpg)

Media conventions: the playable file of an entry is its latest MediaFile whose validation verdict
is `pass`; if MEDIA_ROOT/previews/<media_file_id>.mp4 exists (a web-friendly transcode) it is
served instead of the original; the poster is MEDIA_ROOT/posters/<media_file_id>.jpg (a
placeholder is shown while there is none).

Client address of a page vote: `request.remote_addr`, i.e. the TCP peer. X-Forwarded-For is not
read here because any client can send it; behind a reverse proxy that sets it, wrap the app in
werkzeug's ProxyFix (x_for = the number of trusted proxies) so remote_addr is the real client.

Bad input (unknown code, forged CSRF token or OAuth state, a used or invalid OAuth code) gets a
4xx with a Chinese page; WeChat unreachable gets a 502 page. Nothing here answers 500 on input.
"""
import hmac
import logging
import mimetypes
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, redirect, render_template, request, send_file,
                   session, url_for)
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot import votes
from bot.db import session_scope
from bot.oauth import OAuthError, authorize_url, exchange_code
from bot.models import Entry, MediaFile, ValidationResult
from bot.privacy import mask_openid
from config.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

WEB_TEMPLATES = PROJECT_ROOT / "templates" / "web"
h5 = Blueprint("h5", __name__, url_prefix="/h5", template_folder=str(WEB_TEMPLATES))

STATE_MAX_AGE_S = 600
STATE_MAX_LENGTH = 128  # WeChat's limit on the OAuth `state` parameter
OPENID_KEY, CSRF_KEY, NONCE_KEY = "h5_openid", "h5_csrf", "h5_oauth_nonce"
BROWSER_VIDEO_TYPES = {"video/mp4", "video/webm", "video/quicktime", "video/ogg"}

# HTTP status of a page vote per outcome: a refusal is not a server error.
OUTCOME_STATUS = {
    votes.RECORDED: 200, votes.ALREADY_VOTED: 409, votes.NO_VOTING: 404,
    votes.NOT_YET: 403, votes.CLOSED: 403, votes.NOT_FOLLOWING: 403,
    votes.UNKNOWN_ENTRY: 404, votes.NOT_VOTABLE: 404,
}


def register_h5(app) -> None:
    """Add the /h5/ pages to the app."""
    app.register_blueprint(h5)


@h5.app_template_filter("h5_date")
def _h5_date(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


@h5.app_template_filter("h5_datetime")
def _h5_datetime(value) -> str:
    return f"{_h5_date(value)} {value:%H:%M}"


def _services():
    return current_app.extensions["contestbot"]


def _settings() -> dict:
    return _services().settings


class PageError(Exception):
    """A refusal shown to the user as a Chinese page with a status code."""

    def __init__(self, status: int, title: str, message: str):
        super().__init__(f"{status} {title}")
        self.status = status
        self.title = title
        self.message = message


@h5.errorhandler(PageError)
def _page_error(error: PageError):
    return render_template("message.html", title=error.title, message=error.message), \
        error.status


@h5.errorhandler(404)
def _not_found(_error):
    return render_template("message.html", title="页面不存在",
                           message="没有找到这个页面，请从作品展示页进入。"), 404


@h5.errorhandler(405)
def _wrong_method(_error):
    return render_template("message.html", title="无法处理",
                           message="请从页面上的按钮操作。"), 405


@h5.errorhandler(SQLAlchemyError)
def _database_down(_error):
    log.exception("h5: database error")
    return render_template("message.html", title="服务繁忙",
                           message="服务暂时繁忙，请稍后再试。"), 503


# -- identity: CSRF token, OAuth state, the voter's openid --------------------------------------

def csrf_token() -> str:
    """This browser session's CSRF token (created on first use)."""
    token = session.get(CSRF_KEY)
    if not token:
        token = session[CSRF_KEY] = secrets.token_urlsafe(18)
    return token


def _check_csrf() -> None:
    given = request.form.get("csrf", "")
    expected = session.get(CSRF_KEY, "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise PageError(400, "页面已过期", "页面已过期，请返回作品页面刷新后再投票。")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="h5-oauth-state")


def _safe_next(target: str | None) -> str:
    """Only our own /h5/ pages may be returned to after login (no open redirect)."""
    if not target or not target.startswith("/h5/") or target.startswith("//") \
            or "\\" in target or urlsplit(target).netloc:
        return url_for("h5.gallery")
    return target


def _login_redirect(next_url: str):
    nonce = session.get(NONCE_KEY) or secrets.token_urlsafe(6)
    session[NONCE_KEY] = nonce
    next_url = _safe_next(next_url)
    state = _serializer().dumps([next_url, nonce])
    if len(state) > STATE_MAX_LENGTH:
        state = _serializer().dumps([url_for("h5.gallery"), nonce])
    callback = _public_base() + url_for("h5.oauth_callback")
    return redirect(authorize_url(_settings(), callback, state), 303)


def _public_base() -> str:
    return _settings()["PUBLIC_BASE_URL"].rstrip("/")


def current_openid() -> str | None:
    """The openid WeChat OAuth gave this browser session, or None."""
    return session.get(OPENID_KEY)


@h5.get("/login")
def login():
    """Send the browser to WeChat to learn who it is; come back to `next`."""
    return _login_redirect(request.args.get("next", ""))


@h5.get("/oauth/callback")
def oauth_callback():
    """WeChat's redirect back: check the state, exchange the code, remember the openid."""
    code, state = request.args.get("code", ""), request.args.get("state", "")
    if not code:
        raise PageError(400, "未能确认身份", "微信没有返回授权信息，请返回作品页面重新投票。")
    try:
        next_url, nonce = _serializer().loads(state, max_age=STATE_MAX_AGE_S)
    except (BadSignature, ValueError, TypeError):
        raise PageError(400, "链接已失效", "登录链接已失效或被修改，请返回作品页面重新投票。") from None
    expected = session.get(NONCE_KEY)
    if not expected or not hmac.compare_digest(str(nonce).encode(), expected.encode()):
        raise PageError(400, "链接已失效", "登录链接不属于本次访问，请返回作品页面重新投票。")
    try:
        identity = exchange_code(_settings(), code)
    except OAuthError as error:
        if error.bad_code or error.errcode is not None:
            raise PageError(400, "授权已失效",
                            "微信授权码无效或已被使用，请返回作品页面重新点击投票。") from None
        raise PageError(502, "暂时无法连接微信", "暂时无法向微信确认您的身份，请稍后再试。") from None
    session[OPENID_KEY] = identity.openid
    log.info("h5 login: voter=%s", mask_openid(identity.openid))
    return redirect(_safe_next(next_url), 303)


# -- pages --------------------------------------------------------------------------------------

def _playable_files(db_session, entry_ids: list[int]) -> dict[int, MediaFile]:
    """The latest MediaFile that passed validation, per entry id."""
    if not entry_ids:
        return {}
    latest = (select(func.max(MediaFile.id))
              .join(ValidationResult, ValidationResult.media_file_id == MediaFile.id)
              .where(MediaFile.entry_id.in_(entry_ids), ValidationResult.verdict == "pass")
              .group_by(MediaFile.entry_id))
    files = db_session.scalars(select(MediaFile).where(MediaFile.id.in_(latest))).all()
    return {media.entry_id: media for media in files}


def _media_root() -> Path:
    return Path(_settings()["MEDIA_ROOT"]).resolve()


def _poster_path(media_file_id: int) -> Path:
    return _media_root() / "posters" / f"{media_file_id}.jpg"


def _preview_path(media_file_id: int) -> Path:
    return _media_root() / "previews" / f"{media_file_id}.mp4"


def _poster_url(media: MediaFile | None) -> str | None:
    if media is None or not _poster_path(media.id).is_file():
        return None
    return url_for("h5.poster", media_file_id=media.id)


def _video(media: MediaFile | None) -> dict | None:
    if media is None:
        return None
    if _preview_path(media.id).is_file():
        content_type = "video/mp4"
    else:
        content_type = media.content_type or mimetypes.guess_type(media.path)[0] or "video/mp4"
    return {"url": url_for("h5.media", media_file_id=media.id), "type": content_type,
            "playable": content_type in BROWSER_VIDEO_TYPES, "poster": _poster_url(media)}


def _synopsis(contest, entry: Entry) -> str:
    for form_field in contest.form:
        if form_field.role == "synopsis" and entry.form.get(form_field.id):
            return str(entry.form[form_field.id])
    return ""


def _entry_or_404(db_session, contest, code: str) -> Entry:
    entry = votes.find_entry(db_session, contest.id, votes.normalize_code(code))
    if entry is None or entry.state not in votes.VOTABLE_STATES:
        raise PageError(404, "没有这个作品",
                        f"没有找到编号为“{votes.normalize_code(code)[:32]}”的参赛作品。")
    return entry


@h5.get("/")
def index():
    """The gallery is the start page."""
    return redirect(url_for("h5.gallery"), 302)


@h5.get("/gallery")
def gallery():
    """Every votable entry with its poster, code and title."""
    services = _services()
    contest, now = services.contest, services.now()
    info = votes.window(contest, now)
    with session_scope(services.db) as db_session:
        entries = votes.votable_entries(db_session, contest.id)
        files = _playable_files(db_session, [entry.id for entry in entries])
        show_counts = bool(info.voting and info.voting.show_standings)
        counts = votes.vote_counts(db_session, contest.id) if show_counts else {}
        cards = [{"code": entry.code, "title": entry.title or "",
                  "poster": _poster_url(files.get(entry.id)),
                  "votes": counts.get(entry.id, 0)} for entry in entries]
    return render_template("gallery.html", contest=contest, info=info, cards=cards,
                           show_counts=show_counts)


@h5.get("/entries/<code>")
def entry_page(code: str):
    """One entry: the video, the synopsis and the vote button."""
    services = _services()
    contest, now = services.contest, services.now()
    info = votes.window(contest, now)
    openid = current_openid()
    with session_scope(services.db) as db_session:
        entry = _entry_or_404(db_session, contest, code)
        media = _playable_files(db_session, [entry.id]).get(entry.id)
        already = votes.votes_in_period(db_session, contest, openid, now) \
            if openid and info.state == "open" else []
        show_counts = bool(info.voting and info.voting.show_standings)
        count = votes.count_for(db_session, contest.id, entry.id) if show_counts else None
        page = {"code": entry.code, "title": entry.title or "",
                "synopsis": _synopsis(contest, entry),
                "category": (contest.category(entry.category).name
                             if entry.category and contest.category(entry.category) else "")}
    return render_template("entry.html", contest=contest, info=info, entry=page,
                           video=_video(media), votes=count, already=already,
                           identified=bool(openid), csrf=csrf_token(),
                           asked=request.args.get("vote") == "1")


@h5.post("/entries/<code>/vote")
def vote(code: str):
    """The vote button: same rules as 投票 <编号> in chat."""
    _check_csrf()
    services = _services()
    contest = services.contest
    code = votes.normalize_code(code)
    if not votes.valid_code(code):
        raise PageError(404, "没有这个作品", "作品编号有误。")
    openid = current_openid()
    if not openid:
        return _login_redirect(url_for("h5.entry_page", code=code, vote="1"))
    user_agent = (request.user_agent.string or "")[:512] or None
    with services.db_engine.begin() as connection:
        outcome = votes.cast_vote(connection, contest, openid, code, services.now(), "page",
                                  client_ip=request.remote_addr, user_agent=user_agent)
    return render_template("vote_result.html", contest=contest, outcome=outcome,
                           code=code), OUTCOME_STATUS[outcome.status]


# -- media --------------------------------------------------------------------------------------

def _votable_media(media_file_id: str) -> MediaFile:
    if not media_file_id.isascii() or not media_file_id.isdigit() or len(media_file_id) > 12:
        abort(404)
    services = _services()
    with session_scope(services.db) as db_session:
        media = db_session.get(MediaFile, int(media_file_id))
        if media is None:
            abort(404)
        entry = db_session.get(Entry, media.entry_id)
        if entry is None or entry.contest_id != services.contest.id \
                or entry.state not in votes.VOTABLE_STATES:
            abort(404)
        playable = _playable_files(db_session, [entry.id]).get(entry.id)
        if playable is None or playable.id != media.id:
            abort(404)
        return media


def _inside_media_root(relative: str) -> Path:
    root = _media_root()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        abort(404)
    return path


@h5.get("/media/<media_file_id>")
def media(media_file_id: str):
    """The entry's video, with HTTP Range (206) so phones can seek and stream."""
    media_file = _votable_media(media_file_id)
    preview = _preview_path(media_file.id)
    if preview.is_file():
        return send_file(preview, mimetype="video/mp4", conditional=True, max_age=3600)
    path = _inside_media_root(media_file.path)
    mimetype = media_file.content_type or mimetypes.guess_type(path.name)[0] or \
        "application/octet-stream"
    return send_file(path, mimetype=mimetype, conditional=True, max_age=3600)


@h5.get("/posters/<media_file_id>.jpg")
def poster(media_file_id: str):
    """The poster image of a votable entry's video."""
    media_file = _votable_media(media_file_id)
    path = _poster_path(media_file.id)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="image/jpeg", conditional=True, max_age=3600)
