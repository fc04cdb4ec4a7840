"""The personal upload page (/h5/upload/<token>): an entrant sends the original video file in
chunks that resume after a dropped connection; the same checks as chat videos follow.

- GET  /h5/upload/<token>                   the page: entry, the category's video rules, picker
- GET  /h5/upload/<token>/status?name=&size=   {"offset": bytes the server has, "complete": ...}
- PUT  /h5/upload/<token>/chunks?name=      one chunk, `Content-Range: bytes start-end/total`
- POST /h5/upload/<token>/complete          {"name", "size", "content_type"}: checks the size,
                                            moves the file into MEDIA_ROOT, records it, sets the
                                            entry to "validating", queues the validation job

A link works for 48 h (bot.upload_links), for an entry of its openid that still accepts a video,
until the collection phase ends on the contest clock. Refusals: 403 (tampered link, not this
user's entry), 410 (expired link, deadline passed), 409 (the entry no longer takes a video; a
chunk not at the current offset, with that offset), 413 (declared size over the category's
max_file_mb: refused before any byte is stored; a chunk over MAX_CHUNK_BYTES). The page gets a
Chinese HTML page, the API calls JSON {"error", "message", ...}. Nothing here answers 500 on
input; Redis or the database down gives 503.
"""
import json
import logging
import re
import unicodedata
import uuid
from dataclasses import dataclass

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from bot import audit
from bot.db import session_scope
from bot.media_store import media_root
from bot.models import Entry
from bot.privacy import mask_openid
from bot.render import cn_duration
from bot.upload_links import LinkExpired, LinkInvalid, read_upload_token
from bot.upload_store import OffsetMismatch, UploadBusy, UploadStore, upload_id
from config.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

WEB_TEMPLATES = PROJECT_ROOT / "templates" / "web"
h5_upload = Blueprint("h5_upload", __name__, url_prefix="/h5/upload",
                      template_folder=str(WEB_TEMPLATES))

TAKES_VIDEO = ("awaiting_video", "validating", "video_refused", "valid")
CHUNK_BYTES = 2 * 1024 * 1024  # what the page sends per request
MAX_CHUNK_BYTES = 8 * 1024 * 1024  # the most one request may carry
DEFAULT_MAX_FILE_MB = 4096  # when a contest sets no max_file_mb (as jobs.media does)
DONE_TTL_S = 600  # a repeated completion within this time gets the same answer
CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d{1,15})-(\d{1,15})/(\d{1,15})\s*$")
CONTENT_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]{0,63}/[\w.+-]{1,63}$")
ORIENTATIONS = {"landscape": "横屏", "portrait": "竖屏", "square": "方形"}
STATE_LABELS = {"awaiting_video": "待提交视频", "validating": "视频检查中",
                "video_refused": "视频未通过格式检查", "valid": "视频已通过格式检查"}
HOW_TO_GET_A_LINK = "请在公众号对话中回复“上传”获取新的上传链接。"


def register_h5_upload(app) -> None:
    """Add the upload page and its API to the app."""
    app.register_blueprint(h5_upload)


class Refusal(Exception):
    """A request we answer with a 4xx: HTTP status, a code for scripts, a Chinese message."""

    def __init__(self, status: int, code: str, message: str, **extra):
        super().__init__(code)
        self.status, self.code, self.message, self.extra = status, code, message, extra


@dataclass
class Target:
    """What a valid link lets this request touch."""

    grant: object
    entry_id: int
    code: str
    title: str
    state: str
    category: str | None
    openid: str
    has_video: bool
    rules: object
    collection: object

    @property
    def max_bytes(self) -> int:
        return int((self.rules.max_file_mb or DEFAULT_MAX_FILE_MB) * 1024 * 1024)


def _services():
    return current_app.extensions["contestbot"]


def _store(services) -> UploadStore:
    return UploadStore(media_root(services.settings), services.redis)


def _cn_datetime(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"


def _resolve(token: str) -> Target:
    """The entry a link is for, after every check a link must pass (Refusal otherwise)."""
    services = _services()
    now = services.now()
    contest = services.contest
    try:
        grant = read_upload_token(services.settings, token, now)
    except LinkInvalid:
        raise Refusal(403, "invalid_link", "链接无效：可能被修改或复制不完整。" + HOW_TO_GET_A_LINK)
    except LinkExpired as expired:
        _check_deadline(contest.phase("collection"), now)  # the more useful answer, if both
        raise Refusal(410, "link_expired", f"链接已于{_cn_datetime(expired.expired_at)}过期"
                      f"（链接48小时内有效）。" + HOW_TO_GET_A_LINK)
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
                      f"作品征集已于{_cn_datetime(collection.end)}截止，不再接收或替换视频。",
                      deadline=collection.end.isoformat())


