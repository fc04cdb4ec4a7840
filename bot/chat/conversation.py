"""Conversations declared as state tables, in the manner of python-telegram-bot's
ConversationHandler.

A conversation has entry points, states and fallbacks; each is a list of
`Route(matcher, callback, to=...)`, `to` naming every state the callback may lead to (STAY and
END always allowed; the engine refuses any other). A callback receives a `Turn` and returns a
`Step`: the next state (or END) and the template to reply with and its context. Callbacks never
build strings and never touch HTTP.
"""
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

END = "END"
STAY = "STAY"  # keep the current state (for "ask again")
CONFIRM_CANCEL = "CONFIRM_CANCEL"  # engine-owned state: "really discard the draft?"

if TYPE_CHECKING:  # bot.services builds the chat engine over these tables
    from bot.services import Services


@dataclass(frozen=True)
class Step:
    """What a callback decided: the next state, and which template answers the user."""

    state: str | None
    template: str
    context: dict = field(default_factory=dict)
    # (template, context) pairs said before this one, in the same reply
    before: tuple[tuple[str, dict], ...] = ()


@dataclass
class Turn:
    """One inbound message as a callback sees it."""

    openid: str
    msg_type: str  # 'text', 'video', 'event'; a menu click arrives as the chat word it stands for
    text: str  # what the user typed, trimmed (not normalised: answers keep their punctuation)
    message: Any  # the wechatpy message
    data: dict
    services: "Services"  # contest, clock, database, redis, queue, settings
    state: str | None = None
    conversation: Any = None  # the Conversation the user is in, if any
    event: str = ""  # the event, lowercased ('subscribe', 'click', ...), for msg_type 'event'


Callback = Callable[[Turn], Step | None]
Matcher = Callable[[Turn], bool]


@dataclass(frozen=True)
class Route:
    """A callback, the messages it receives, and the states it may lead to (in a conversation)."""

    matches: Matcher
    callback: Callback
    to: tuple[str, ...] = ()

    def allows(self, state: str | None) -> bool:
        """True when a Step to `state` is one this route declares (STAY and END always are)."""
        return not self.to or state in (STAY, END) or state in self.to


@dataclass(frozen=True)
class Conversation:
    """A conversation's state table."""

    name: str
    entry_points: list[Route]
    states: dict[str, list[Route]]
    fallbacks: list[Route] = field(default_factory=list)
    reprompt: Callable[[Turn], Step] | None = None  # asks the current state's question again
    confirm_cancel: bool = False  # 取消 asks before discarding what was answered
    on_cancel: Callable[[Turn], Step] | None = None  # what 取消 does instead (it ends it)


def normalize_text(text: str) -> str:
    """Full-width to half-width, trimmed: what a user typed on a phone keyboard, comparable."""
    return unicodedata.normalize("NFKC", text or "").strip()


def words(*accepted: str) -> Matcher:
    """Matches a text message that is exactly one of the words."""
    accepted_set = {normalize_text(word).lower() for word in accepted}
    return lambda turn: (turn.msg_type == "text"
                         and normalize_text(turn.text).lower() in accepted_set)


def prefix(word: str) -> Matcher:
    """Matches a text message that starts with the word followed by an argument."""
    word = normalize_text(word)
    return lambda turn: (turn.msg_type == "text" and normalize_text(turn.text).startswith(word)
                         and len(normalize_text(turn.text)) > len(word))


def any_text() -> Matcher:
    """Matches any text message."""
    return lambda turn: turn.msg_type == "text"


def msg_types(*types: str) -> Matcher:
    """Matches messages of the given MsgTypes."""
    return lambda turn: turn.msg_type in types


def anything() -> Matcher:
    """Matches every message."""
    return lambda turn: True


def events(*names: str) -> Matcher:
    """Matches the events of these names (lowercase: 'subscribe', 'click', ...)."""
    accepted = set(names)
    return lambda turn: turn.msg_type == "event" and turn.event in accepted


def first_match(routes: list[Route], turn: Turn) -> Route | None:
    """The first route whose matcher accepts the turn."""
    for route in routes:
        if route.matches(turn):
            return route
    return None
