"""Access tokens (/cgi-bin/token, /cgi-bin/stable_token) and web OAuth (/connect, /sns)."""
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, current_app, redirect, request

from simulator.apibase import check_app_credentials, get_state, json_body
from simulator.errors import ApiError

bp = Blueprint("sim_auth", __name__)

CODE_TTL = 300
SCOPES = ("snsapi_base", "snsapi_userinfo")


@bp.get("/cgi-bin/token")
def token():
    """Issue an access token (the previous one lives 5 more minutes)."""
    args = request.args
    if args.get("grant_type") != "client_credential":
        raise ApiError(40002)
    check_app_credentials(args.get("appid"), args.get("secret"))
    state = get_state()
    with state.lock:
        issued = state.tokens.fetch(state.now())
    return {"access_token": issued.value, "expires_in": 7200}


@bp.post("/cgi-bin/stable_token")
def stable_token():
    """The stable token: unchanged while valid unless force_refresh."""
    body = json_body()
    if body.get("grant_type") != "client_credential":
        raise ApiError(40002)
    check_app_credentials(body.get("appid"), body.get("secret"))
    force = body.get("force_refresh") in (True, "true", 1, "1")
    state = get_state()
    with state.lock:
        now = state.now()
        issued = state.tokens.stable(now, force)
        return {"access_token": issued.value, "expires_in": issued.expires_in(now)}


def _page_error(message: str, code: int):
    # The real authorize page shows an error page in the browser, not JSON.
    return (f"<html><body><h1>{code}</h1><p>{message}</p></body></html>", 400,
            {"Content-Type": "text/html; charset=utf-8"})


def _with_query(url: str, **params) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


@bp.get("/connect/oauth2/authorize")
def authorize():
    """The page WeChat's browser opens: redirect back with a code for the simulated user."""
    args, config = request.args, current_app.config
    redirect_uri = args.get("redirect_uri", "")
    if args.get("appid") != config["APP_ID"]:
        return _page_error("appid 参数错误", 10016)
    if not redirect_uri.startswith(("http://", "https://")):
        return _page_error("redirect_uri 参数错误", 10011)
    domains = config.get("OAUTH_DOMAINS") or []
    if domains and urlsplit(redirect_uri).netloc not in domains:
        return _page_error("redirect_uri 域名与后台配置不一致", 10003)
    if args.get("response_type") != "code" or args.get("scope") not in SCOPES:
        return _page_error("scope 或 response_type 参数错误", 10005)
    openid = args.get("sim_openid") or request.cookies.get("sim_openid")
    if not openid:
        return _page_error("no simulated user: pass sim_openid or set the sim_openid cookie", 400)
    state = get_state()
    state.add_user(openid)
    code = secrets.token_hex(16)
    with state.lock:
        state.oauth_codes[code] = {"openid": openid, "scope": args["scope"],
                                   "created_at": state.now(), "used": False}
    response = redirect(_with_query(redirect_uri, code=code, state=args.get("state", "")), 302)
    response.set_cookie("sim_openid", openid)
    return response


@bp.get("/sns/oauth2/access_token")
def sns_access_token():
    """Exchange a web OAuth code (single use, 5 minutes) for the user's openid."""
    args = request.args
    check_app_credentials(args.get("appid"), args.get("secret"))
    if args.get("grant_type") != "authorization_code":
        raise ApiError(40002)
    if not args.get("code"):
        raise ApiError(41008)
    state = get_state()
    with state.lock:
        grant = state.oauth_codes.get(args["code"])
        if grant is None or state.now() >= grant["created_at"] + CODE_TTL:
            raise ApiError(40029)
        if grant["used"]:
            raise ApiError(40163)
        grant["used"] = True
        access_token = "sns_" + secrets.token_urlsafe(48)
        state.sns_tokens[access_token] = {"openid": grant["openid"], "scope": grant["scope"],
                                          "expires_at": state.now() + 7200}
    return {"access_token": access_token, "expires_in": 7200,
            "refresh_token": "snsr_" + secrets.token_urlsafe(48), "openid": grant["openid"],
            "scope": grant["scope"], "is_snapshotuser": 0}


@bp.get("/sns/userinfo")
def sns_userinfo():
    """The user's public profile (snsapi_userinfo scope only)."""
    state = get_state()
    with state.lock:
        grant = state.sns_tokens.get(request.args.get("access_token", ""))
        if grant is None:
            raise ApiError(40001)
        if state.now() >= grant["expires_at"]:
            raise ApiError(42001)
        if grant["scope"] != "snsapi_userinfo":
            raise ApiError(48001)
        user = state.user(grant["openid"])
    return {"openid": user.openid, "nickname": user.nickname, "sex": 0, "province": "",
            "city": "", "country": "", "headimgurl": "", "privilege": []}
