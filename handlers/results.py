"""结果: the published award list for everyone, or when the results will come."""
from bot.chat.conversation import END, Route, Step, words
from bot.results.publication import public_results
from handlers.phase_guide import stage_of


def show_results(turn) -> Step:
    """结果: the published awards, or when they will come."""
    lines = public_results(turn.services)
    if lines is None:
        return Step(END, "result_not_published", {"stage": stage_of(turn)})
    return Step(END, "result_public", {"lines": lines})


RESULT_COMMANDS = [Route(words("结果", "获奖名单", "评审结果"), show_results)]
