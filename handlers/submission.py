"""A video sent in chat: which entry it is for, acknowledged at once, checked in the background.

One entry awaiting a video takes it directly; with several, the entrant picks by code. Before
the deadline a new video replaces the old one; after it, the video is refused with the date.
"""
from sqlalchemy import select

from bot import audit
from bot.chat.conversation import END, STAY, Conversation, Route, Step, any_text, msg_types
from bot.db import session_scope
from bot.entries import TAKES_VIDEO, entries_of
from bot.models import Entry, EntryState
from bot.video.intake import queue_chat_video

CHOOSE_ENTRY = "CHOOSE_ENTRY"
VIDEO_TYPES = ("video", "shortvideo")


def receive_video(turn) -> Step:
    """A video message: route it to the entry it is for, or explain why it cannot be taken."""
    collection = turn.services.contest.phase("collection")
    if collection is None:
        return Step(END, "unsupported_type", {"msg_type": turn.msg_type})
    entries = _open_entries(turn)
    if not entries:
        return Step(END, "video_without_entry", {"any_entries": bool(_all_entries(turn))})
    if turn.services.now() > collection.end:
        return Step(END, "video_after_deadline", {"collection": collection})
    if len(entries) == 1:
        return _accept(turn, entries[0]["id"], turn.message.media_id, turn.message.id)
    turn.data.update(media_id=turn.message.media_id, msg_id=str(turn.message.id))
    return Step(CHOOSE_ENTRY, "video_which_entry", {"entries": entries})


def receive_entry_code(turn) -> Step:
    """The code of the entry the video just sent is for."""
    entries = _open_entries(turn)
    code = turn.text.strip().lstrip("#")
    chosen = next((e for e in entries if e["code"] == code), None)
    if chosen is None:
        return Step(STAY, "video_which_entry", {"entries": entries, "retry": True})
    if turn.services.now() > turn.services.contest.phase("collection").end:
        return Step(END, "video_after_deadline",
                    {"collection": turn.services.contest.phase("collection")})
    return _accept(turn, chosen["id"], turn.data["media_id"], turn.data["msg_id"])


def reprompt(turn) -> Step:
    """Ask again which entry the pending video is for."""
    return Step(STAY, "video_which_entry", {"entries": _open_entries(turn)})


def _all_entries(turn) -> list:
    with turn.services.db_engine.connect() as connection:
        return [{"id": e.id, "code": e.code, "title": e.title, "state": e.state}
                for e in entries_of(connection, turn.services.contest.id, turn.openid)]


def _open_entries(turn) -> list:
    return [entry for entry in _all_entries(turn) if entry["state"] in TAKES_VIDEO]


def _accept(turn, entry_id: int, media_id: str, msg_id) -> Step:
    with session_scope(turn.services.db) as session:
        entry = session.scalars(select(Entry).where(Entry.id == entry_id).with_for_update()).one()
        replacing = entry.current_media_file_id is not None
        audit.record(session, audit.wechat_actor(turn.openid), "entry.video_received", "entry",
                     entry.id, turn.services.now(), previous=entry.state, replacing=replacing,
                     source="chat")
        entry.state = EntryState.VALIDATING.value
        summary = {"code": entry.code, "title": entry.title}
    queue_chat_video(turn.services, entry_id, media_id, msg_id)
    return Step(END, "video_received", {"entry": summary, "replacing": replacing})


SUBMISSION = Conversation(
    name="submission",
    entry_points=[Route(msg_types(*VIDEO_TYPES), receive_video, to=(CHOOSE_ENTRY,))],
    states={CHOOSE_ENTRY: [Route(any_text(), receive_entry_code, to=(CHOOSE_ENTRY,))]},
    reprompt=reprompt,
)
