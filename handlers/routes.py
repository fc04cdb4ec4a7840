"""Where every message and event goes: the one routing table of the bot's conversations,
commands, chat words inside conversations, events and menu clicks (wsgi.py hands it to bot/)."""
from bot.chat.conversation import Route, any_text, anything, words
from bot.chat.engine import ChatRoutes
from handlers import common
from handlers.admin import ADMIN_COMMANDS, BROADCAST
from handlers.events import EVENT_ROUTES
from handlers.menu import MENU_WORDS
from handlers.my_entries import show_my_entries
from handlers.quiz import QUIZ, QUIZ_COMMANDS, QUIZ_WORDS_ELSEWHERE
from handlers.registration import REGISTRATION
from handlers.results import RESULT_COMMANDS
from handlers.submission import SUBMISSION
from handlers.upload import UPLOAD_COMMANDS
from handlers.voting import VOTE_WITH_CODE, VOTE_WITH_READABLE_CODE, VOTING_WORDS

CANCEL_WORDS = words("取消", "退出")
HELP_WORDS = words("帮助", "help", "?", "？")

# The contract's chat words (DESIGN.md contract 4) that answer a question of their own.
INFORMATION = [
    Route(words("规则", "大赛规则", "说明"), common.show_rules),
    Route(words("我的作品", "我的报名", "作品状态"), show_my_entries),
    *UPLOAD_COMMANDS,
    *QUIZ_COMMANDS,  # before the voting words: 排名 is the quiz's ranking where there is one
    *VOTING_WORDS,
    *RESULT_COMMANDS,
]

# Inside a conversation every chat word is answered, never stored as an answer, and the
# pending question follows in the same reply (报名 itself resumes the draft: bot.chat.engine).
ALWAYS = [
    Route(CANCEL_WORDS, common.cancel),
    Route(HELP_WORDS, common.show_help_in_conversation),
    QUIZ_WORDS_ELSEWHERE,
    *[Route(route.matches, common.aside(route.callback))
      for route in INFORMATION + [VOTE_WITH_READABLE_CODE]],
]

COMMANDS = [
    Route(CANCEL_WORDS, common.nothing_to_cancel),
    Route(HELP_WORDS, common.show_help),
    *INFORMATION,
    VOTE_WITH_CODE,
    *ADMIN_COMMANDS,
]
CONVERSATIONS = [REGISTRATION, SUBMISSION, BROADCAST, QUIZ]


def build_routes(conversations: list | None = None, commands: list | None = None) -> ChatRoutes:
    """The routing tables; tests may add conversations or commands of their own."""
    return ChatRoutes(
        conversations=list(conversations or []) + CONVERSATIONS,
        commands=list(commands or []) + COMMANDS,
        always=ALWAYS,
        default=Route(anything(), _default),
        events=EVENT_ROUTES,
        menu_words=MENU_WORDS,
        confirm_cancel=Route(anything(), common.answer_cancel_confirmation),
        in_conversation_default=Route(anything(), common.unexpected_in_conversation),
    )


def _default(turn):
    if any_text()(turn):
        return common.unknown_text(turn)
    return common.unsupported_message(turn)
