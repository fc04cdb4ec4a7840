"""Answers that work everywhere: help, cancel, rules, and what the bot does not understand."""
from bot.answers import parse_yes_no
from bot.chat.conversation import CONFIRM_CANCEL, END, STAY, Step, normalize_text
from handlers.phase_guide import stage_of

CONFIRM_WORDS = {"确认", "确定", "放弃", "确认取消", "确定取消"}


def show_help(turn) -> Step:
    """帮助 outside a conversation: the chat words and what each does."""
    return Step(END, "help", {"is_admin": turn.openid in turn.services.admin_openids,
                              "stage": stage_of(turn)})


def show_help_in_conversation(turn) -> Step:
    """帮助 inside a conversation: how to go on or leave, then the pending question again."""
    conversation = turn.conversation
    if conversation is None or conversation.reprompt is None or turn.state == CONFIRM_CANCEL:
        return Step(STAY, "help_in_conversation", {})
    step = conversation.reprompt(turn)
    return Step(STAY, step.template, step.context,
                before=(("help_in_conversation", {}),) + tuple(step.before))


def aside(command):
    """A chat word typed inside a conversation: answer it, then ask the pending question again."""
    def answer_then_ask_again(turn) -> Step:
        answer = command(turn)
        said = tuple(answer.before) + ((answer.template, answer.context),)
        return then_pending_question(turn, said)
    return answer_then_ask_again


def then_pending_question(turn, said: tuple) -> Step:
    """Stay in the conversation: what was said, then the question still waiting for an answer."""
    if turn.state == CONFIRM_CANCEL:
        return Step(STAY, "confirm_cancel", {}, before=said)
    conversation = turn.conversation
    if conversation is None or conversation.reprompt is None:
        return Step(STAY, said[-1][0], said[-1][1], before=said[:-1])
    step = conversation.reprompt(turn)  # brief: a passive reply holds only 2048 bytes
    return Step(STAY, step.template, {**step.context, "brief": True},
                before=said + (("pending_question", {}),) + tuple(step.before))


def cancel(turn) -> Step:
    """取消 inside a conversation: drop it, after asking first where a draft would be lost."""
    conversation = turn.conversation
    if conversation is not None and conversation.on_cancel is not None:
        return conversation.on_cancel(turn)
    if conversation is not None and conversation.confirm_cancel and turn.state != CONFIRM_CANCEL:
        turn.data["_cancel_from"] = turn.state
        return Step(CONFIRM_CANCEL, "confirm_cancel", {})
    return Step(END, "cancelled", {})


def answer_cancel_confirmation(turn) -> Step:
    """The answer to "discard the draft?": yes discards it, anything else goes back to it."""
    if normalize_text(turn.text) in CONFIRM_WORDS or parse_yes_no(turn.text) is True:
        return Step(END, "cancelled", {})
    turn.state = turn.data.pop("_cancel_from", None)
    step = turn.conversation.reprompt(turn)
    return Step(turn.state, step.template, step.context,
                before=(("cancel_declined", {}),) + tuple(step.before))


def nothing_to_cancel(turn) -> Step:
    """取消 outside a conversation."""
    return Step(END, "nothing_to_cancel", {})


def show_rules(turn) -> Step:
    """规则: the contest's phases with their dates and the video rules."""
    return Step(END, "rules", {"current_phase": turn.services.contest.phase_at(turn.services.now())})


def unknown_text(turn) -> Step:
    """Text that is no chat word: say which words work."""
    return Step(END, "unknown_text", {})


def unsupported_message(turn) -> Step:
    """Images, voice, links, locations... outside a step that asks for them."""
    return Step(END, "unsupported_type", {"msg_type": turn.msg_type})


def unexpected_in_conversation(turn) -> Step:
    """A message the current step cannot take: ask again, keep the conversation."""
    return Step(STAY, "unexpected_in_conversation", {"msg_type": turn.msg_type})
