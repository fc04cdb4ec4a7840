"""Runs one turn of chat: finds the route for a message in the state tables, moves the session.

The engine is given the user's session and returns what becomes of it (TurnResult.change); the
caller stores it, on the webhook in the same Redis round trip as the reply.
"""
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.chat.conversation import (
    CONFIRM_CANCEL,
    END,
    STAY,
    Conversation,
    Route,
    Step,
    Turn,
    anything,
    first_match,
)
from bot.chat.sessions import ConversationSession, SessionChange


class UndeclaredTransition(RuntimeError):
    """A callback led to a state its route does not declare: the table would not tell the truth."""


@dataclass(frozen=True)
class ChatRoutes:
    """Everything the bot understands, as tables: the one routing table of messages and events.

    `always` works in every state of every conversation (取消, 帮助); `commands` work outside a
    conversation; `default` answers what nothing else matched. `confirm_cancel` answers the
    engine's own "discard the draft?" question. `events` answer WeChat's events (follow,
    unfollow...), outside any conversation; a menu click whose key is in `menu_words` is the
    chat word it stands for, wherever the user is.
    """

    conversations: list[Conversation]
    commands: list[Route]
    always: list[Route]
    default: Route
    events: list[Route] = field(default_factory=list)
    menu_words: dict[str, str] = field(default_factory=dict)
    confirm_cancel: Route | None = None
    expired_note: str = "session_expired"
    resumed_note: str = "conversation_resumed"
    in_conversation_default: Route | None = None
    by_name: dict[str, Conversation] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {c.name: c for c in self.conversations})


@dataclass
class TurnResult:
    """The templates to render, in order, for one inbound message."""

    replies: list[tuple[str, dict]]  # [(template, context), ...]
    change: SessionChange | None = None  # what becomes of the session (None: left alone)


class ChatEngine:
    """Applies ChatRoutes to a user's message in their session."""

    def __init__(self, routes: ChatRoutes, resume_after_s: float = 1800):
        self.routes = routes
        self.resume_after_s = resume_after_s

    def handle(self, turn: Turn, session: ConversationSession) -> TurnResult:
        """Run the matching callback and return what to say and where the session goes."""
        if turn.msg_type == "event":
            word = self.routes.menu_words.get(turn.message.key or "") \
                if turn.event == "click" else None
            if word is None:
                return self._answer_event(turn)
            turn.msg_type, turn.text = "text", word  # a menu click is the chat word it stands for
        turn.data, turn.state = session.data, session.state
        notes: list[tuple[str, dict]] = []
        conversation = (self.routes.by_name.get(session.conversation)
                        if session.conversation is not None else None)
        route: Route | None
        if conversation is not None:
            turn.conversation = conversation
            route = self._route_in_conversation(conversation, turn, session)
        else:
            if session.active:  # a conversation that no longer exists (after a deploy)
                session = ConversationSession(expired=True)
            conversation, route = self._route_outside(turn)
            if session.expired:
                notes.append((self.routes.expired_note, {}))
        assert route is not None  # none matched: the tables have no in_conversation_default
        step = route.callback(turn)
        assert step is not None  # only an event's callback may leave a message unanswered
        if not route.allows(step.state):
            raise UndeclaredTransition(f"{route.callback.__name__} led to {step.state}, "
                                       f"not one of {route.to}")
        return TurnResult(notes + list(step.before) + [(step.template, step.context)],
                          self._advance(turn, session, conversation, step))

    def _answer_event(self, turn: Turn) -> TurnResult:
        """An event: its route's answer, if any; sessions are left alone (an unfollow's
        callback clears its own)."""
        route = first_match(self.routes.events, turn)
        step = route.callback(turn) if route else None
        return TurnResult([] if step is None else list(step.before)
                          + [(step.template, step.context)])

    def _route_in_conversation(self, conversation: Conversation, turn: Turn,
                               session: ConversationSession) -> Route | None:
        always = first_match(self.routes.always, turn)
        if always:
            return always
        if turn.state == CONFIRM_CANCEL and self.routes.confirm_cancel:
            return self.routes.confirm_cancel
        reprompt = conversation.reprompt
        if reprompt and (self._away_long(session)
                         or first_match(conversation.entry_points, turn)):
            return Route(anything(), lambda t: self._resume(reprompt, t))
        in_state = conversation.states.get(turn.state, []) if turn.state is not None else []
        routes = in_state + conversation.fallbacks
        if self.routes.in_conversation_default:
            routes = routes + [self.routes.in_conversation_default]
        return first_match(routes, turn)

    def _away_long(self, session: ConversationSession) -> bool:
        return bool(session.updated_at) and time.time() - session.updated_at >= self.resume_after_s

    def _resume(self, reprompt: Callable[[Turn], Step], turn: Turn) -> Step:
        step = reprompt(turn)
        return Step(STAY, step.template, step.context,
                    before=((self.routes.resumed_note, {}),) + tuple(step.before))

    def _route_outside(self, turn: Turn) -> tuple[Conversation | None, Route]:
        for conversation in self.routes.conversations:
            route = first_match(conversation.entry_points, turn)
            if route:
                turn.data, turn.state, turn.conversation = {}, None, conversation
                return conversation, route
        route = first_match(self.routes.commands, turn)
        return None, route or self.routes.default

    @staticmethod
    def _advance(turn: Turn, session: ConversationSession, conversation: Conversation | None,
                 step: Step) -> SessionChange | None:
        if step.state == END or conversation is None:
            return SessionChange() if session.active or session.expired else None
        state = turn.state if step.state == STAY else step.state
        if state is None:
            return None
        return SessionChange(ConversationSession(conversation.name, state, turn.data))
