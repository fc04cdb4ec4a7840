"""Personal upload links: PUBLIC_BASE_URL/h5/upload/<token>, signed with SECRET_KEY, 48 h.

The token (itsdangerous URLSafeTimedSerializer) carries the contest id, the entry id and a keyed
digest of the entrant's openid; it is signed with the contest clock's time, so links behave the
same in a rehearsal (CONTEST_NOW) as in production. The openid itself is not in the link: the
path lands in access logs and browser histories, and a base64 payload is readable by anyone.
"""
import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

LINK_MAX_AGE = timedelta(hours=48)
SALT = "contestbot.upload-link.v1"
PATH_PREFIX = "/h5/upload/"


class LinkInvalid(Exception):
    """The token is not one we signed (tampered, truncated, another key): 403."""


class LinkExpired(Exception):
    """The token is ours but older than LINK_MAX_AGE: 410."""

    def __init__(self, expired_at: datetime):
        super().__init__(f"expired at {expired_at.isoformat()}")
        self.expired_at = expired_at


@dataclass(frozen=True)
class UploadGrant:
    """What a valid link allows: uploading a video for this entry of this contest."""

    contest_id: str
    entry_id: int
    openid_tag: str
    issued_at: datetime
    expires_at: datetime

    def is_for(self, settings: dict, openid: str) -> bool:
        """True when the link was made for this openid (constant-time comparison)."""
        return hmac.compare_digest(self.openid_tag, openid_tag(settings, openid))


def openid_tag(settings: dict, openid: str) -> str:
    """A keyed, non-reversible digest of an openid (22 characters), bound to SECRET_KEY."""
    digest = hmac.new(str(settings["SECRET_KEY"]).encode("utf-8"),
                      b"upload-openid:" + openid.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


def _serializer(settings: dict, issued_at: int | None = None) -> URLSafeTimedSerializer:
    signer = TimestampSigner
    if issued_at is not None:  # sign with the contest clock's time, not the machine's
        signer = cast(type[TimestampSigner], type("ContestClockSigner", (TimestampSigner,),
                                                  {"get_timestamp": lambda self: issued_at}))
    return URLSafeTimedSerializer(str(settings["SECRET_KEY"]), salt=SALT, signer=signer)


def upload_token(settings: dict, contest_id: str, entry_id: int, openid: str,
                 now: datetime) -> str:
    """The signed token of an upload link issued at `now` (contest clock, aware)."""
    payload = [contest_id, int(entry_id), openid_tag(settings, openid)]
    return _serializer(settings, int(now.timestamp())).dumps(payload)


def upload_link(settings: dict, contest_id: str, entry_id: int, openid: str,
                now: datetime) -> str:
    """The personal upload page of an entry, valid for LINK_MAX_AGE from `now`."""
    base = str(settings["PUBLIC_BASE_URL"]).rstrip("/")
    return base + PATH_PREFIX + upload_token(settings, contest_id, entry_id, openid, now)


def read_upload_token(settings: dict, token: str, now: datetime) -> UploadGrant:
    """The grant a token carries; LinkInvalid when it is not ours, LinkExpired when too old."""
    if not token or len(token) > 512:
        raise LinkInvalid("missing or oversized token")
    try:
        payload, signed_at = _serializer(settings).loads(token, return_timestamp=True)
    except (BadData, ValueError, TypeError, OverflowError) as error:
        raise LinkInvalid(type(error).__name__) from None
    if (not isinstance(payload, list) or len(payload) != 3
            or not isinstance(payload[0], str) or not isinstance(payload[2], str)
            or not isinstance(payload[1], int) or isinstance(payload[1], bool)):
        raise LinkInvalid("unexpected payload")
    if signed_at.tzinfo is None:
        signed_at = signed_at.replace(tzinfo=UTC)
    expires_at = signed_at + LINK_MAX_AGE
    if now >= expires_at:
        raise LinkExpired(expires_at.astimezone(now.tzinfo))
    return UploadGrant(contest_id=payload[0], entry_id=payload[1], openid_tag=payload[2],
                       issued_at=signed_at.astimezone(now.tzinfo),
                       expires_at=expires_at.astimezone(now.tzinfo))
