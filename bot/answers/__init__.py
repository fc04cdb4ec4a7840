"""Checking one registration answer against its form field (the public API of the answers).

`parse_answer(field, text, answers=..., contest=..., today=...)` returns an `Answer`: accepted
with a normalised, JSON-serialisable value (dates ISO, durations int seconds, a category its id,
a choice or topic its text) and a display string, or refused with a reason code and a context
dict for templates/chat/answer_refused.txt. Structured answers are read after NFKC (full-width
digits and letters are half-width) and trimming; free text keeps the user's own characters
(NFKC would turn Chinese punctuation such as ，（） into ASCII), trimmed.

A stored value may be passed back in as `text` to re-check it (the handler re-checks dates
against related answers at confirmation): ISO dates, int seconds and numbers read as themselves.

An optional field accepts any of SKIP_WORDS (跳过, 无, 没有, 略, 暂无, 不填, skip) and stores None;
on a required field those words, and empty input, are refused as "required".
"""
import re
from datetime import date

from bot.answers.base import (
    NOT_FILLED,
    SKIP_WORDS,
    Answer,
    accept,
    clean_text,
    count_chars,
    is_blank,
    is_skip_word,
    normalise,
    refuse,
    skipped,
)
from bot.answers.choice import match_choices, parse_choice, parse_yes_no
from bot.answers.contact import email_answer, number_answer, phone_answer, postcode_answer
from bot.answers.dates import date_answer
from bot.answers.duration import duration_answer

__all__ = ["Answer", "NOT_FILLED", "SKIP_WORDS", "chosen_category", "count_chars",
           "field_choices", "parse_answer", "parse_choice", "parse_yes_no"]

TEXT_HARD_LIMIT = 2000  # a text field without max_length still fits one chat message
CHOICE_TYPES = ("choice", "category", "topic")
YES_NO_CHOICES = ("是", "否")
NAME_ROLES = ("entrant_name", "contact_name")
_ID_NUMBER = re.compile(r"\d{17}[\dXx]|(?<!\d)\d{15}(?!\d)")  # 居民身份证号码 (18 or old 15)


def chosen_category(contest, answers: dict):
    """The Category picked in the form's category field (or the contest's only one), or None."""
    if contest is None:
        return None
    for form_field in contest.form:
        if form_field.type == "category" and answers.get(form_field.id):
            picked = answers[form_field.id]
            return next((c for c in contest.categories if picked in (c.id, c.name)), None)
    return contest.categories[0] if len(contest.categories) == 1 else None


def _all_topics(contest) -> list[str]:
    topics = []
    for category in contest.categories:
        topics += [topic for topic in category.topics if topic not in topics]
    return topics


def field_choices(field, *, contest, answers: dict) -> list[str]:
    """The options a choice, category or topic field offers, in order (for prompts too)."""
    if field.type == "choice":
        return list(field.choices)
    if contest is None:
        return []
    if field.type == "category":
        return [category.name for category in contest.categories]
    if field.type == "topic":
        category = chosen_category(contest, answers)
        return list(category.topics) if category is not None else _all_topics(contest)
    return []


def _matches(text: str, choices: list[str]) -> list[int]:
    matches = match_choices(text, choices)
    if not matches and sorted(choices) == sorted(YES_NO_CHOICES):
        yes = parse_yes_no(text)  # a 是/否 choice also takes 对, 不是, 没有, y, n …
        matches = [] if yes is None else [choices.index(YES_NO_CHOICES[0 if yes else 1])]
    return matches


def _choice_answer(field, text: str, *, contest, answers: dict) -> Answer:
    choices = field_choices(field, contest=contest, answers=answers)
    if not choices and field.type == "topic":
        return skipped()  # the chosen category lists no topics: nothing to choose
    matches = _matches(text, choices)
    if field.type == "category" and not matches:
        ids = [category.id for category in contest.categories]
        matches = [ids.index(text.strip())] if text.strip() in ids else []
    if len(matches) != 1:
        return refuse("bad_choice", choices=choices,
                      candidates=[choices[index] for index in matches])
    name = choices[matches[0]]
    if field.type == "category":
        return accept(contest.categories[matches[0]].id, name)
    return accept(name, name)


def _name_refusal(field, value: str) -> Answer | None:
    """A name (of a person or a unit) is never a number: an ID number or a phone is refused."""
    if field.role not in NAME_ROLES:
        return None
    compact = re.sub(r"[\s\-－—_]", "", normalise(value))
    if _ID_NUMBER.search(compact):
        return refuse("name_id_number")
    if compact.isdigit():
        return refuse("name_digits")
    return None


def _text_answer(field, text: str) -> Answer:
    value = clean_text(text)
    not_a_name = _name_refusal(field, value)
    if not_a_name is not None:
        return not_a_name
    count = count_chars(value)
    if field.min_length is not None and count < field.min_length:
        return refuse("too_short", limit=field.min_length, count=count)
    limit = field.max_length if field.max_length is not None else TEXT_HARD_LIMIT
    if count > limit:
        return refuse("too_long", limit=limit, count=count, over=count - limit)
    if not (field.matches_pattern(value) or field.matches_pattern(normalise(value))):
        return refuse("pattern", pattern_message=field.pattern_message)
    return accept(value, value)


def _is_choice_text(field, text: str, contest, answers: dict) -> bool:
    if field.type not in CHOICE_TYPES:
        return False
    choices = field_choices(field, contest=contest, answers=answers)
    if sorted(choices) == sorted(YES_NO_CHOICES):
        return parse_yes_no(text) is not None
    return normalise(text).casefold() in {normalise(choice).casefold() for choice in choices}


def _empty_or_skipped(field, text: str, contest, answers: dict) -> Answer | None:
    if is_blank(text):
        return skipped() if not field.required else refuse("required", skipped=False)
    if is_skip_word(text) and not _is_choice_text(field, text, contest, answers):
        return skipped() if not field.required else refuse("required", skipped=True)
    return None


def _as_text(field, text) -> str:
    """The reply as text; a stored value (ISO date, int seconds, number) reads back as itself."""
    if text is None or isinstance(text, bool):
        return ""
    if isinstance(text, (int, float)) and field.type == "duration":
        return f"{text}秒"
    return text if isinstance(text, str) else str(text)


def parse_answer(field, text: str, *, answers: dict, contest, today: date) -> Answer:
    """Check one reply to a form field: accepted with its value, or refused with a reason."""
    text = _as_text(field, text)
    answers = answers or {}
    early = _empty_or_skipped(field, text, contest, answers)
    if early is not None:
        return early
    if field.type in CHOICE_TYPES:
        return _choice_answer(field, text, contest=contest, answers=answers)
    if field.type == "date":
        return date_answer(field, text, answers=answers, contest=contest, today=today)
    checkers = {"phone": phone_answer, "email": email_answer, "postcode": postcode_answer,
                "number": number_answer, "duration": duration_answer}
    checker = checkers.get(field.type, _text_answer)
    return checker(field, text)
