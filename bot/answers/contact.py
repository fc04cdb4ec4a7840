"""Phone numbers, e-mail addresses, postcodes and plain numbers.

Phones: a mainland mobile (13800138000; +86, 86 or 0086 in front, spaces, dashes and dots
tolerated) is stored as its 11 digits; a landline with its area code (0750-3502679,
(0750)3502679, 07503502679, +86 750 3502679, an extension after 转/分机/-/#) is stored as
0750-3502679[-801]. Area codes 010 and 02x have three digits, all others four.
"""
import re

from bot.answers.base import Answer, accept, digit_count, normalise, number_text, refuse
from bot.answers.choice import MAX_NUMERAL_LENGTH, cn_int

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"(010|02\d|0[3-9]\d\d)([2-9]\d{6,7})")
_PHONE_CHARS = re.compile(r"\+?[\d\s()\-—.]+")
_EXTENSION = re.compile(r"(.+?)\s*(?:转|分机|ext\.?|x|#|-|—)\s*(\d{1,6})", re.I)
_EMAIL = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                    r"@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}", re.I)
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _national_digits(text: str) -> str | None:
    if not _PHONE_CHARS.fullmatch(text):
        return None
    digits = re.sub(r"\D", "", text)
    international = text.startswith("+") or digits.startswith("0086")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and (international or _MOBILE.fullmatch(digits[2:])):
        digits = digits[2:]
    if international and not _MOBILE.fullmatch(digits) and not digits.startswith("0"):
        digits = "0" + digits  # +86 750 3502679: the trunk 0 is dropped abroad
    if len(digits) == 12 and digits.startswith("0") and _MOBILE.fullmatch(digits[1:]):
        digits = digits[1:]     # 013800138000: an old long-distance habit
    return digits


def _phone_number(text: str) -> str | None:
    digits = _national_digits(text)
    if digits is None:
        return None
    if _MOBILE.fullmatch(digits):
        return digits
    landline = _LANDLINE.fullmatch(digits)
    return f"{landline.group(1)}-{landline.group(2)}" if landline else None


def parse_phone(text: str) -> str | None:
    """13800138000 for a mobile, 0750-3502679 (or 0750-3502679-801) for a landline; else None."""
    cleaned = normalise(text)
    number = _phone_number(cleaned)
    if number is not None:
        return number
    with_extension = _EXTENSION.fullmatch(cleaned)
    if with_extension:
        main = _phone_number(with_extension.group(1))
        if main is not None and "-" in main:
            return f"{main}-{with_extension.group(2)}"
    return None


def phone_answer(field, text: str) -> Answer:
    """Check a phone field's answer."""
    number = parse_phone(text)
    if number is not None:
        return accept(number, number)
    digits = re.sub(r"\D", "", normalise(text))
    missing_area_code = len(digits) in (7, 8) and digits[0] in "23456789"
    return refuse("bad_phone", digit_count=len(digits), missing_area_code=missing_area_code)


def parse_email(text: str) -> str | None:
    """The address with its domain lower-cased (＠ and 。 typed by a Chinese IME tolerated)."""
    cleaned = normalise(text).replace("。", ".").replace(" ", "")
    if len(cleaned) > 254 or not _EMAIL.fullmatch(cleaned):
        return None
    local, domain = cleaned.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def email_answer(field, text: str) -> Answer:
    """Check an e-mail field's answer."""
    address = parse_email(text)
    if address is None:
        return refuse("bad_email", has_at="@" in normalise(text))
    return accept(address, address)


def postcode_answer(field, text: str) -> Answer:
    """Check a postcode: exactly 6 digits (spaces tolerated)."""
    cleaned = re.sub(r"\s", "", normalise(text))
    if not re.fullmatch(r"\d{6}", cleaned):
        return refuse("bad_postcode", digit_count=digit_count(text))
    return accept(cleaned, cleaned)


def parse_number(text: str) -> int | float | None:
    """An int or a decimal (1,200 and 一百二十 accepted); None when it is not a number."""
    cleaned = re.sub(r"[\s,]", "", normalise(text))
    if len(cleaned) > MAX_NUMERAL_LENGTH:
        return None
    if _DECIMAL.fullmatch(cleaned):
        return float(cleaned) if "." in cleaned else int(cleaned)
    return cn_int(cleaned)


def _bounds_context(field) -> dict:
    return {"min": field.min, "max": field.max,
            "min_display": None if field.min is None else number_text(field.min),
            "max_display": None if field.max is None else number_text(field.max)}


def number_answer(field, text: str) -> Answer:
    """Check a number field's answer against its min and max."""
    value = parse_number(text)
    if value is None:
        return refuse("bad_number", **_bounds_context(field))
    if (field.min is not None and value < field.min) or \
            (field.max is not None and value > field.max):
        return refuse("number_out_of_range", value=value, display=number_text(value),
                      **_bounds_context(field))
    return accept(value, number_text(value))
