"""Contest YAML building blocks: local times, phases, eligibility, entrant kinds, form fields.

Every model forbids unknown keys and is frozen. Local dates and times are turned into aware
datetimes in the contest's time zone, passed in the validation context as {"tz": "Asia/Shanghai"}.
"""
import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

DEFAULT_TIMEZONE = "Asia/Shanghai"
ID_PATTERN = r"^[a-z][a-z0-9_]*$"


class ConfigProblem(ValueError):
    """A rule broken by an otherwise well-typed contest; names the key path that breaks it."""

    def __init__(self, key: str, reason: str):
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


class StrictModel(BaseModel):
    """Base of every contest model: frozen, unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA time zone name, or ValueError naming it."""
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as "
                         f"{DEFAULT_TIMEZONE!r})") from exc


def context_zone(info: ValidationInfo) -> ZoneInfo:
    """The contest time zone given in the validation context (default Asia/Shanghai)."""
    name = (info.context or {}).get("tz") or DEFAULT_TIMEZONE
    try:
        return zone(name)
    except ValueError:
        return zone(DEFAULT_TIMEZONE)


def _as_local(value, info: ValidationInfo, end_of_day: bool) -> datetime:
    if isinstance(value, bool) or not isinstance(value, (str, date)):
        raise ValueError("expected a local date (2020-07-15) or date and time (2020-07-15 18:00)")
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text) if len(text) > 10 else date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a date (2020-07-15) or a date and time "
                             f"(2020-07-15 18:00)") from None
    tz = context_zone(info)
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(23, 59, 59) if end_of_day else time(0, 0))
    if value.tzinfo is None:
        return value.replace(tzinfo=tz)
    return value.astimezone(tz)


LocalStart = Annotated[datetime, BeforeValidator(lambda v, i: _as_local(v, i, False))]
LocalEnd = Annotated[datetime, BeforeValidator(lambda v, i: _as_local(v, i, True))]
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=40)]
Text = Annotated[str, Field(min_length=1)]


def at_second(when: datetime) -> datetime:
    """Drop the microseconds: phase times are whole seconds, 23:59:59.5 is still that day."""
    if when.tzinfo is None:
        raise ValueError("an aware datetime is required (use the contest clock)")
    return when.replace(microsecond=0)


class Phase(StrictModel):
    """A named stretch of the contest; start and end are both inclusive, to the second."""

    id: Id
    name: Text
    start: LocalStart
    end: LocalEnd
    description: str = ""

    def contains(self, when: datetime) -> bool:
        """True when `when` falls between start and end, both inclusive."""
        moment = at_second(when)
        return self.start <= moment <= self.end

    @property
    def duration(self) -> timedelta:
        """How long the phase lasts."""
        return self.end - self.start


def _yes_no(value):
    if isinstance(value, str) and value.strip() in ("是", "否"):
        return value.strip() == "是"
    return value


class Question(StrictModel):
    """A yes/no eligibility question; the other answer ends the registration with fail_message."""

    id: Id
    text: Text
    pass_answer: Annotated[bool, BeforeValidator(_yes_no)] = True
    fail_message: Text
    applies_to_kinds: list[str] = []


class EntrantKind(StrictModel):
    """Who enters: an individual, a team or a unit; max_entries None means unlimited."""

    id: Id
    name: Text
    description: str = ""
    max_entries: Annotated[int, Field(ge=1)] | None = None
    form_title: str = ""


class EntrantLimits(StrictModel):
    """What one entrant (openid) may take of the server in one contest; not from the notices."""

    max_entries: Annotated[int, Field(ge=1, le=1000)] = 20
    max_storage_mb: Annotated[int, Field(ge=1)] = 10240
    max_uploads_in_flight: Annotated[int, Field(ge=1, le=20)] = 3


FieldType = Literal["text", "choice", "phone", "email", "date", "duration", "number",
                    "postcode", "category", "topic"]
FieldRole = Literal["title", "synopsis", "entrant_name", "contact_name", "phone", "email",
                    "organization", "address"]
# What a blind jury may never see, whatever the YAML marks judge_visible.
PERSONAL_ROLES = frozenset({"entrant_name", "contact_name", "phone", "email", "organization",
                            "address"})
PERSONAL_TYPES = frozenset({"phone", "email", "postcode"})


class FormField(StrictModel):
    """One registration question; answers are checked against every rule given here."""

    id: Id
    label: Text
    type: FieldType = "text"
    required: bool = True
    prompt: str = ""
    role: FieldRole | None = None
    min_length: Annotated[int, Field(ge=0)] | None = None
    max_length: Annotated[int, Field(ge=1)] | None = None
    choices: list[Text] = []
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    pattern_message: str = ""
    not_before: str | None = None
    not_before_date: date | None = None
    not_after_date: date | Literal["today"] | None = None
    applies_to_kinds: list[str] = []
    applies_to_categories: list[str] = []
    judge_visible: bool = False  # shown to judges under blind judging (an allow-list)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value):
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    def applies(self, kind_id: str | None, category_id: str | None) -> bool:
        """True when this field is asked of that entrant kind and category."""
        if self.applies_to_kinds and kind_id not in self.applies_to_kinds:
            return False
        return not (self.applies_to_categories and category_id not in self.applies_to_categories)

    def matches_pattern(self, answer: str) -> bool:
        """True when the answer satisfies the field's format regex (or it has none)."""
        return self.pattern is None or re.fullmatch(self.pattern, answer, re.S) is not None


class Pledge(StrictModel):
    """A pledge (e.g. 版权承诺书) shown in full and accepted explicitly by the entrant."""

    id: Id
    title: Text
    text: Text
    applies_to_kinds: list[str] = []
