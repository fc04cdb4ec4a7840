"""Date answers: the formats people type, impossible dates, and the date rules of a field.

Accepted: 2023-04-01, 2023-4-1, 2023/4/1, 2023.4.1, 20230401, 2023年4月1日 (or 号), and the
same with Chinese numerals (二〇二三年四月一日). The value is ISO (2023-04-01), the display
2023年4月1日. Rules: `not_before` (another date field of the form), `not_before_date`,
`not_after_date` (a date or `today`, the contest clock's local date).
"""
import re
from datetime import date
from typing import cast

from bot.answers.base import Answer, accept, cn_date_text, normalise, refuse
from bot.answers.choice import CN_NUMERAL, to_int

EARLIEST_YEAR, LATEST_YEAR = 1900, 2100
_NUMBER = rf"(\d+|{CN_NUMERAL})"
_DATE_FORMS = (
    re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
    re.compile(rf"{_NUMBER}\s*年\s*{_NUMBER}\s*月\s*{_NUMBER}\s*[日号]?"),
)


def _date_parts(text: str) -> tuple[int, int, int] | None:
    cleaned = normalise(text).rstrip("。.")
    for form in _DATE_FORMS:
        match = form.fullmatch(cleaned)
        if match:
            parts = tuple(to_int(part) for part in match.groups())
            return None if None in parts else cast(tuple[int, int, int], parts)  # 3 groups
    return None


def parse_date(text: str) -> date | Answer:
    """The date typed, or a refused Answer (bad_date) saying why it is not one."""
    parts = _date_parts(text)
    if parts is None:
        return refuse("bad_date", impossible=False)
    year, month, day = parts
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        return refuse("bad_date", impossible=False)
    try:
        return date(year, month, day)
    except ValueError:
        return refuse("bad_date", impossible=True, year=year, month=month, day=day)


def as_date(value) -> date | None:
    """A stored date answer (ISO text or date) as a date; None when absent or unreadable."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _limit_context(limit: date, **extra) -> dict:
    return {"limit": limit.isoformat(), "limit_display": cn_date_text(limit), **extra}


def _lower_bounds(field, answers: dict, contest) -> list[tuple[date, dict]]:
    bounds = []
    if field.not_before_date is not None:
        bounds.append((field.not_before_date, {"other_field": None, "other_label": None}))
    if field.not_before:
        other = as_date(answers.get(field.not_before))
        other_field = contest.field(field.not_before) if contest is not None else None
        label = other_field.label if other_field is not None else field.not_before
        if other is not None:
            bounds.append((other, {"other_field": field.not_before, "other_label": label}))
    return bounds


def check_date_rules(field, value: date, *, answers: dict, contest, today: date) -> Answer | None:
    """A refused Answer when the date breaks one of the field's rules, else None."""
    bounds = _lower_bounds(field, answers, contest)
    if bounds:
        limit, about = max(bounds, key=lambda bound: bound[0])
        if value < limit:
            return refuse("date_before", **_limit_context(limit, **about))
    if field.not_after_date is not None:
        is_today = field.not_after_date == "today"
        limit = today if is_today else field.not_after_date
        if value > limit:
            return refuse("date_after", **_limit_context(limit, is_today=is_today))
    return None


def date_answer(field, text: str, *, answers: dict, contest, today: date) -> Answer:
    """Check a date field's answer: format, real calendar day, then the field's rules."""
    parsed = parse_date(text)
    if isinstance(parsed, Answer):
        return parsed
    broken = check_date_rules(field, parsed, answers=answers, contest=contest, today=today)
    return broken or accept(parsed.isoformat(), cn_date_text(parsed))
