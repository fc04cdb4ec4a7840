"""Reading an answer typed on a phone: letters in any order, with or without separators,
full-width letters, lower case; 对/错/√/× (and the like) for 判断. Anything else is no answer.

Letters are the ones the person saw (the attempt's option order); they are turned back into
the bank's own letters before they are compared or stored.
"""
import re
import unicodedata
from collections.abc import Sequence

from bot.models.quiz import QuestionKind

LETTERS = "ABCDEF"
TRUE_WORDS = {"对", "√", "✓", "✔", "正确", "是", "T", "TRUE", "Y", "YES", "O"}
FALSE_WORDS = {"错", "×", "✗", "✘", "X", "错误", "不对", "否", "F", "FALSE", "N", "NO"}
_SEPARATORS = re.compile(r"[\s,，、;；/.。+&和]")


def read_answer(text: str, kind: str, option_count: int) -> str | None:
    """The letters (as shown) or 对/错 the text stands for, or None when it is no answer."""
    word = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or "")).upper()
    for ending in ("选项", "项"):
        word = word.removesuffix(ending)
    word = word.removeprefix("选").removeprefix("答案")
    if kind == QuestionKind.JUDGE:
        if word in TRUE_WORDS:
            return "对"
        if word in FALSE_WORDS:
            return "错"
        return None
    shown = LETTERS[:option_count]
    if not word or any(letter not in shown for letter in word):
        return None
    letters = "".join(sorted(set(word)))
    if kind == QuestionKind.SINGLE and len(letters) != 1:
        return None
    return letters


def to_bank_letters(shown: str, order: list[int]) -> str:
    """Letters as the person saw them -> the bank's letters (judge answers pass through)."""
    if shown in ("对", "错"):
        return shown
    return "".join(sorted(LETTERS[order[LETTERS.index(letter)]] for letter in shown))


def to_shown_letters(bank: str, order: list[int]) -> str:
    """The bank's letters -> the letters this attempt showed them as."""
    if bank in ("对", "错"):
        return bank
    return "".join(sorted(LETTERS[order.index(LETTERS.index(letter))] for letter in bank))


def shown_options(options: Sequence[str], order: list[int]) -> list[tuple[str, str]]:
    """(letter, text) of each option in the attempt's order."""
    return [(LETTERS[index], options[original]) for index, original in enumerate(order)]
