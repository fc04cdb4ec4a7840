"""Runs one turn of chat: finds the route for a message in the state tables, keeps the session."""
from dataclasses import dataclass, field

from bot.conversation import END, STAY, Conversation, Route, Step, Turn, first_match
from bot.sessions import ConversationSession, SessionStore


@dataclass(frozen=True)
class ChatRoutes:
    """Everything the bot understands, as tables.

    `always` works in every state of every conversation (取消, 帮助); `commands` work outside a
    conversation; `default` answers what nothing else matched.
    """

    conversations: list
    commands: list
    always: list
    default: Route
    expired_note: str = "session_expired"
    in_conversation_default: Route | None = None
    by_name: dict = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "by_name", {c.name: c for c in self.conversations})


@dataclass
class TurnResult:
    """The templates to render, in order, for one inbound message."""

    replies: list  # [(template, context), ...]


class ChatEngine:
    """Applies ChatRoutes to a user's message, loading and saving their session."""

    def __init__(self, routes: ChatRoutes, store: SessionStore):
        self.routes = routes
        self.store = store

    def handle(self, turn: Turn) -> TurnResult:
        """Run the matching callback and return what to say; the session follows its Step."""
        session = self.store.load(turn.openid)
        turn.data, turn.state = session.data, session.state
        notes = []
        if session.active:
            conversation = self.routes.by_name.get(session.conversation)
            route = self._route_in_conversation(conversation, turn) if conversation else None
            if route is None:
                session = ConversationSession()
                conversation, route = self._route_outside(turn)
        else:
            conversation, route = self._route_outside(turn)
            if session.expired:
                notes.append((self.routes.expired_note, {}))
        step = route.callback(turn)
        self._advance(turn, session, conversation, step)
        return TurnResult(notes + [(step.template, step.context)])

    def _route_in_conversation(self, conversation: Conversation, turn: Turn) -> Route | None:
        routes = (self.routes.always + conversation.states.get(turn.state, [])
                  + conversation.fallbacks)
        if self.routes.in_conversation_default:
            routes = routes + [self.routes.in_conversation_default]
        return first_match(routes, turn)

    def _route_outside(self, turn: Turn):
        for conversation in self.routes.conversations:
            route = first_match(conversation.entry_points, turn)
            if route:
                turn.data, turn.state = {}, None
                return conversation, route
        route = first_match(self.routes.commands, turn)
        return None, route or self.routes.default

    def _advance(self, turn: Turn, session: ConversationSession, conversation, step: Step):
        if step.state == END or conversation is None:
            if session.active or session.expired:
                self.store.clear(turn.openid)
            return
        state = turn.state if step.state == STAY else step.state
        if state is None:
            return
        self.store.save(turn.openid, ConversationSession(conversation.name, state, turn.data))
