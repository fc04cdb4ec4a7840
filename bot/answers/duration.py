"""Duration answers (片长): the forms people type, as whole seconds.

Accepted: 3分20秒, 3分钟20秒, 3分20, 200秒, 1分钟, 1.5分钟, 1分半, 半分钟, 1小时2分, 一分三十秒,
90s, 1m30s, 2min, 3:20, 03:20, 1:02:03, 3'20", 3′20″. A bare number (90) is refused: it could be
seconds or minutes. The value is int seconds (rounded), the display 3分20秒 / 3分钟 / 58秒.
"""
import re

from bot.answers.base import Answer, accept, normalise, refuse
from bot.answers.choice import CN_NUMERAL, MAX_NUMERAL_LENGTH, to_int

_CLOCK = re.compile(r"(\d{1,3}):(\d{1,2})(?::(\d{1,2}))?")
_UNITS = (("hours", r"小时|钟头|时|hours?|hrs?|h", 3600),
          ("minutes", r"分钟|分|minutes?|mins?|m", 60),
          ("seconds", r"秒钟|秒|seconds?|secs?|s", 1))
_AMOUNT = rf"(\d+(?:\.\d+)?|{CN_NUMERAL})"
_SPOKEN = re.compile("".join(rf"(?:{_AMOUNT}(?:{units}))?" for _, units, _ in _UNITS)
                     + rf"{_AMOUNT}?")
_REWRITES = ((r"^(?:大约|约|片长|时长)[:]?", ""), (r"左右$", ""), (r"个(小时|钟头)", r"\1"),
             ("半分钟", "30秒"), (r"分钟?半钟?", "分30秒"), ("′′|''|\"|”|“|″", "秒"),
             ("[′'’‘]", "分"), (r"\s+", ""))


def _amount(text: str | None) -> float | None:
    if text is None or len(text) > MAX_NUMERAL_LENGTH:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    return to_int(text)


def _spoken_seconds(text: str) -> float | None:
    match = _SPOKEN.fullmatch(text)
    if not match or not text:
        return None
    amounts = [_amount(part) for part in match.groups()]
    pairs = zip(match.groups(), amounts, strict=True)
    if any(part is not None and amount is None for part, amount in pairs):
        return None  # a number too long to mean anything
    hours, minutes, seconds, trailing = amounts
    if trailing is not None:
        if seconds is not None or (hours is None and minutes is None):
            return None
        if minutes is None:
            minutes = trailing   # 1小时20: the bare number is minutes
        else:
            seconds = trailing   # 3分20: the bare number is seconds
    return (hours or 0) * 3600 + (minutes or 0) * 60 + (seconds or 0)


def _clock_seconds(text: str) -> int | None:
    match = _CLOCK.fullmatch(text)
    if not match:
        return None
    first, second, third = match.groups()
    if third is None:
        minutes, seconds, hours = int(first), int(second), 0
    else:
        hours, minutes, seconds = int(first), int(second), int(third)
        if minutes >= 60:
            return None
    return None if seconds >= 60 else hours * 3600 + minutes * 60 + seconds


def parse_duration(text: str) -> int | Answer:
    """Whole seconds, or a refused Answer (bad_duration)."""
    cleaned = normalise(text).casefold().rstrip("。.")
    for pattern, replacement in _REWRITES:
        cleaned = re.sub(pattern, replacement, cleaned)
    if re.fullmatch(r"\d{1,6}(?:\.\d{1,3})?", cleaned):
        return refuse("bad_duration", needs_unit=True, number=cleaned)
    seconds = _clock_seconds(cleaned)
    if seconds is None:
        spoken = _spoken_seconds(cleaned)
        seconds = None if spoken is None else int(spoken + 0.5)
    if seconds is None:
        return refuse("bad_duration", needs_unit=False, number="")
    return seconds


def duration_text(seconds: int) -> str:
    """3分20秒, 3分钟, 58秒, 1小时2分钟, 1小时0分5秒."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if not hours and not minutes:
        return f"{secs}秒"
    head = f"{hours}小时" if hours else ""
    if secs:
        return f"{head}{minutes}分{secs}秒"
    return f"{head}{minutes}分钟" if minutes else head


def _bound_text(bound) -> str | None:
    return None if bound is None else duration_text(int(bound))


def duration_answer(field, text: str) -> Answer:
    """Check a duration field's answer against its min/max (seconds; at least 1 s)."""
    seconds = parse_duration(text)
    if isinstance(seconds, Answer):
        return seconds
    low = field.min if field.min is not None else 1
    if seconds < low or (field.max is not None and seconds > field.max):
        return refuse("duration_out_of_range", value=seconds, display=duration_text(seconds),
                      min=int(low), max=None if field.max is None else int(field.max),
                      min_display=_bound_text(low), max_display=_bound_text(field.max))
    return accept(seconds, duration_text(seconds))
