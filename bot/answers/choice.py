"""Short replies: yes/no, a choice by number or by text, and small Chinese numerals."""
import re

from bot.answers.base import bare_word, normalise

YES_WORDS = frozenset({
    "是", "是的", "对", "对的", "没错", "正确", "有", "有的", "好", "好的", "可以", "行", "嗯", "同意",
    "确认", "确定", "符合", "y", "yes", "ok", "true", "1", "✓", "✔", "√", "☑", "✅", "👌", "👍"})
NO_WORDS = frozenset({
    "否", "不是", "不是的", "不对", "不", "没有", "没", "无", "不行", "不可以", "不同意", "不符合",
    "错", "不正确", "n", "no", "false", "2", "×", "✗", "✘", "❌"})

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100}
MAX_NUMERAL_LENGTH = 18  # longer digit strings are not numbers a person means (nor safe for int())
CN_NUMERAL = "[零〇一二两三四五六七八九十百]+"
_SEPARATORS = r"[\s,，。.!！、;；:：]"
_NUMBERED = re.compile(r"(?:第|选|选择|选项)?\s*(\d+|" + CN_NUMERAL + r")\s*(?:个|项|号|条)?"
                       r"(?:[.、)\]:：]\s*|\s+)?(.*)", re.S)


def cn_int(text: str) -> int | None:
    """一 → 1, 十一 → 11, 二十 → 20, 一百零五 → 105, 二〇二三 → 2023; None when not a numeral."""
    if not text or len(text) > MAX_NUMERAL_LENGTH or any(char not in _CN_DIGITS and char not in _CN_UNITS for char in text):
        return None
    if not any(char in _CN_UNITS for char in text):
        return int("".join(str(_CN_DIGITS[char]) for char in text))
    total, current = 0, 0
    for char in text:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        else:
            total += (current or 1) * _CN_UNITS[char]
            current = 0
    return total + current


def to_int(text: str) -> int | None:
    """An integer written in digits (any width) or in Chinese numerals; None otherwise."""
    text = normalise(text)
    if len(text) > MAX_NUMERAL_LENGTH:
        return None
    return int(text) if text.isascii() and text.isdigit() else cn_int(text)


def parse_yes_no(text: str) -> bool | None:
    """True for 是/对/有/y/yes/1/✓…, False for 否/不是/没有/n/no/2/×…, None when neither."""
    word = bare_word(text)
    for candidate in (word, re.split(_SEPARATORS, word, maxsplit=1)[0]):
        if candidate in YES_WORDS:
            return True
        if candidate in NO_WORDS:
            return False
    return None


def _by_number(word: str, choices: list[str]) -> list[int]:
    match = _NUMBERED.fullmatch(word)
    if not match:
        return []
    number = to_int(match.group(1))
    rest = match.group(2).strip()
    if number is None or not 1 <= number <= len(choices):
        return []
    if rest and normalise(choices[number - 1]).casefold() != rest:
        return []
    return [number - 1]


def match_choices(text: str, choices: list[str]) -> list[int]:
    """Indexes the reply may mean: an exact text, a number, else every prefix/substring match."""
    word = bare_word(text)
    if not word:
        return []
    folded = [normalise(choice).casefold() for choice in choices]
    if word in folded:
        return [folded.index(word)]
    by_number = _by_number(word, choices)
    if by_number:
        return by_number
    prefixed = [index for index, choice in enumerate(folded) if choice.startswith(word)]
    if prefixed or len(word) < 2:
        return prefixed
    return [index for index, choice in enumerate(folded) if word in choice]


def parse_choice(text: str, choices: list[str]) -> int | None:
    """Index into choices by number (1, １, 第1个, 一) or exact/unique-prefix text; else None."""
    matches = match_choices(text, choices)
    return matches[0] if len(matches) == 1 else None