def _file_name(raw) -> str:
    """The file's name as the browser gave it, tidied (it only keys the upload)."""
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:200] or "video"


def _declared_size(raw) -> int:
    try:
        size = int(str(raw).strip())
    except (TypeError, ValueError):
        raise Refusal(400, "bad_size", "缺少文件大小。") from None
    if size <= 0 or size > 1 << 50:
        raise Refusal(400, "bad_size", "文件是空的。" if size == 0 else "文件大小不正确。")
    return size


def _check_size(target: Target, size: int) -> None:
    if size > target.max_bytes:
        raise Refusal(413, "too_large",
                      f"文件大小{_size_text(size)}，超过本赛{_size_text(target.max_bytes)}上限，"
                      "请压缩后再上传。", max_bytes=target.max_bytes)


def _size_text(size_bytes: int) -> str:
    mb = size_bytes / (1024 * 1024)
    if mb >= 1024:
        return f"{mb / 1024:.3g} GB".replace(".0 ", " ")
    return f"{mb:.1f} MB".replace(".0 ", " ")


def _upload_of(target: Target, name: str, size: int):
    uid = upload_id(_services().contest.id, target.entry_id, target.grant.openid_tag, name, size)
    store = _store(_services())
    return store, uid, store.part_path(_services().contest.id, target.entry_id, uid)


def _done_key(uid: str) -> str:
    return f"upload-done:{uid}"


@h5_upload.get("/<token>")
def page(token: str):
    """The upload page of one entry."""
    target = _resolve(token)
    return render_template(
        "upload.html", problem=None, contest=_services().contest, target=target,
        category=_services().contest.category(target.category) if target.category else None,
        state_label=STATE_LABELS.get(target.state, target.state),
        rules=rule_lines(target.rules), manual_checks=list(target.rules.manual_checks),
        max_bytes=target.max_bytes, max_text=_size_text(target.max_bytes),
        chunk_bytes=CHUNK_BYTES, deadline=_cn_datetime(target.collection.end),
        expires=_cn_datetime(target.grant.expires_at),
        status_url=url_for(".status", token=token), chunks_url=url_for(".chunks", token=token),
        complete_url=url_for(".complete", token=token))


@h5_upload.get("/<token>/status")
def status(token: str):
    """How many bytes of this file the server has (0 for a new upload)."""
    target = _resolve(token)
    name, size = _file_name(request.args.get("name")), _declared_size(request.args.get("size"))
    _check_size(target, size)
    store, uid, part = _upload_of(target, name, size)
    offset = store.offset(part)
    done = None if offset else _services().redis.get(_done_key(uid))
    if not offset and not done and store.is_locked(uid):
        raise UploadBusy(uid)  # another tab is completing this file (or starting it): ask again
    return jsonify(offset=size if done else offset, size=size, complete=bool(done),
                   chunk_bytes=CHUNK_BYTES, max_bytes=target.max_bytes)


@h5_upload.put("/<token>/chunks")
def chunks(token: str):
    """Append one chunk at the current offset."""
    target = _resolve(token)
    match = CONTENT_RANGE.match(request.headers.get("Content-Range", ""))
    if not match:
        raise Refusal(400, "bad_range", "缺少或无法识别 Content-Range（bytes 起点-终点/总大小）。")
    start, end, total = (int(group) for group in match.groups())
    if total <= 0 or start > end or end >= total:
        raise Refusal(400, "bad_range", "Content-Range 不正确。")
    _check_size(target, total)  # cut off early: before a byte of the body is read
    length = end - start + 1
    if length > MAX_CHUNK_BYTES:
        raise Refusal(413, "chunk_too_large", "单次上传的数据块过大。", max_chunk=MAX_CHUNK_BYTES)
    if request.content_length != length:
        raise Refusal(400, "length_mismatch", "数据块长度与 Content-Range 不符。")
    name = _file_name(request.args.get("name"))
    store, uid, part = _upload_of(target, name, total)
    # The chunk is read whole before the lock is taken (a slow phone must not hold it), and
    # read even when out of order, so the client reliably gets the 409 with the offset.
    request.max_content_length = MAX_CHUNK_BYTES
    data = request.get_data(cache=False)
    if len(data) != length:
        raise Refusal(400, "length_mismatch", "数据块不完整，请重试。", offset=store.offset(part))
    if start == 0:
        store.sweep(_services().contest.id, target.entry_id, keep=uid)
    redis = _services().redis
    offset = store.append(part, uid, start, data,
                          already_done=lambda: total if redis.exists(_done_key(uid)) else 0)
    return jsonify(offset=offset, size=total)


