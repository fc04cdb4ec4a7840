"""Voting on the /h5/ pages: the vote POST, its CSRF token, and the WeChat OAuth login.

- POST /h5/entries/<code>/vote      cast a vote (bot.voting.cast_vote, as in chat); the voter is
                                    the openid the Flask session got from WeChat OAuth
- GET  /h5/login?next=/h5/...       send the browser to WeChat OAuth (snsapi_base)
- GET  /h5/oauth/callback           exchange WeChat's code for the openid, keep it in the session
"""
import hmac
import logging
import secrets
from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, session, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot import voting as votes
from bot.delivery.followers import learn_follow_state
from bot.h5.blueprint import PageError, current_settings, h5
from bot.privacy import mask_openid
from bot.services import current_services
from bot.wechat.oauth import OAuthError, authorize_url, exchange_code

log = logging.getLogger("bot.h5.pages")  # the name these lines have always been logged under

STATE_MAX_AGE_S = 600
STATE_MAX_LENGTH = 128  # WeChat's limit on the OAuth `state` parameter
OPENID_KEY, CSRF_KEY, NONCE_KEY = "h5_openid", "h5_csrf", "h5_oauth_nonce"

# HTTP status of a page vote per outcome: a refusal is not a server error.
OUTCOME_STATUS = {
    votes.RECORDED: 200, votes.ALREADY_VOTED: 409, votes.NO_VOTING: 404,
    votes.NOT_YET: 403, votes.CLOSED: 403, votes.NOT_FOLLOWING: 403,
    votes.UNKNOWN_ENTRY: 404, votes.NOT_VOTABLE: 404,
}


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


def _login_redirect(next_url: str, vote_code: str = ""):
    """To WeChat OAuth; a vote button pressed without an identity travels in the signed state
    and is cast by the callback, so one press votes (the POST already passed its CSRF check)."""
    nonce = session.get(NONCE_KEY) or secrets.token_urlsafe(6)
    session[NONCE_KEY] = nonce
    next_url = _safe_next(next_url)
    state = _serializer().dumps([next_url, nonce, vote_code])
    if len(state) > STATE_MAX_LENGTH:
        state = _serializer().dumps([url_for("h5.gallery"), nonce, vote_code])
    callback = _public_base() + url_for("h5.oauth_callback")
    return redirect(authorize_url(current_settings(), callback, state), 303)


def _public_base() -> str:
    return current_settings()["PUBLIC_BASE_URL"].rstrip("/")


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
        next_url, nonce, vote_code = (_serializer().loads(state, max_age=STATE_MAX_AGE_S)
                                      + [""])[:3]
    except (BadSignature, ValueError, TypeError):
        raise PageError(400, "链接已失效", "登录链接已失效或被修改，请返回作品页面重新投票。") from None
    expected = session.get(NONCE_KEY)
    if not expected or not hmac.compare_digest(str(nonce).encode(), expected.encode()):
        raise PageError(400, "链接已失效", "登录链接不属于本次访问，请返回作品页面重新投票。")
    try:
        identity = exchange_code(current_settings(), code)
    except OAuthError as error:
        if error.bad_code or error.errcode is not None:
            raise PageError(400, "授权已失效",
                            "微信授权码无效或已被使用，请返回作品页面重新点击投票。") from None
        raise PageError(502, "暂时无法连接微信", "暂时无法向微信确认您的身份，请稍后再试。") from None
    session[OPENID_KEY] = identity.openid
    log.info("h5 login: voter=%s", mask_openid(identity.openid))
    learn_follow_state(current_services(), identity.openid)
    if vote_code:
        return _cast(str(vote_code), identity.openid)
    return redirect(_safe_next(next_url), 303)


# -- voting ------------------------------------------------------------------------------------

@h5.post("/entries/<code>/vote")
def vote(code: str):
    """The vote button: same rules as 投票 <编号> in chat."""
    _check_csrf()
    code = votes.normalize_code(code)
    if not votes.valid_code(code):
        raise PageError(404, "没有这个作品", "作品编号有误。")
    openid = current_openid()
    if not openid:
        return _login_redirect(url_for("h5.entry_page", code=code), vote_code=code)
    return _cast(code, openid)


def _cast(code: str, openid: str):
    """Cast this browser's vote for code and show the outcome."""
    services = current_services()
    contest = services.contest
    user_agent = (request.user_agent.string or "")[:512] or None
    with services.db_engine.begin() as connection:
        outcome = votes.cast_vote(connection, contest, openid, code, services.now(), "page",
                                  client_ip=request.remote_addr, user_agent=user_agent)
    return render_template("vote_result.html", contest=contest, outcome=outcome,
                           code=code), OUTCOME_STATUS[outcome.status]
