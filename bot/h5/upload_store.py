"""Resumable uploads on disk: MEDIA_ROOT/uploads/<contest>/<entry>/<upload id>.<size>.part.

An upload is keyed by what its link grants (contest, entry, openid digest) plus the file's name
and size, so a reloaded page or a fresh link for the same entry resumes the same partial file.
The bytes the server has are the partial file's length: chunks are appended in order only, each
under a Redis lock per upload, so two tabs sending the same file cannot interleave or corrupt it.
On completion the file is hashed and moved (same file system, atomic) to a name chosen by
bot.video.store.new_relative_path.
"""
import hashlib
import logging
import os
import time
from contextlib import contextmanager
from pathlib import Path

from redis.exceptions import LockError

from bot.video.store import CHUNK, StoredFile, new_relative_path

log = logging.getLogger(__name__)

UPLOADS_DIR = "uploads"
LOCK_TIMEOUT_S = 300  # a completion hashes up to a few GB under the lock
LOCK_WAIT_S = 15
MAX_PARTS_PER_ENTRY = 3  # abandoned partial files kept per entry (the oldest go first)
PART_MAX_AGE_S = 48 * 3600  # partial files untouched this long are removed


class UploadBusy(Exception):
    """Another request holds this upload's lock for longer than we wait."""


class OffsetMismatch(Exception):
    """A chunk does not start where the stored bytes end (or a completion is premature)."""

    def __init__(self, offset: int):
        super().__init__(f"server has {offset} bytes")
        self.offset = offset


def upload_id(contest_id: str, entry_id: int, openid_tag: str, name: str, size: int) -> str:
    """The stable id of an upload of this file for this grant (hex, 32 characters)."""
    key = "\x1f".join([contest_id, str(entry_id), openid_tag, name, str(size)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def part_uid(path: Path) -> str:
    """The upload id of a partial file."""
    return path.name.split(".", 1)[0]


class UploadStore:
    """Partial files under MEDIA_ROOT/uploads and the locks that keep them whole."""

    def __init__(self, root: Path, redis_client):
        self.root = root
        self.redis = redis_client

    def entry_dir(self, contest_id: str, entry_id: int) -> Path:
        return self.root / UPLOADS_DIR / contest_id / str(int(entry_id))

    def part_path(self, contest_id: str, entry_id: int, uid: str, size: int) -> Path:
        """The partial file; its name carries the declared size (bot.video.quota counts it)."""
        return self.entry_dir(contest_id, entry_id) / f"{uid}.{int(size)}.part"

    @staticmethod
    def offset(part: Path) -> int:
        """How many bytes of the upload are stored."""
        try:
            return part.stat().st_size
        except FileNotFoundError:
            return 0

    @contextmanager
    def locked(self, uid: str, wait_s: float = LOCK_WAIT_S):
        """Hold the upload's lock (Redis, so every web process and host shares it)."""
        lock = self.redis.lock(f"upload-lock:{uid}", timeout=LOCK_TIMEOUT_S,
                               blocking_timeout=wait_s)
        if not lock.acquire():
            raise UploadBusy(uid)
        try:
            yield
        finally:
            try:
                lock.release()
            except LockError:
                log.warning("upload lock %s expired before release", uid)

    def is_locked(self, uid: str) -> bool:
        """True while a request holds the upload's lock (a chunk or a completion)."""
        return bool(self.redis.exists(f"upload-lock:{uid}"))

    def append(self, part: Path, uid: str, start: int, data: bytes, already_done=None) -> int:
        """Append a chunk that starts at `start`; the new offset. OffsetMismatch otherwise.

        already_done() is asked under the lock before a first chunk (start 0) creates a new
        partial file: when it returns a size, the upload was just completed (by another tab)
        and that size is returned instead of starting over.
        """
        with self.locked(uid):
            current = self.offset(part)
            if start == 0 and current == 0 and already_done is not None:
                done_size = already_done()
                if done_size:
                    return done_size
            if start != current:
                raise OffsetMismatch(current)
            part.parent.mkdir(parents=True, exist_ok=True)
            with open(part, "ab") as handle:
                try:
                    handle.write(data)
                    handle.flush()
                except OSError:
                    handle.truncate(current)  # a full disk leaves the chunk out, not half of it
                    raise
            return current + len(data)

    def move_into_place(self, part: Path, contest_id: str, entry_id: int,
                        size: int) -> StoredFile:
        """Hash the complete partial file and move it to a fresh name under MEDIA_ROOT.

        Call it holding the upload's lock. OffsetMismatch when the stored bytes are not
        exactly `size` (0 when there is no partial file, e.g. another tab completed it).
        """
        current = self.offset(part)
        if current != size or not part.exists():
            raise OffsetMismatch(current)
        digest = hashlib.sha256()
        with open(part, "rb") as handle:
            for block in iter(lambda: handle.read(CHUNK * 16), b""):
                digest.update(block)
        relative = new_relative_path(contest_id, entry_id)
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, target)
        return StoredFile(relative, size, digest.hexdigest())

    def put_back(self, stored: StoredFile, part: Path) -> None:
        """Undo move_into_place (its record failed), so the completion can be retried."""
        target = self.root / stored.relative_path
        if target.exists():
            os.replace(target, part)

    def remove_part(self, path: Path) -> None:
        """Remove a partial file unless a request is writing it (UploadBusy then)."""
        with self.locked(part_uid(path), wait_s=0):
            path.unlink(missing_ok=True)

    def sweep(self, contest_id: str, entry_id: int, keep: str) -> None:
        """Remove stale partial files of the entry: older than PART_MAX_AGE_S, and beyond
        MAX_PARTS_PER_ENTRY (least recently written first). Busy uploads are left alone."""
        folder = self.entry_dir(contest_id, entry_id)
        if not folder.is_dir():
            return
        parts = []
        for path in folder.glob("*.part"):
            if part_uid(path) == keep:
                continue
            try:
                parts.append((path.stat().st_mtime, path))
            except FileNotFoundError:
                continue
        parts.sort(reverse=True)  # newest first
        now = time.time()
        for index, (mtime, path) in enumerate(parts):
            if index + 1 < MAX_PARTS_PER_ENTRY and now - mtime < PART_MAX_AGE_S:
                continue
            try:
                self.remove_part(path)
                log.info("removed stale partial upload %s of entry %s", part_uid(path), entry_id)
            except UploadBusy:
                continue
