"""Where video files live: under MEDIA_ROOT, with names we choose, streamed in with a size cap."""
import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 16


class MediaTooLarge(Exception):
    """The file passed the contest's size limit; it was cut off and removed."""

    def __init__(self, limit_bytes: int, seen_bytes: int):
        super().__init__(f"over {limit_bytes} bytes")
        self.limit_bytes = limit_bytes
        self.seen_bytes = seen_bytes


@dataclass(frozen=True)
class StoredFile:
    """A file written under MEDIA_ROOT: its relative path, size and sha256."""

    relative_path: str
    size_bytes: int
    sha256: str


def media_root(settings: dict) -> Path:
    """MEDIA_ROOT as an absolute, existing folder."""
    root = Path(settings["MEDIA_ROOT"]).resolve()
    root.mkdir(parents=True, exist_ok=True)
    return root


def new_relative_path(contest_id: str, entry_id: int) -> str:
    """A fresh name for an entry's video: <contest>/<entry>/<uuid>.video."""
    return f"{contest_id}/{entry_id}/{uuid.uuid4().hex}.video"


def store_stream(root: Path, relative_path: str, chunks, max_bytes: int,
                 partial: Path | None = None) -> StoredFile:
    """Write the chunks to root/relative_path (through `partial`, by default <name>.part);
    MediaTooLarge (and no file) past max_bytes."""
    target = root / relative_path
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    partial = partial or target.with_suffix(".part")
    try:
        with open(partial, "wb") as handle:
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise MediaTooLarge(max_bytes, size)
                digest.update(chunk)
                handle.write(chunk)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return StoredFile(relative_path, size, digest.hexdigest())


def poster_path(root: Path, media_file_id: int) -> Path:
    """Where a validated file's poster frame is kept."""
    return root / "posters" / f"{media_file_id}.jpg"
