"""Admin chat commands (openids in ADMIN_OPENIDS): 统计, and 广播 <text> -> preview -> 确认.

The broadcast is a small conversation: `广播 [audience word] <text>` makes a draft and shows its
audience size; `确认` confirms it (the fan-out job is queued); 取消 leaves it an unsent draft.
Anyone else typing these words is told they are for admins.
"""
from typing import Any

from sqlalchemy import func, select

from bot import audit
from bot.chat.conversation import (
    END,
    STAY,
    Conversation,
    Route,
    Step,
    anything,
    normalize_text,
    prefix,
    words,
)
from bot.db import session_scope
from bot.delivery.broadcasts import confirm_broadcast, create_broadcast, preview, progress
from bot.models import Broadcast, Delivery, Entrant, Entry, EntryState, Vote

CONFIRM = "CONFIRM_BROADCAST"
BROADCAST_WORD = "广播"
AUDIENCE_WORDS = {"全部": "followers", "关注者": "followers", "报名者": "entrants",
                  "待交视频": "entrants_without_video", "视频未通过": "refused",
                  "投票者": "voters", "入围者": "finalists", "答题者": "quiz_participants"}
ENTRY_COUNTED = (EntryState.AWAITING_VIDEO, EntryState.VIDEO_REFUSED, EntryState.VALID,
                 EntryState.APPROVED, EntryState.FINALIST)


def is_admin(turn) -> bool:
    """True when the sender is one of ADMIN_OPENIDS."""
    return turn.openid in turn.services.admin_openids


def _admin(matcher):
    return lambda turn: is_admin(turn) and matcher(turn)


def _not_admin(matcher):
    return lambda turn: not is_admin(turn) and matcher(turn)


def parse_broadcast(text: str) -> tuple[str, str]:
    """'广播 [audience word] text' -> (audience, text); audience defaults to all followers."""
    rest = text.strip()[len(BROADCAST_WORD):].strip()  # the text as typed: full-width kept
    parts = rest.split(None, 1)
    if len(parts) == 2 and normalize_text(parts[0]) in AUDIENCE_WORDS:
        return AUDIENCE_WORDS[normalize_text(parts[0])], parts[1].strip()
    return "followers", rest


def start_broadcast(turn) -> Step:
    """广播 <text>: a draft and its preview with the audience size."""
    audience, text = parse_broadcast(turn.text)
    if not text:
        return Step(END, "broadcast_usage", {})
    broadcast_id = create_broadcast(turn.services, audience=audience, text=text,
                                    created_by=audit.wechat_actor(turn.openid))
    turn.data["broadcast_id"] = broadcast_id
    return Step(CONFIRM, "broadcast_preview", preview(turn.services, broadcast_id))


def confirm(turn) -> Step:
    """确认: the draft goes out."""
    done = confirm_broadcast(turn.services, turn.data["broadcast_id"],
                             audit.wechat_actor(turn.openid))
    return Step(END, "broadcast_confirmed", {"progress": done})


def ask_again(turn) -> Step:
    """Anything but 确认 or 取消 while a draft waits."""
    return Step(STAY, "broadcast_confirm_prompt", {})


def show_stats(turn) -> Step:
    """统计: followers, entries by state, votes, kept messages, the last broadcast's progress."""
    return Step(END, "admin_stats", {"stats": stats(turn.services)})


def stats(services) -> dict:
    """The figures of 统计."""
    contest_id = services.contest.id
    with session_scope(services.db) as session:
        by_state = dict(session.execute(select(Entry.state, func.count()).where(
            Entry.contest_id == contest_id).group_by(Entry.state)).all())
        figures: dict[str, Any] = {state: by_state.get(state, 0) for state in ENTRY_COUNTED}
        figures.update(
            followers=session.scalar(select(func.count()).where(Entrant.subscribed.is_(True))),
            entries=sum(count for state, count in by_state.items() if state != EntryState.DRAFT),
            votes=session.scalar(select(func.count()).where(Vote.contest_id == contest_id)),
            deferred=session.scalar(select(func.count()).where(Delivery.status == "deferred")))
        last = session.scalar(select(Broadcast.id).where(
            Broadcast.contest_id == contest_id, Broadcast.state != "draft",
            Broadcast.state != "cancelled").order_by(Broadcast.id.desc()).limit(1))
    figures["last_broadcast"] = progress(services, last) if last else None
    return figures


def refuse(turn) -> Step:
    """An admin word from someone who is not an admin."""
    return Step(END, "admin_not_allowed", {})


BROADCAST = Conversation(
    name="broadcast",
    entry_points=[Route(_admin(prefix(BROADCAST_WORD)), start_broadcast, to=(CONFIRM,)),
                  Route(_admin(words(BROADCAST_WORD)), start_broadcast, to=(CONFIRM,))],
    states={CONFIRM: [Route(words("确认", "确定", "发送"), confirm, to=(END,)),
                      Route(anything(), ask_again, to=(CONFIRM,))]},
    reprompt=ask_again,
)

ADMIN_COMMANDS = [
    Route(_admin(words("统计")), show_stats),
    Route(_not_admin(words("统计", BROADCAST_WORD)), refuse),
    Route(_not_admin(prefix(BROADCAST_WORD)), refuse),
]
