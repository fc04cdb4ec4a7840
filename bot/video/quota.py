"""What one entrant's videos take on disk in one contest, checked before any new byte is taken.

Usage is read from the disk, not from the database, so it counts what is really there: every file
in the folders of the entrant's entries (MEDIA_ROOT/<contest>/<entry>/: current, replaced and
not-yet-cleaned files, chat downloads in progress) and their unfinished uploads
(MEDIA_ROOT/uploads/<contest>/<entry>/). A partial file's name carries the size reserved for it
(`<id>.<bytes>.part`), so an upload counts its declared size from its first chunk on. The checks
run under a Redis lock per entrant, so two tabs or two workers cannot both take the last room.
"""
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from bot.db import session_scope
from bot.entries import entries_of
from bot.h5.upload_store import UPLOADS_DIR

MB = 1024 * 1024
FLIGHT_IDLE_S = 600  # an unfinished upload not written to for this long is paused, not in flight
RESERVED = re.compile(r"\.(\d{1,15})\.part$")
LOCK_TIMEOUT_S = 30


class QuotaExceeded(Exception):
    """A new file would pass the entrant's storage cap, or start one upload too many."""

    def __init__(self, reason: str, message: str, **extra):
        super().__init__(reason)
        self.reason, self.message, self.extra = reason, message, extra


@dataclass
class Usage:
    """An entrant's bytes on disk (reserved sizes for partial files) and uploads in flight."""

    bytes: int = 0
    in_flight: list[str] = field(default_factory=list)  # entry codes, one per active upload


def reserved_size(path: Path, actual: int) -> int:
    """What a file counts: its size, or the size reserved in a partial file's name if larger."""
    match = RESERVED.search(path.name)
    return max(actual, int(match.group(1))) if match else actual


def size_text(size_bytes: int) -> str:
    """A size as people read it: 1.5 GB, 300 MB."""
    mb = size_bytes / MB
    if mb >= 1024:
        return f"{mb / 1024:.3g} GB".replace(".0 ", " ")
    return f"{mb:.1f} MB".replace(".0 ", " ")


def usage(root: Path, contest_id: str, entries: list[tuple[int, str]], skip: Path | None = None,
          now: float | None = None) -> Usage:
    """The usage of these (entry id, code) pairs, leaving out the partial file `skip`."""
    now = time.time() if now is None else now
    total = Usage()
    for entry_id, code in entries:
        for folder, uploads in ((root / contest_id / str(entry_id), False),
                                (root / UPLOADS_DIR / contest_id / str(entry_id), True)):
            for path, stat in _files(folder):
                if skip is not None and path == skip:
                    continue
                total.bytes += reserved_size(path, stat.st_size)
                if uploads and path.name.endswith(".part") and now - stat.st_mtime < FLIGHT_IDLE_S:
                    total.in_flight.append(code)
    return total


def _files(folder: Path):
    try:
        children = list(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return
    for path in children:
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        if path.is_file():
            yield path, stat


def entrant_entries(db, contest_id: str, openid: str) -> list[tuple[int, str]]:
    """(entry id, code) of every confirmed entry of this entrant in this contest."""
    with session_scope(db) as session:
        return [(entry.id, cast(str, entry.code))  # confirmed entries: each has a code
                for entry in entries_of(session, contest_id, openid)]


@contextmanager
def entrant_lock(redis, contest_id: str, openid_key: str):
    """Hold the entrant's quota lock while checking and reserving."""
    with redis.lock(f"media-quota:{contest_id}:{openid_key}", timeout=LOCK_TIMEOUT_S,
                    blocking_timeout=LOCK_TIMEOUT_S):
        yield


def check_room(limits, current: Usage, size: int, new_upload: bool) -> None:
    """QuotaExceeded when `size` more bytes (a new upload, or a chat video) do not fit."""
    cap = limits.max_storage_mb * MB
    if new_upload and len(current.in_flight) >= limits.max_uploads_in_flight:
        codes = "、".join(sorted(set(current.in_flight)))
        raise QuotaExceeded("too_many_uploads",
                            f"您已有{len(current.in_flight)}个视频正在上传（作品{codes}），"
                            f"每人同时最多上传{limits.max_uploads_in_flight}个。"
                            "请等其中一个上传完成后再试。", max_uploads=limits.max_uploads_in_flight)
    if current.bytes + size > cap:
        left = max(0, cap - current.bytes)
        raise QuotaExceeded("quota_exceeded",
                            f"本赛每位参赛者的视频存储空间上限为{size_text(cap)}，您已使用"
                            f"{size_text(current.bytes)}（含正在上传和已被替换、尚未清除的视频），"
                            f"剩余{size_text(left)}，放不下这个{size_text(size)}的文件。"
                            "被替换的旧视频会在24小时后自动清除；也可压缩视频后再上传。",
                            max_storage_bytes=cap, used_bytes=current.bytes)
