"""What the entry conversation needs to decide its next step: the draft's gaps, the checks on
each answer, and confirming the entry in the database."""
import logging
import re

from bot.answers import field_choices, parse_answer, parse_choice, parse_yes_no
from bot.answers.base import bare_word
from bot.chat.conversation import END, Step, normalize_text
from bot.db import session_scope
from bot.entries import EntryLimitReached, confirm_entry, count_entries
from bot.h5.upload_links import upload_link
from bot.privacy import mask_openid

log = logging.getLogger(__name__)

CONFIRM_WORDS = {"确认", "确认提交", "提交", "确定", "确认报名"}
# A pledge is accepted only with the word its prompt names (同意), "嗯" or "好" is not consent.
AGREE_WORDS = {"同意", "我同意", "同意的", "我同意的", "同意并承诺", "我同意并承诺"}
DISAGREE_WORDS = {"不同意", "我不同意", "不同意的"}
EDIT_PATTERN = re.compile(r"^(?:改|修改|更改|编辑)?\s*第?\s*(\d{1,2})\s*(?:项|条)?$")


def is_confirm(text: str) -> bool:
    """确认 (and its synonyms) at the summary."""
    return normalize_text(text) in CONFIRM_WORDS


def collection_closed(turn) -> dict | None:
    """Why entries cannot start now (with the collection dates), or None when they can."""
    contest, now = turn.services.contest, turn.services.now()
    collection = contest.phase("collection")
    if collection is None:
        return {"reason": "no_collection"}
    if now < collection.start:
        return {"reason": "not_yet", "collection": collection}
    if now > collection.end or not collection.contains(now):
        return {"reason": "closed", "collection": collection}
    return None


def overview(turn) -> dict:
    """What the entrant is about to do, for the first message."""
    contest = turn.services.contest
    return {"collection": contest.phase("collection"), "kinds": contest.entrant_kinds,
            "questions": len(contest.eligibility), "pledges": len(contest.pledges)}


def _questions(contest, data) -> list:
    general = contest.eligibility_for(None)
    if data["kind"] is None:
        return general
    return general + [q for q in contest.eligibility_for(data["kind"]) if q.applies_to_kinds]


def pending_question(contest, data):
    """The first eligibility question not yet answered (kind-specific ones once kind is known)."""
    if data["kind"] is None and len(contest.entrant_kinds) == 1:
        data["kind"] = contest.entrant_kinds[0].id
    return next((q for q in _questions(contest, data) if q.id not in data["passed"]), None)


def current_question(turn):
    """The eligibility question the user is answering."""
    return next(q for q in turn.services.contest.eligibility if q.id == turn.data["question"])


def question_context(turn, question) -> dict:
    """Template context of an eligibility question: the text and where it stands."""
    return {"question": question, "number": len(turn.data["passed"]) + 1}


def failure_reason(question) -> str:
    """The notice's reason for a failed question, without its own apology (the reply has one)."""
    return question.fail_message.strip().removeprefix("很抱歉，").removeprefix("很抱歉,")


def yes_no(text: str) -> bool | None:
    """是/否 and their many spellings, or None."""
    return parse_yes_no(text)


def choice_index(text: str, names: list) -> int | None:
    """An option picked by number or by name, or None."""
    return parse_choice(text, names)


def limit_reached(turn, kind) -> dict | None:
    """The refusal context when this user already has the kind's maximum of entries."""
    limit, set_by_notice = turn.services.contest.entry_limit(kind.id)
    with session_scope(turn.services.db) as session:
        count = count_entries(session, turn.services.contest.id, turn.openid, kind.id)
    if count < limit:
        return None
    return {"kind": kind, "limit": limit, "count": count, "set_by_notice": set_by_notice}


def applicable_fields(contest, data) -> list:
    """The form fields this draft asks for, given its kind and chosen category."""
    return contest.fields_for(data["kind"], _category_id(contest, data))


def _category_id(contest, data) -> str | None:
    for field in contest.form:
        if field.type == "category" and data["answers"].get(field.id):
            return data["answers"][field.id]
    return contest.categories[0].id if len(contest.categories) == 1 else None


def pending_field(contest, data):
    """The first applicable field without an answer; answers that no longer apply are dropped."""
    fields = applicable_fields(contest, data)
    wanted = {field.id for field in fields}
    for stale in [key for key in data["answers"] if key not in wanted]:
        data["answers"].pop(stale)
        data["displays"].pop(stale, None)
    return next((field for field in fields if field.id not in data["answers"]), None)


