"""上传 / 上传 101: the entrant's personal upload link(s) for the original video file.

Each entry of this user that still accepts a video gets a signed link valid for 48 h
(bot.h5.upload_links); after the collection deadline, or with no such entry, the answer says why.
"""
import re
from typing import Any, cast

from bot.chat.conversation import END, Route, Step, normalize_text, words
from bot.entries import STATE_LABELS, TAKES_VIDEO, entries_of
from bot.h5.upload_links import LINK_MAX_AGE, upload_link

UPLOAD_WORDS = ("上传", "上传视频", "上传原片", "上传作品")
_WITH_CODE = re.compile(r"^上传\s*(?:作品|视频)?\s*#?\s*(\d{1,8})$")


def upload_with_code(turn) -> bool:
    """Matches `上传 101` (also 上传101, 上传 #101, 上传作品 101)."""
    return turn.msg_type == "text" and bool(_WITH_CODE.match(normalize_text(turn.text)))


def show_upload_links(turn) -> Step:
    """上传: a link for every entry of this user that still accepts a video."""
    return _answer(turn, code=None)


def show_upload_link_for_code(turn) -> Step:
    """上传 101: the link for that entry only."""
    match = cast(re.Match[str], _WITH_CODE.match(normalize_text(turn.text)))  # upload_with_code
    return _answer(turn, code=match.group(1))


def _answer(turn, code: str | None) -> Step:
    contest = turn.services.contest
    collection = contest.phase("collection")
    now = turn.services.now()
    context = {"collection": collection, "code": code, "links": [], "entries": [],
               "hours": int(LINK_MAX_AGE.total_seconds() // 3600), "states": STATE_LABELS}
    if collection is None:
        return Step(END, "upload_link", {**context, "reason": "no_collection"})
    with turn.services.db_engine.connect() as connection:
        entries: list[dict[str, Any]] = [
            {"id": e.id, "code": e.code, "title": e.title, "state": e.state}
            for e in entries_of(connection, contest.id, turn.openid)]
    context["entries"] = entries
    if not entries:
        return Step(END, "upload_link", {**context, "reason": "no_entries"})
    if now > collection.end:
        return Step(END, "upload_link", {**context, "reason": "closed"})
    if code is not None:
        entries = [entry for entry in entries if entry["code"] == code]
        if not entries:
            return Step(END, "upload_link", {**context, "reason": "unknown_code"})
    open_entries = [entry for entry in entries if entry["state"] in TAKES_VIDEO]
    if not open_entries:
        return Step(END, "upload_link", {**context, "reason": "none_open",
                                          "entries": entries})
    links = [{**entry, "url": upload_link(turn.services.settings, contest.id, entry["id"],
                                          turn.openid, now)} for entry in open_entries]
    return Step(END, "upload_link", {**context, "reason": None, "links": links})


UPLOAD_COMMANDS: list[Route] = [
    Route(words(*UPLOAD_WORDS), show_upload_links),
    Route(upload_with_code, show_upload_link_for_code),
]
