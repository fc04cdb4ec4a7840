"""The upload link's side of /h5/upload/: the blueprint, what a link lets a request touch, and the
answers to refusals (a Chinese page for the page, JSON for the API calls).

A link works for 48 h (bot.h5.upload_links), for an entry of its openid that still accepts a video,
until the collection phase ends on the contest clock; bot.h5.upload describes every refusal.
"""
import logging
from dataclasses import dataclass

from flask import Blueprint, jsonify, render_template, request
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from bot.chat.render import cn_datetime
from bot.contest import Phase, VideoRules
from bot.db import session_scope
from bot.entries import TAKES_VIDEO
from bot.h5.upload_links import LinkExpired, LinkInvalid, UploadGrant, read_upload_token
from bot.h5.upload_store import OffsetMismatch, UploadBusy, UploadStore
from bot.models import Entry
from bot.services import current_services
from bot.video.store import media_root
from config.settings import PROJECT_ROOT

log = logging.getLogger("bot.h5.upload")  # the name these lines have always been logged under

WEB_TEMPLATES = PROJECT_ROOT / "templates" / "web"
h5_upload = Blueprint("h5_upload", __name__, url_prefix="/h5/upload",
                      template_folder=str(WEB_TEMPLATES))

DEFAULT_MAX_FILE_MB = 4096  # when a contest sets no max_file_mb (as jobs.media does)
HOW_TO_GET_A_LINK = "请在公众号对话中回复“上传”获取新的上传链接。"


class Refusal(Exception):
    """A request we answer with a 4xx: HTTP status, a code for scripts, a Chinese message."""

    def __init__(self, status: int, code: str, message: str, **extra):
        super().__init__(code)
        self.status, self.code, self.message, self.extra = status, code, message, extra


@dataclass
class Target:
    """What a valid link lets this request touch."""

    grant: UploadGrant
    entry_id: int
    code: str
    title: str
    state: str
    category: str | None
    openid: str
    has_video: bool
    rules: VideoRules
    collection: Phase | None  # resolve_link refuses the link when there is none

    @property
    def max_bytes(self) -> int:
        return int((self.rules.max_file_mb or DEFAULT_MAX_FILE_MB) * 1024 * 1024)


def open_store(services) -> UploadStore:
    """The partial uploads of this app's MEDIA_ROOT."""
    return UploadStore(media_root(services.settings), services.redis)


def resolve_link(token: str) -> Target:
    """The entry a link is for, after every check a link must pass (Refusal otherwise)."""
    services = current_services()
    now = services.now()
    contest = services.contest
    try:
        grant = read_upload_token(services.settings, token, now)
    except LinkInvalid:
        raise Refusal(403, "invalid_link", "链接无效：可能被修改或复制不完整。" + HOW_TO_GET_A_LINK
                      ) from None
    except LinkExpired as expired:
        _check_deadline(contest.phase("collection"), now)  # the more useful answer, if both
        raise Refusal(410, "link_expired", f"链接已于{cn_datetime(expired.expired_at)}过期"
                      f"（链接48小时内有效）。" + HOW_TO_GET_A_LINK) from None
    if grant.contest_id != contest.id:
        raise Refusal(410, "other_contest", "该链接属于另一届比赛，已不能使用。")
    with session_scope(services.db) as session:
        entry = session.get(Entry, grant.entry_id)
        if (entry is None or entry.contest_id != contest.id or entry.code is None
                or not grant.is_for(services.settings, entry.entrant.openid)):
            raise Refusal(403, "not_your_entry", "该链接与您的作品不匹配。" + HOW_TO_GET_A_LINK)
        target = Target(grant=grant, entry_id=entry.id, code=entry.code, title=entry.title or "",
                        state=entry.state, category=entry.category, openid=entry.entrant.openid,
                        has_video=entry.current_media_file_id is not None,
                        rules=contest.video_rules_for(entry.category),
                        collection=contest.phase("collection"))
    _check_deadline(target.collection, now)
    if target.state not in TAKES_VIDEO:
        raise Refusal(409, "entry_closed", f"作品{target.code}《{target.title}》已进入审核阶段，"
                      "不能再上传或替换视频。回复“我的作品”查看状态。", state=target.state)
    return target


def _check_deadline(collection, now) -> None:
    if collection is None:
        raise Refusal(410, "no_collection", "本次活动不征集作品视频。")
    if now > collection.end:
        raise Refusal(410, "deadline_passed",
                      f"作品征集已于{cn_datetime(collection.end)}截止，不再接收或替换视频。",
                      deadline=collection.end.isoformat())


# -- answers -----------------------------------------------------------------------------------

@h5_upload.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _is_page() -> bool:
    return request.endpoint == "h5_upload.page"


def _answer(status: int, code: str, message: str, **extra):
    if _is_page():
        return render_template("upload.html", problem={"code": code, "message": message},
                               contest=current_services().contest), status
    return jsonify(error=code, message=message, **extra), status


@h5_upload.errorhandler(Refusal)
def _refused(refusal: Refusal):
    log.info("upload request refused: %s %s", refusal.status, refusal.code)
    return _answer(refusal.status, refusal.code, refusal.message, **refusal.extra)


@h5_upload.errorhandler(OffsetMismatch)
def _offset_mismatch(error: OffsetMismatch):
    return _answer(409, "wrong_offset", "数据块顺序不对，请从服务器已收到的位置继续。",
                   offset=error.offset)


@h5_upload.errorhandler(UploadBusy)
def _busy(error: UploadBusy):
    return _answer(409, "busy", "另一个页面正在上传同一个文件，请稍候再试。")


@h5_upload.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    messages: dict[int | None, str] = {413: "数据过大。", 404: "页面不存在。", 405: "不支持的请求方式。"}
    return _answer(error.code or 400, "http_" + str(error.code),
                   messages.get(error.code, "请求无法处理，请重试。"))


@h5_upload.errorhandler(RedisError)
@h5_upload.errorhandler(SQLAlchemyError)
@h5_upload.errorhandler(OSError)
def _unavailable(error: Exception):
    log.error("upload request failed: %s: %s", type(error).__name__, error)
    return _answer(503, "unavailable", "服务器暂时繁忙，请稍后点击“继续上传”。")
