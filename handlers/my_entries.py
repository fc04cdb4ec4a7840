"""我的作品: every entry of this user in this contest, where it stands and what to do next."""
from bot.chat.conversation import END, Step
from bot.entries import PASSED_SCREENING, STATE_LABELS, WAITING_FOR_VIDEO, entries_of
from handlers.phase_guide import stage_of


def show_my_entries(turn) -> Step:
    """我的作品: the user's entries with code, title and state."""
    with turn.services.db_engine.connect() as connection:  # Core: 我的作品 is a hot read
        entries = entries_of(connection, turn.services.contest.id, turn.openid)
        rows = [{"code": e.code, "title": e.title, "state": e.state} for e in entries]
    waiting = any(row["state"] in WAITING_FOR_VIDEO for row in rows)
    return Step(END, "my_entries", {"entries": rows, "states": STATE_LABELS, "waiting": waiting,
                                    "stage": stage_of(turn), "votable": PASSED_SCREENING})
