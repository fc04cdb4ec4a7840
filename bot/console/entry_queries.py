"""Finding entries for the console: the filtered list, and everything the detail page shows."""
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from bot.console.blueprint import ConsoleError
from bot.console.labels import answer_text
from bot.models import ENTRY_STATES, VERDICTS, AuditLog, Entry, MediaFile, ValidationResult

PAGE_SIZE = 50


@dataclass(frozen=True)
class EntryFilters:
    """The list's filters as given in the query string (empty: no filter)."""

    state: str = ""
    category: str = ""
    kind: str = ""
    verdict: str = ""
    q: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args, contest) -> "EntryFilters":
        """Read and check the filters; ConsoleError 400 names a bad one."""
        values = {key: (args.get(key) or "").strip() for key in
                  ("state", "category", "kind", "verdict", "q")}
        allowed = {"state": ENTRY_STATES, "verdict": VERDICTS + ("none",),
                   "category": [c.id for c in contest.categories],
                   "kind": [k.id for k in contest.entrant_kinds]}
        for key, choices in allowed.items():
            if values[key] and values[key] not in choices:
                raise ConsoleError(400, f"筛选条件无效：{key}={values[key][:40]}")
        page = args.get("page", "1")
        if not page.isdigit() or not 1 <= int(page) <= 100000:
            raise ConsoleError(400, "页码无效。")
        return cls(**values | {"q": values["q"][:60]}, page=int(page))


def _filtered(statement, contest_id: str, filters: EntryFilters):
    statement = (statement.outerjoin(ValidationResult,
                                     ValidationResult.media_file_id == Entry.current_media_file_id)
                 .where(Entry.contest_id == contest_id, Entry.code.is_not(None)))
    for column, value in ((Entry.state, filters.state), (Entry.category, filters.category),
                          (Entry.entrant_kind, filters.kind)):
        if value:
            statement = statement.where(column == value)
    if filters.verdict == "none":
        statement = statement.where(ValidationResult.id.is_(None))
    elif filters.verdict:
        statement = statement.where(ValidationResult.verdict == filters.verdict)
    if filters.q:
        pattern = "%" + filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(or_(Entry.code == filters.q,
                                        Entry.title.ilike(pattern, escape="\\")))
    return statement


def list_entries(db, contest_id: str, filters: EntryFilters) -> tuple[list, int]:
    """One page of (entry, verdict) rows, by code, and the number of matching entries."""
    total = db.scalar(_filtered(select(func.count(Entry.id)), contest_id, filters))
    rows = db.execute(_filtered(select(Entry, ValidationResult.verdict), contest_id, filters)
                      .order_by(Entry.id).limit(PAGE_SIZE)
                      .offset((filters.page - 1) * PAGE_SIZE)).all()
    return rows, total


def get_entry(db, contest_id: str, entry_id: int, lock: bool = False) -> Entry:
    """The confirmed entry of this contest; ConsoleError 404 otherwise."""
    statement = select(Entry).where(Entry.id == entry_id, Entry.contest_id == contest_id,
                                    Entry.code.is_not(None))
    entry = db.scalars(statement.with_for_update() if lock else statement).one_or_none()
    if entry is None:
        raise ConsoleError(404, "没有找到这个作品。", "作品不存在")
    return entry


def answers(contest, entry: Entry, judge_view: bool = False) -> list[dict]:
    """Every form answer with its label from the contest YAML, in the form's order.

    judge_view: only the fields the YAML marks `judge_visible` (blind judging is an allow-list:
    a field added to a form later stays hidden from judges until someone decides otherwise).
    """
    form = dict(entry.form or {})
    rows = []
    for field in contest.form:
        if (judge_view and not field.judge_visible) or not (
                field.id in form or field.applies(entry.entrant_kind, entry.category)):
            continue
        rows.append({"id": field.id, "label": field.label, "role": field.role,
                     "text": answer_text(contest, field, form.pop(field.id, None))})
    if not judge_view:
        rows += [{"id": key, "label": key, "role": None, "text": answer_text(contest, None, value)}
                 for key, value in form.items()]
    return rows


def media_history(db, entry: Entry) -> list[tuple]:
    """Every video of the entry with its validation (None while unchecked), newest first."""
    return db.execute(select(MediaFile, ValidationResult)
                      .outerjoin(ValidationResult, ValidationResult.media_file_id == MediaFile.id)
                      .where(MediaFile.entry_id == entry.id)
                      .order_by(MediaFile.id.desc())).all()


def history(db, entry: Entry) -> list[AuditLog]:
    """The entry's audit-log lines, oldest first."""
    return list(db.scalars(select(AuditLog).where(
        AuditLog.target_type == "entry", AuditLog.target_id == str(entry.id))
        .order_by(AuditLog.created_at, AuditLog.id)))
