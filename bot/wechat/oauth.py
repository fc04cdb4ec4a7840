"""WeChat web OAuth (snsapi_base) for the pages opened inside WeChat: who is this voter?

The browser is sent to WECHAT_OPEN_BASE_URL/connect/oauth2/authorize; WeChat sends it back to our
callback with a single-use `code`, which the server exchanges at
WECHAT_API_BASE_URL/sns/oauth2/access_token for the user's openid (the same openid the user has
in chat with the account). snsapi_base asks the user nothing.
"""
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

import requests

from bot.wechat.errors import OAUTH_CODE_REFUSED

log = logging.getLogger(__name__)

SCOPE = "snsapi_base"


class OAuthError(Exception):
    """The code exchange failed; `errcode` is WeChat's (None when WeChat could not be reached)."""

    def __init__(self, errcode: int | None, message: str = ""):
        super().__init__(f"oauth code exchange failed: {errcode} {message}".strip())
        self.errcode = errcode

    @property
    def bad_code(self) -> bool:
        """True when the code itself is wrong, expired or used (the user's side: 4xx)."""
        return self.errcode in OAUTH_CODE_REFUSED


@dataclass(frozen=True)
class OAuthIdentity:
    """What the exchange tells us."""

    openid: str
    scope: str


def authorize_url(settings: dict, redirect_uri: str, state: str) -> str:
    """The WeChat page that identifies the user and comes back to `redirect_uri`."""
    query = urlencode({"appid": settings["WECHAT_APP_ID"], "redirect_uri": redirect_uri,
                       "response_type": "code", "scope": SCOPE, "state": state})
    return (settings["WECHAT_OPEN_BASE_URL"].rstrip("/") + "/connect/oauth2/authorize?"
            + query + "#wechat_redirect")


def exchange_code(settings: dict, code: str, http=requests) -> OAuthIdentity:
    """Trade the callback's code for the openid; OAuthError on any failure."""
    url = settings["WECHAT_API_BASE_URL"].rstrip("/") + "/sns/oauth2/access_token"
    try:
        response = http.get(url, timeout=settings["WECHAT_HTTP_TIMEOUT"], params={
            "appid": settings["WECHAT_APP_ID"], "secret": settings["WECHAT_APP_SECRET"],
            "code": code, "grant_type": "authorization_code"})
        answer = response.json()
    except (requests.RequestException, ValueError) as exc:
        log.warning("oauth code exchange: WeChat unreachable or bad answer: %s",
                    type(exc).__name__)
        raise OAuthError(None, "unreachable") from None
    if not isinstance(answer, dict):
        raise OAuthError(None, "bad answer")
    errcode = answer.get("errcode")
    if errcode:
        log.info("oauth code exchange refused: errcode=%s", errcode)
        raise OAuthError(int(errcode), str(answer.get("errmsg", "")))
    openid = answer.get("openid")
    if not openid or not isinstance(openid, str):
        raise OAuthError(None, "no openid")
    return OAuthIdentity(openid=openid, scope=str(answer.get("scope", SCOPE)))
