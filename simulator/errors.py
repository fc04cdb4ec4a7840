"""WeChat API error codes the fake platform answers with, and the exception that carries them.

The codes and messages are the ones the real `api.weixin.qq.com` returns; every error is an
HTTP 200 response whose JSON body holds `errcode` and `errmsg`.
"""

ERRMSG = {
    -1: "system error",
    0: "ok",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40004: "invalid media type",
    40006: "invalid meida size",
    40007: "invalid media_id",
    40008: "invalid message type",
    40013: "invalid appid",
    40016: "invalid button size",
    40017: "invalid button type",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40020: "invalid button url size",
    40023: "invalid sub button size",
    40029: "invalid code",
    40032: "invalid openid list size",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40130: "invalid openid list size, at least two openid",
    40163: "code been used",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    42001: "access_token expired",
    43004: "require subscribe",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    45015: "response out of time limit or subscription is canceled",
    45028: "has no masssend quota",
    45047: "out of response count limit",
    45056: "too many tags now, no need to add new",
    45058: "can't modify sys tag",
    45059: "too many tags on this user",
    45065: "clientmsgid exist",
    45067: "clientmsgid size out of limit",
    45157: "invalid tag name",
    45158: "tag name too long",
    45159: "invalid tag id",
    46003: "menu no exist",
    47001: "data format error",
    47003: "argument invalid!",
    48001: "api unauthorized",
}


class ApiError(Exception):
    """A WeChat API failure: answered as HTTP 200 with `errcode`/`errmsg` (plus any extra keys)."""

    def __init__(self, errcode: int, errmsg: str | None = None, **extra):
        self.errcode = errcode
        self.errmsg = errmsg or ERRMSG.get(errcode, "error")
        self.extra = extra
        super().__init__(f"{errcode} {self.errmsg}")

    def body(self) -> dict:
        """The JSON body WeChat would answer with."""
        return {"errcode": self.errcode, "errmsg": self.errmsg, **self.extra}


def ok(**fields) -> dict:
    """A successful WeChat answer with extra fields."""
    return {"errcode": 0, "errmsg": "ok", **fields}
