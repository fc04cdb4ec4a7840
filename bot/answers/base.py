"""The result of checking one form answer, and the text helpers every answer type shares.

An `Answer` is either accepted (a normalised, JSON-serialisable `value` and a `display` string for
the summary) or refused (a `reason` code and a `context` dict that templates/chat/answer_refused.txt
turns into the Chinese sentence). Contexts hold only JSON-serialisable values.
"""
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

# What an optional field accepts as "leave it empty" (compared after NFKC, trimming, casefolding
# and dropping trailing punctuation). On a required field these words are refused as "required".
SKIP_WORDS = frozenset({"跳过", "无", "没有", "略", "暂无", "不填", "skip"})
NOT_FILLED = "（未填写）"

_TRAILING_PUNCTUATION = "。.!！?？~～,，、;；"
_ZERO_WIDTH_JOINER = "\u200d"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


@dataclass(frozen=True)
class Answer:
    """One checked answer: accepted with a value and display, or refused with a reason."""

    ok: bool
    value: object = None
    display: str = ""
    reason: str = ""
    context: dict = field(default_factory=dict)


def accept(value, display: str) -> Answer:
    """An accepted answer."""
    return Answer(ok=True, value=value, display=display)


def refuse(reason: str, **context) -> Answer:
    """A refused answer with its reason code and the template's context."""
    return Answer(ok=False, reason=reason, context=context)


def skipped() -> Answer:
    """An optional field left empty."""
    return Answer(ok=True, value=None, display=NOT_FILLED)


def normalise(text: str) -> str:
    """NFKC (full-width digits, letters and signs to half-width), then trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def bare_word(text: str) -> str:
    """Normalised, casefolded, without trailing punctuation: for matching short replies."""
    return normalise(text).casefold().rstrip(_TRAILING_PUNCTUATION).strip()


def is_skip_word(text: str) -> bool:
    """True when the reply is one of SKIP_WORDS."""
    return bare_word(text) in SKIP_WORDS


def clean_text(text: str) -> str:
    """Free text as stored: the user's own characters, trimmed, with Unix line ends."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return text.strip().strip(_INVISIBLE).strip()


def is_blank(text: str) -> bool:
    """True when nothing visible was typed (spaces, newlines, zero-width characters)."""
    return not clean_text(normalise(text))


def _is_extender(char: str) -> bool:
    code = ord(char)
    return (unicodedata.combining(char) != 0
            or unicodedata.category(char) in ("Mn", "Me")
            or 0xFE00 <= code <= 0xFE0F          # variation selectors (emoji presentation)
            or 0x1F3FB <= code <= 0x1F3FF        # skin tone modifiers
            or 0xE0020 <= code <= 0xE007F)       # tag characters (subdivision flags)


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def count_chars(text: str) -> int:
    """Length as a Chinese form counts it: one per character, after trimming; an emoji is one."""
    count, joined, open_flag = 0, False, False
    for char in (text or "").strip():
        if char == _ZERO_WIDTH_JOINER:
            joined = True
            continue
        if joined or _is_extender(char):
            joined = False
            continue
        if _is_regional_indicator(char):
            open_flag = not open_flag
            if not open_flag:
                continue  # second half of a flag
        else:
            open_flag = False
        count += 1
    return count


def digit_count(text: str) -> int:
    """How many digits a reply holds (for refusals that say how many were typed)."""
    return len(re.findall(r"\d", normalise(text)))


def cn_date_text(value: date) -> str:
    """2023年4月1日"""
    return f"{value.year}年{value.month}月{value.day}日"


def number_text(value) -> str:
    """A number as a person writes it: 90, 2.5 (no trailing .0)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)
