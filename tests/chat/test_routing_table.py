"""The one routing table (handlers.routes): every conversation declares where each callback may
lead, the engine refuses a callback that goes elsewhere, and events and menu clicks are routed
by the same table as chat words."""
from jinja2 import ChoiceLoader, FileSystemLoader

from bot.chat.conversation import END, STAY, Conversation, Route, Step, any_text, words
from handlers.routes import build_routes
from tests.chat.test_dispatch import TEST_TEMPLATES


def _conversation_routes(conversation: Conversation):
    yield from conversation.entry_points
    for routes in conversation.states.values():
        yield from routes


def test_every_conversation_route_declares_states_of_its_own_conversation():
    for conversation in build_routes().conversations:
        states = set(conversation.states)
        for route in _conversation_routes(conversation):
            assert route.to, f"{conversation.name}: {route.callback.__name__} declares nothing"
            assert set(route.to) <= states | {STAY, END}, (conversation.name, route.to)


def test_events_and_menu_words_are_in_the_table():
    routes = build_routes()
    assert routes.events and routes.menu_words["MENU_RULES"] == "规则"


def start_lying(turn):
    return Step("SECOND", "test_first", {})


def first_answer(turn):
    return Step("ELSEWHERE", "test_second", {"name": turn.text})  # not declared below


LYING = Conversation(
    name="lying",
    entry_points=[Route(words("开始撒谎"), start_lying, to=("SECOND",))],
    states={"SECOND": [Route(any_text(), first_answer, to=(END,))]},
)


def test_a_callback_leading_to_an_undeclared_state_is_refused_and_the_state_kept(start_bot,
                                                                                 caplog):
    bot = start_bot(routes=build_routes([LYING]))
    env = bot.services.chat_env
    env.loader = ChoiceLoader([FileSystemLoader(TEST_TEMPLATES), env.loader])
    user = bot.user(openid="oLiar")
    assert user.send_text("开始撒谎").content == "第一问：你叫什么？"
    with caplog.at_level("ERROR"):
        apology = user.send_text("小明").content
    assert "抱歉" in apology and "UndeclaredTransition" in caplog.text
    session = bot.services.sessions.load("oLiar")
    assert (session.conversation, session.state) == ("lying", "SECOND")
