"""Receiving the file on /h5/upload/: the resume status and the chunks, `Content-Range` at the
offset the server has, plus the file's name and declared size every call checks.

- GET  /h5/upload/<token>/status?name=&size=   {"offset": bytes the server has, "complete": ...}
- PUT  /h5/upload/<token>/chunks?name=      one chunk, `Content-Range: bytes start-end/total`
"""
import re
import unicodedata

from flask import jsonify, request

from bot.h5.upload_access import Refusal, Target, h5_upload, open_store, resolve_link
from bot.h5.upload_store import UploadBusy, upload_id
from bot.services import current_services
from bot.video.quota import (
    QuotaExceeded,
    check_room,
    entrant_entries,
    entrant_lock,
    size_text,
    usage,
)

CHUNK_BYTES = 2 * 1024 * 1024  # what the page sends per request
MAX_CHUNK_BYTES = 8 * 1024 * 1024  # the most one request may carry
CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d{1,15})-(\d{1,15})/(\d{1,15})\s*$")


def file_name(raw) -> str:
    """The file's name as the browser gave it, tidied (it only keys the upload)."""
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:200] or "video"


def declared_size(raw) -> int:
    try:
        size = int(str(raw).strip())
    except (TypeError, ValueError):
        raise Refusal(400, "bad_size", "缺少文件大小。") from None
    if size <= 0 or size > 1 << 50:
        raise Refusal(400, "bad_size", "文件是空的。" if size == 0 else "文件大小不正确。")
    return size


def check_size(target: Target, size: int) -> None:
    if size > target.max_bytes:
        raise Refusal(413, "too_large",
                      f"文件大小{size_text(size)}，超过本赛{size_text(target.max_bytes)}上限，"
                      "请压缩后再上传。", max_bytes=target.max_bytes)




def _check_quota(target: Target, part, size: int) -> None:
    """Refuse (413) a new upload past the entrant's storage cap or uploads in flight.

    Call it holding the entrant's lock when the bytes are then taken."""
    services = current_services()
    entries = entrant_entries(services.db, services.contest.id, target.openid)
    current = usage(open_store(services).root, services.contest.id, entries, skip=part)
    try:
        check_room(services.contest.entrant_limits, current, size, new_upload=True)
    except QuotaExceeded as over:
        raise Refusal(413, over.reason, over.message, **over.extra) from None


def upload_of(target: Target, name: str, size: int):
    uid = upload_id(current_services().contest.id, target.entry_id, target.grant.openid_tag, name, size)
    store = open_store(current_services())
    return store, uid, store.part_path(current_services().contest.id, target.entry_id, uid, size)


def done_key(uid: str) -> str:
    return f"upload-done:{uid}"


@h5_upload.get("/<token>/status")
def status(token: str):
    """How many bytes of this file the server has (0 for a new upload)."""
    target = resolve_link(token)
    name, size = file_name(request.args.get("name")), declared_size(request.args.get("size"))
    check_size(target, size)
    store, uid, part = upload_of(target, name, size)
    offset = store.offset(part)
    done = None if offset else current_services().redis.get(done_key(uid))
    if not offset and not done and store.is_locked(uid):
        raise UploadBusy(uid)  # another tab is completing this file (or starting it): ask again
    if not offset and not done:
        _check_quota(target, part, size)  # a new upload: say so before the page sends a byte
    return jsonify(offset=size if done else offset, size=size, complete=bool(done),
                   chunk_bytes=CHUNK_BYTES, max_bytes=target.max_bytes)


@h5_upload.put("/<token>/chunks")
def chunks(token: str):
    """Append one chunk at the current offset."""
    target = resolve_link(token)
    match = CONTENT_RANGE.match(request.headers.get("Content-Range", ""))
    if not match:
        raise Refusal(400, "bad_range", "缺少或无法识别 Content-Range（bytes 起点-终点/总大小）。")
    start, end, total = (int(group) for group in match.groups())
    if total <= 0 or start > end or end >= total:
        raise Refusal(400, "bad_range", "Content-Range 不正确。")
    check_size(target, total)  # cut off early: before a byte of the body is read
    length = end - start + 1
    if length > MAX_CHUNK_BYTES:
        raise Refusal(413, "chunk_too_large", "单次上传的数据块过大。", max_chunk=MAX_CHUNK_BYTES)
    if request.content_length != length:
        raise Refusal(400, "length_mismatch", "数据块长度与 Content-Range 不符。")
    name = file_name(request.args.get("name"))
    store, uid, part = upload_of(target, name, total)
    # The chunk is read whole before the lock is taken (a slow phone must not hold it), and
    # read even when out of order, so the client reliably gets the 409 with the offset.
    request.max_content_length = MAX_CHUNK_BYTES
    data = request.get_data(cache=False)
    if len(data) != length:
        raise Refusal(400, "length_mismatch", "数据块不完整，请重试。", offset=store.offset(part))
    if start == 0:
        store.sweep(current_services().contest.id, target.entry_id, keep=uid)
    redis = current_services().redis

    def append() -> int:
        return store.append(part, uid, start, data,
                            already_done=lambda: total if redis.exists(done_key(uid)) else 0)

    if start != 0 or store.offset(part) or redis.exists(done_key(uid)):
        return jsonify(offset=append(), size=total)
    with entrant_lock(redis, current_services().contest.id, target.grant.openid_tag):
        _check_quota(target, part, total)  # a new partial file reserves its declared size
        return jsonify(offset=append(), size=total)
