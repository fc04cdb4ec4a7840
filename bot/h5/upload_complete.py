"""Completing an upload on /h5/upload/: the file moves into MEDIA_ROOT, is recorded, the entry
waits for its verdict and the validation job is queued.

- POST /h5/upload/<token>/complete          {"name", "size", "content_type"}; a repeated
                                            completion within DONE_TTL_S gets the same answer
"""
import json
import logging
import re
import uuid

from flask import jsonify, request
from sqlalchemy import select

from bot import audit
from bot.db import session_scope
from bot.entries import TAKES_VIDEO
from bot.h5.upload_access import Refusal, Target, h5_upload, resolve_link
from bot.h5.upload_chunks import check_size, declared_size, done_key, file_name, upload_of
from bot.h5.upload_store import OffsetMismatch
from bot.models import Entry, EntryState
from bot.privacy import mask_openid
from bot.services import current_services
from bot.video.intake import queue_validation, record_media_file

log = logging.getLogger("bot.h5.upload")  # the name these lines have always been logged under

DONE_TTL_S = 600  # a repeated completion within this time gets the same answer
CONTENT_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]{0,63}/[\w.+-]{1,63}$")


@h5_upload.post("/<token>/complete")
def complete(token: str):
    """Check the size, move the file into place, record it and queue its validation."""
    target = resolve_link(token)
    body = request.get_json(silent=True) or {}
    name, size = file_name(body.get("name")), declared_size(body.get("size"))
    check_size(target, size)
    declared = str(body.get("content_type") or "")
    content_type = declared if CONTENT_TYPE.match(declared) else None
    services = current_services()
    store, uid, part = upload_of(target, name, size)
    with store.locked(uid):  # held to the end: a second tab's completion waits, then sees done
        try:
            stored = store.move_into_place(part, services.contest.id, target.entry_id, size)
        except OffsetMismatch as mismatch:
            done = services.redis.get(done_key(uid)) if mismatch.offset == 0 else None
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
        queue_validation(services, media_file_id, submission=submission)
        services.redis.set(done_key(uid), json.dumps({"submission": submission,
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
            entry.state = EntryState.VALIDATING.value
    return replacing


def _done_message(target: Target, replacing: bool) -> str:
    replaced = "，将替换之前提交的视频" if replacing else ""
    return (f"作品{target.code}《{target.title}》的视频已上传{replaced}。正在检查格式，"
            "一般1分钟内在公众号对话中告诉您结果。")
