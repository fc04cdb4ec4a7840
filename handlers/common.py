"""Answers that work everywhere: help, cancel, rules, and what the bot does not understand."""
from bot.conversation import END, STAY, Step


def show_help(turn) -> Step:
    """帮助 outside a conversation: the chat words and what each does."""
    return Step(END, "help", {"is_admin": turn.openid in turn.app.admin_openids})


def show_help_in_conversation(turn) -> Step:
    """帮助 inside a conversation: how to go on or leave; the conversation stays where it was."""
    return Step(STAY, "help_in_conversation", {"conversation": turn.state})


def cancel(turn) -> Step:
    """取消 inside a conversation: drop it; nothing half-answered is kept."""
    return Step(END, "cancelled", {})


def nothing_to_cancel(turn) -> Step:
    """取消 outside a conversation."""
    return Step(END, "nothing_to_cancel", {})


def show_rules(turn) -> Step:
    """规则: the contest's phases with their dates and the video rules."""
    return Step(END, "rules", {"current_phase": turn.app.contest.phase_at(turn.app.now())})


def unknown_text(turn) -> Step:
    """Text that is no chat word: say which words work."""
    return Step(END, "unknown_text", {})


def unsupported_message(turn) -> Step:
    """Images, voice, links, locations... outside a step that asks for them."""
    return Step(END, "unsupported_type", {"msg_type": turn.msg_type})


def unexpected_in_conversation(turn) -> Step:
    """A message the current step cannot take: ask again, keep the conversation."""
    return Step(STAY, "unexpected_in_conversation", {"msg_type": turn.msg_type})
