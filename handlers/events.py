"""Events from WeChat: follow, unfollow, a click on a menu key we do not know, the rest."""
import logging

from bot.chat.conversation import END, Route, Step, anything, events
from bot.db import session_scope
from bot.entrants import record_follow, record_unfollow
from handlers.phase_guide import stage_of

log = logging.getLogger(__name__)


def on_subscribe(turn) -> Step:
    """A new follower (or a returning one): record the follow and welcome them."""
    record_follow_event(turn, followed=True)
    return Step(END, "welcome", {"stage": stage_of(turn)})


def on_unsubscribe(turn) -> None:
    """An unfollow: record it; WeChat shows the user nothing, so there is no reply."""
    record_follow_event(turn, followed=False)
    turn.services.sessions.clear(turn.openid)
    return None


def on_silent_event(turn) -> None:
    """Events that need no answer (menu links, location reports, template receipts...)."""
    return None


def record_follow_event(turn, followed: bool) -> None:
    """Store the follow state and time of the user in the database."""
    at = turn.message.create_time
    with session_scope(turn.services.db) as session:
        (record_follow if followed else record_unfollow)(session, turn.openid, at)


def on_unknown_click(turn) -> Step:
    """A click on a menu key we do not know (an old menu): point to help."""
    log.warning("menu click with unknown key")
    return Step(END, "unknown_text", {})


EVENT_ROUTES = [
    Route(events("subscribe", "subscribe_scan"), on_subscribe),
    Route(events("unsubscribe"), on_unsubscribe),
    Route(events("click"), on_unknown_click),  # known keys are chat words (handlers.menu)
    Route(anything(), on_silent_event),
]
