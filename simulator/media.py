"""Temporary media (临时素材): files kept 3 days, fetched as bytes or through a video_url."""
import mimetypes
import secrets
from dataclasses import dataclass
from pathlib import Path

from simulator.errors import ApiError

MEDIA_TTL = 3 * 24 * 3600
MEDIA_TYPES = {"image", "voice", "video", "thumb"}
# Limits of /cgi-bin/media/upload; media a user sends in chat is not bound by them.
UPLOAD_LIMITS = {"image": 10 << 20, "voice": 2 << 20, "video": 10 << 20, "thumb": 64 << 10}
DEFAULT_EXT = {"image": ".jpg", "voice": ".amr", "video": ".mp4", "thumb": ".jpg"}
CONTENT_TYPES = {".amr": "audio/amr", ".mp4": "video/mp4", ".jpg": "image/jpeg"}


@dataclass
class Media:
    """One stored temporary media file."""

    media_id: str
    media_type: str
    filename: str
    path: Path
    size: int
    created_at: float
    owner: str
    answer: str

    @property
    def content_type(self) -> str:
        """The Content-Type WeChat serves it with."""
        ext = Path(self.filename).suffix.lower()
        return CONTENT_TYPES.get(ext) or mimetypes.guess_type(self.filename)[0] or \
            "application/octet-stream"

    def describe(self) -> dict:
        """The media record as JSON."""
        return {"media_id": self.media_id, "type": self.media_type, "filename": self.filename,
                "size": self.size, "created_at": int(self.created_at), "owner": self.owner,
                "answer": self.answer}


class MediaStore:
    """Media files on disk under MEDIA_DIR, indexed by media_id."""

    def __init__(self, media_dir: str | Path, video_answer: str = "video_url"):
        self.media_dir = Path(media_dir)
        self.video_answer = video_answer
        self.items: dict[str, Media] = {}

    def add(self, media_type: str, data: bytes, filename: str, now: float, *,
            owner: str = "api", answer: str | None = None) -> Media:
        """Store bytes and return the new record (answer: 'bytes' or 'video_url')."""
        if media_type not in MEDIA_TYPES:
            raise ApiError(40004)
        media_id = secrets.token_urlsafe(48)
        suffix = Path(filename or "").suffix or DEFAULT_EXT[media_type]
        self.media_dir.mkdir(parents=True, exist_ok=True)
        path = self.media_dir / f"{media_id}{suffix}"
        path.write_bytes(data)
        if answer is None:
            answer = self.video_answer if media_type == "video" else "bytes"
        media = Media(media_id, media_type, filename or path.name, path, len(data), now,
                      owner, answer)
        self.items[media_id] = media
        return media

    def check_upload(self, media_type: str, size: int) -> None:
        """Refuse what /cgi-bin/media/upload refuses (type 40004, size 40006)."""
        if media_type not in MEDIA_TYPES:
            raise ApiError(40004)
        if size == 0 or size > UPLOAD_LIMITS[media_type]:
            raise ApiError(40006)

    def get(self, media_id: str | None, now: float) -> Media:
        """A live media record, or 40007 when unknown or older than 3 days."""
        media = self.items.get(media_id or "")
        if media is None or now >= media.created_at + MEDIA_TTL:
            raise ApiError(40007)
        return media

    def set_answer(self, media_id: str, answer: str) -> Media:
        """Choose how media/get answers for this media ('bytes' or 'video_url')."""
        if answer not in ("bytes", "video_url"):
            raise ValueError("answer must be 'bytes' or 'video_url'")
        media = self.items[media_id]
        media.answer = answer
        return media

    def clear(self) -> None:
        """Forget every media file and delete it from disk."""
        for media in self.items.values():
            media.path.unlink(missing_ok=True)
        self.items.clear()
