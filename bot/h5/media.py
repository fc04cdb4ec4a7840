"""The media of the /h5/ pages: which file of an entry plays, its poster, and serving both.

- GET  /h5/media/<media_file_id>    the video (HTTP Range) of a votable entry
- GET  /h5/posters/<media_file_id>  its poster image (MEDIA_ROOT/posters/<id>.jpg)
"""
import mimetypes
from pathlib import Path

from flask import abort, send_file, url_for
from sqlalchemy import func, select

from bot import voting as votes
from bot.db import session_scope
from bot.h5.blueprint import current_settings, h5
from bot.models import Entry, MediaFile, ValidationResult
from bot.services import current_services

BROWSER_VIDEO_TYPES = {"video/mp4", "video/webm", "video/quicktime", "video/ogg"}


def playable_files(db_session, entry_ids: list[int]) -> dict[int, MediaFile]:
    """The latest MediaFile that passed validation, per entry id."""
    if not entry_ids:
        return {}
    latest = (select(func.max(MediaFile.id))
              .join(ValidationResult, ValidationResult.media_file_id == MediaFile.id)
              .where(MediaFile.entry_id.in_(entry_ids), ValidationResult.verdict == "pass")
              .group_by(MediaFile.entry_id))
    files = db_session.scalars(select(MediaFile).where(MediaFile.id.in_(latest))).all()
    return {media.entry_id: media for media in files}


def _media_root() -> Path:
    return Path(current_settings()["MEDIA_ROOT"]).resolve()


def _poster_path(media_file_id: int) -> Path:
    return _media_root() / "posters" / f"{media_file_id}.jpg"


def _preview_path(media_file_id: int) -> Path:
    return _media_root() / "previews" / f"{media_file_id}.mp4"


def poster_url(media: MediaFile | None) -> str | None:
    if media is None or not _poster_path(media.id).is_file():
        return None
    return url_for("h5.poster", media_file_id=media.id)


def video_of(media: MediaFile | None) -> dict | None:
    if media is None:
        return None
    if _preview_path(media.id).is_file():
        content_type = "video/mp4"
    else:
        content_type = media.content_type or mimetypes.guess_type(media.path)[0] or "video/mp4"
    return {"url": url_for("h5.media", media_file_id=media.id), "type": content_type,
            "playable": content_type in BROWSER_VIDEO_TYPES, "poster": poster_url(media)}


# -- media --------------------------------------------------------------------------------------

def _votable_media(media_file_id: str) -> MediaFile:
    if not media_file_id.isascii() or not media_file_id.isdigit() or len(media_file_id) > 12:
        abort(404)
    services = current_services()
    with session_scope(services.db) as db_session:
        media = db_session.get(MediaFile, int(media_file_id))
        if media is None:
            abort(404)
        entry = db_session.get(Entry, media.entry_id)
        if entry is None or entry.contest_id != services.contest.id \
                or entry.state not in votes.VOTABLE_STATES:
            abort(404)
        playable = playable_files(db_session, [entry.id]).get(entry.id)
        if playable is None or playable.id != media.id:
            abort(404)
        return media


def _inside_media_root(relative: str) -> Path:
    root = _media_root()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        abort(404)
    return path


@h5.get("/media/<media_file_id>")
def media(media_file_id: str):
    """The entry's video, with HTTP Range (206) so phones can seek and stream."""
    media_file = _votable_media(media_file_id)
    preview = _preview_path(media_file.id)
    if preview.is_file():
        return send_file(preview, mimetype="video/mp4", conditional=True, max_age=3600)
    path = _inside_media_root(media_file.path)
    mimetype = media_file.content_type or mimetypes.guess_type(path.name)[0] or \
        "application/octet-stream"
    return send_file(path, mimetype=mimetype, conditional=True, max_age=3600)


@h5.get("/posters/<media_file_id>.jpg")
def poster(media_file_id: str):
    """The poster image of a votable entry's video."""
    media_file = _votable_media(media_file_id)
    path = _poster_path(media_file.id)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="image/jpeg", conditional=True, max_age=3600)
