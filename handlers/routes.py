"""Where every message goes: the bot's conversations, commands and fallbacks as tables."""
from bot.conversation import Route, any_text, anything, words
from bot.engine import ChatRoutes
from handlers import common
from handlers.my_entries import show_my_entries
from handlers.registration import REGISTRATION
from handlers.submission import SUBMISSION
from handlers.admin import ADMIN_COMMANDS, BROADCAST, RESULT_COMMANDS
from handlers.upload import UPLOAD_COMMANDS
from handlers.voting import VOTING_COMMANDS

ALWAYS = [
    Route(words("取消", "退出"), common.cancel),
    Route(words("帮助", "help", "?", "？"), common.show_help_in_conversation),
]

COMMANDS = [
    Route(words("取消", "退出"), common.nothing_to_cancel),
    Route(words("帮助", "help", "?", "？"), common.show_help),
    Route(words("规则", "大赛规则", "说明"), common.show_rules),
    Route(words("我的作品", "我的报名", "作品状态"), show_my_entries),
    *UPLOAD_COMMANDS,
    *VOTING_COMMANDS,
    *ADMIN_COMMANDS,
    *RESULT_COMMANDS,
]
CONVERSATIONS = [REGISTRATION, SUBMISSION, BROADCAST]


def build_routes(conversations: list | None = None, commands: list | None = None) -> ChatRoutes:
    """The routing tables; tests may add conversations or commands of their own."""
    return ChatRoutes(
        conversations=list(conversations or []) + CONVERSATIONS,
        commands=list(commands or []) + COMMANDS,
        always=ALWAYS,
        default=Route(anything(), _default),
        confirm_cancel=Route(anything(), common.answer_cancel_confirmation),
        in_conversation_default=Route(anything(), common.unexpected_in_conversation),
    )


def _default(turn):
    if any_text()(turn):
        return common.unknown_text(turn)
    return common.unsupported_message(turn)
