"""我的作品: every entry of this user in this contest, where it stands and what to do next."""
from bot.chat.conversation import END, Step
from bot.db import session_scope
from bot.entries import entries_of
from bot.voting.rules import VOTABLE_STATES
from handlers.phase_guide import stage_of

STATE_LABELS = {
    "draft": "草稿，尚未确认",
    "awaiting_video": "待提交视频",
    "validating": "视频检查中，请稍候",
    "video_refused": "视频未通过格式检查，请按提示重新发送",
    "valid": "视频已通过格式检查，等待初审",
    "approved": "已通过初审",
    "rejected": "未通过初审",
    "finalist": "已入围",
    "withdrawn": "已撤回",
}


def show_my_entries(turn) -> Step:
    """我的作品: the user's entries with code, title and state."""
    with session_scope(turn.services.db) as session:
        entries = entries_of(session, turn.services.contest.id, turn.openid)
        rows = [{"code": e.code, "title": e.title, "state": e.state} for e in entries]
    waiting = any(row["state"] in ("awaiting_video", "video_refused") for row in rows)
    return Step(END, "my_entries", {"entries": rows, "states": STATE_LABELS, "waiting": waiting,
                                    "stage": stage_of(turn), "votable": VOTABLE_STATES})