@h5_upload.post("/<token>/complete")
def complete(token: str):
    """Check the size, move the file into place, record it and queue its validation."""
    from jobs.media import queue_validation, record_media_file

    target = _resolve(token)
    body = request.get_json(silent=True) or {}
    name, size = _file_name(body.get("name")), _declared_size(body.get("size"))
    _check_size(target, size)
    content_type = str(body.get("content_type") or "")
    content_type = content_type if CONTENT_TYPE.match(content_type) else None
    services = _services()
    store, uid, part = _upload_of(target, name, size)
    with store.locked(uid):  # held to the end: a second tab's completion waits, then sees done
        try:
            stored = store.move_into_place(part, services.contest.id, target.entry_id, size)
        except OffsetMismatch as mismatch:
            done = services.redis.get(_done_key(uid)) if mismatch.offset == 0 else None
            if done:  # completed already (a lost answer, or another tab)
                first = json.loads(done)
                return jsonify(complete=True, code=target.code, submission=first["submission"],
                               message=_done_message(target, first["replacing"]))
            raise Refusal(409, "incomplete", "服务器还没有收到完整的文件，请继续上传。",
                          offset=mismatch.offset) from None
        try:
            media_file_id = record_media_file(services, target.entry_id, stored, "upload", None,
                                              content_type)
        except BaseException:
            store.put_back(stored, part)
            raise
        submission = f"upload-{uid[:12]}-{uuid.uuid4().hex[:12]}"
        replacing = _mark_validating(services, target, media_file_id)
        queue_validation(services.queue, media_file_id, submission=submission)
        services.redis.set(_done_key(uid), json.dumps({"submission": submission,
                                                       "replacing": replacing}), ex=DONE_TTL_S)
    log.info("upload %s of entry %s complete (%s bytes) by %s", uid, target.entry_id,
             stored.size_bytes, mask_openid(target.openid))
    return jsonify(complete=True, code=target.code, submission=submission,
                   message=_done_message(target, replacing))


def _mark_validating(services, target: Target, media_file_id: int) -> bool:
    """The entry waits for the new file's verdict (as after a chat video); True if replacing."""
    with session_scope(services.db) as session:
        entry = session.scalars(select(Entry).where(Entry.id == target.entry_id)
                                .with_for_update()).one()
        replacing = target.has_video
        audit.record(session, audit.wechat_actor(target.openid), "entry.video_received", "entry",
                     entry.id, services.now(), previous=entry.state, replacing=replacing,
                     source="upload", media_file=media_file_id)
        if entry.state in TAKES_VIDEO:
            entry.state = "validating"
    return replacing


def _done_message(target: Target, replacing: bool) -> str:
    replaced = "，将替换之前提交的视频" if replacing else ""
    return (f"作品{target.code}《{target.title}》的视频已上传{replaced}。正在检查格式，"
            "一般1分钟内在公众号对话中告诉您结果。")


def rule_lines(rules) -> list[str]:
    """The category's video rules as short Chinese lines for the page."""
    lines = []
    if rules.max_duration_s:
        line = f"时长不超过{cn_duration(rules.max_duration_s)}"
        if rules.min_duration_s:
            line = f"时长{cn_duration(rules.min_duration_s)}至{cn_duration(rules.max_duration_s)}"
        if rules.soft_max_duration_s:
            line += f"（一般不超过{cn_duration(rules.soft_max_duration_s)}）"
        lines.append(line)
    elif rules.min_duration_s:
        lines.append(f"时长不少于{cn_duration(rules.min_duration_s)}")
    if rules.allowed_sizes:
        sizes = "、".join(f"{w}×{h}" for w, h in rules.allowed_sizes)
        lines.append(f"分辨率：{sizes}")
    if rules.min_height:
        lines.append(f"分辨率不低于{rules.min_height}P")
    if rules.orientations:
        lines.append("画面方向：" + "或".join(ORIENTATIONS[o] for o in rules.orientations))
    if rules.aspect_ratios:
        lines.append("画面比例：" + "或".join(rules.aspect_ratios))
    if rules.containers:
        lines.append("文件格式：" + "/".join(c.upper() for c in rules.containers))
    if rules.audio_required:
        lines.append("须有声音")
    if rules.max_file_mb:
        lines.append(f"文件大小不超过{_size_text(int(rules.max_file_mb * 1024 * 1024))}")
    return lines


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
                               contest=_services().contest), status
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
    messages = {413: "数据过大。", 404: "页面不存在。", 405: "不支持的请求方式。"}
    return _answer(error.code or 400, "http_" + str(error.code),
                   messages.get(error.code, "请求无法处理，请重试。"))


@h5_upload.errorhandler(RedisError)
@h5_upload.errorhandler(SQLAlchemyError)
@h5_upload.errorhandler(OSError)
def _unavailable(error: Exception):
    log.error("upload request failed: %s: %s", type(error).__name__, error)
    return _answer(503, "unavailable", "服务器暂时繁忙，请稍后点击“继续上传”。")