def field_context(turn, field) -> dict:
    """Template context of a form question: the field, its options and its place in the form."""
    contest, data = turn.services.contest, turn.data
    fields = applicable_fields(contest, data)
    number = next((i for i, f in enumerate(fields, 1) if f.id == field.id), len(fields))
    return {"field": field, "number": number, "total": _stable_total(contest, data, fields),
            "choices": field_choices(field, contest=contest, answers=data["answers"]),
            "current": data["displays"].get(field.id), "editing": False}


def _stable_total(contest, data, fields) -> int | None:
    """The form's length once nothing left can change it (the category picks fields), else None."""
    if _category_id(contest, data) is None and any(f.applies_to_categories for f in contest.form):
        return None
    return len(fields)


def check_answer(turn, field, text: str | None = None):
    """Check the user's text (or a stored value) against the field's rules and related answers."""
    others = {k: v for k, v in turn.data["answers"].items() if k != field.id}
    return parse_answer(field, turn.text if text is None else text, answers=others,
                        contest=turn.services.contest, today=turn.services.now().date())


def pending_pledge(contest, data):
    """The first pledge for this kind not yet accepted."""
    return next((p for p in contest.pledges_for(data["kind"]) if p.id not in data["pledged"]),
                None)


def current_pledge(turn):
    """The pledge the user is answering."""
    return next(p for p in turn.services.contest.pledges if p.id == turn.data["pledge"])


def agrees(text: str) -> bool | None:
    """同意 / 不同意 to a pledge (trailing punctuation and spaces aside), or None."""
    word = bare_word(text).replace(" ", "")
    if word in AGREE_WORDS:
        return True
    if word in DISAGREE_WORDS:
        return False
    return None


def summary_context(turn) -> dict:
    """The numbered summary of every answer."""
    contest, data = turn.services.contest, turn.data
    items = [{"number": i, "label": f.label, "display": data["displays"].get(f.id, "")}
             for i, f in enumerate(applicable_fields(contest, data), 1)]
    return {"kind": contest.kind(data["kind"]), "items": items, "retry": False,
            "asked_number": None}


def field_to_edit(turn):
    """The field named by 改 N (or 改 <label>), or None."""
    fields = applicable_fields(turn.services.contest, turn.data)
    text = normalize_text(turn.text)
    number = edit_number(text)
    if number is not None and 1 <= number <= len(fields):
        return fields[number - 1]
    label = re.sub(r"^(?:改|修改|更改)\s*", "", text)
    return next((f for f in fields if f.label == label), None)


def edit_number(text: str) -> int | None:
    """N in 改 N (also 修改第N项, or N alone), or None."""
    match = EDIT_PATTERN.match(normalize_text(text))
    return int(match.group(1)) if match else None


def broken_relation(turn):
    """(field, refused answer) of the first stored date that no longer passes its checks (a
    related date was edited), or None."""
    for field in applicable_fields(turn.services.contest, turn.data):
        value = turn.data["answers"].get(field.id)
        if field.type == "date" and value:
            answer = check_answer(turn, field, value)
            if not answer.ok:
                return field, answer
    return None


def store_entry(turn) -> Step:
    """Store the confirmed entry with its code; the answer gives the code and the upload link."""
    contest, data = turn.services.contest, turn.data
    title = next((data["answers"][f.id] for f in applicable_fields(contest, data)
                  if f.role == "title" and data["answers"].get(f.id)), None)
    try:
        with session_scope(turn.services.db) as session:
            entry = confirm_entry(session, contest=contest, openid=turn.openid, kind=data["kind"],
                                  category=_category_id(contest, data), answers=data["answers"],
                                  title=title or "", at=turn.services.now())
    except EntryLimitReached as limit:
        return Step(END, "entry_limit_reached", {"kind": contest.kind(data["kind"]),
                                                 "limit": limit.limit, "count": limit.count,
                                                 "set_by_notice": limit.set_by_notice})
    log.info("entry %s confirmed by %s", entry.code, mask_openid(turn.openid))
    link = upload_link(turn.services.settings, contest.id, entry.id, turn.openid,
                       turn.services.now())
    return Step(END, "entry_confirmed", {"entry": entry, "collection": contest.phase("collection"),
                                         "rules": contest.video_rules_for(entry.category),
                                         "upload_url": link})


def log_refusal(turn, what: str, item: str) -> None:
    """Log a registration that ended on a rule (ids only, no answers)."""
    log.info("registration ended by %s %s for %s", what, item, mask_openid(turn.openid))

