"""The personal upload page (/h5/upload/<token>): an entrant sends the original video file in
chunks that resume after a dropped connection; the same checks as chat videos follow.

- GET  /h5/upload/<token>                   the page: entry, the category's video rules, picker
- GET  /h5/upload/<token>/status?name=&size=   {"offset": bytes the server has, "complete": ...}
- PUT  /h5/upload/<token>/chunks?name=      one chunk, `Content-Range: bytes start-end/total`
- POST /h5/upload/<token>/complete          {"name", "size", "content_type"}: checks the size,
                                            moves the file into MEDIA_ROOT, records it, sets the
                                            entry to "validating", queues the validation job

A link works for 48 h (bot.h5.upload_links), for an entry of its openid that still accepts a video,
until the collection phase ends on the contest clock. Refusals: 403 (tampered link, not this
user's entry), 410 (expired link, deadline passed), 409 (the entry no longer takes a video; a
chunk not at the current offset, with that offset), 413 (declared size over the category's
max_file_mb, or past the entrant's storage cap or uploads in flight (bot.video.quota): refused
before any byte is stored; a chunk over MAX_CHUNK_BYTES). The page gets a
Chinese HTML page, the API calls JSON {"error", "message", ...}. Nothing here answers 500 on
input; Redis or the database down gives 503.

This module has the page and the registration; the link checks, the blueprint and the error
answers are in bot.h5.upload_access, the status and chunk API in bot.h5.upload_chunks, the
completion in bot.h5.upload_complete. Importing this module attaches every route.
"""
from typing import cast

from flask import render_template, url_for

from bot.chat.render import cn_datetime, cn_duration
from bot.contest import Phase
from bot.entries import TAKES_VIDEO, state_label
from bot.h5.upload_access import (
    DEFAULT_MAX_FILE_MB,
    HOW_TO_GET_A_LINK,
    WEB_TEMPLATES,
    Refusal,
    Target,
    h5_upload,
    resolve_link,
)
from bot.h5.upload_chunks import (
    CHUNK_BYTES,
    CONTENT_RANGE,
    MAX_CHUNK_BYTES,
    chunks,
    size_text,
    status,
)
from bot.h5.upload_complete import CONTENT_TYPE, DONE_TTL_S, complete
from bot.services import current_services

__all__ = ["CHUNK_BYTES", "CONTENT_RANGE", "CONTENT_TYPE", "DEFAULT_MAX_FILE_MB", "DONE_TTL_S",
           "HOW_TO_GET_A_LINK", "MAX_CHUNK_BYTES", "ORIENTATIONS", "TAKES_VIDEO",
           "WEB_TEMPLATES", "Refusal", "Target", "chunks", "complete", "h5_upload", "page",
           "register_h5_upload", "rule_lines", "status"]

ORIENTATIONS = {"landscape": "横屏", "portrait": "竖屏", "square": "方形"}

def register_h5_upload(app) -> None:
    """Add the upload page and its API to the app."""
    app.register_blueprint(h5_upload)


@h5_upload.get("/<token>")
def page(token: str):
    """The upload page of one entry."""
    target = resolve_link(token)
    return render_template(
        "upload.html", problem=None, contest=current_services().contest, target=target,
        category=current_services().contest.category(target.category) if target.category else None,
        state_label=state_label(target.state),
        rules=rule_lines(target.rules), manual_checks=list(target.rules.manual_checks),
        max_bytes=target.max_bytes, max_text=size_text(target.max_bytes),
        chunk_bytes=CHUNK_BYTES, deadline=cn_datetime(cast(Phase, target.collection).end),
        expires=cn_datetime(target.grant.expires_at),
        status_url=url_for(".status", token=token), chunks_url=url_for(".chunks", token=token),
        complete_url=url_for(".complete", token=token))


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
        lines.append(f"文件大小不超过{size_text(int(rules.max_file_mb * 1024 * 1024))}")
    return lines
