"""The contest's summary table (汇总表), as .xlsx.

甘肃 2023 gets its annex 5 layout: 作品类别 (merged over its works), 作品排序 within the category,
作品名称, 内容简介, 创作单位, 推荐单位 (and the entry code after the annex's columns). Other
contests get one row per entry with every form field of the notice's registration forms as a
column (江门: annex 1 and 2 side by side), then the state and the video check.
"""
from sqlalchemy import select

from bot.console.export_layouts import value_of
from bot.console.labels import VERDICT_LABELS, answer_text, category_label, kind_label, local_time
from bot.console.xlsx_style import (
    CENTER,
    boxed,
    header_row,
    new_workbook,
    put,
    table_sheet,
    title_row,
    to_bytes,
    widths,
)
from bot.entries import PASSED_SCREENING, state_label
from bot.models import Entry, EntryState, ValidationResult

SCOPES = {"all": None, "approved": PASSED_SCREENING}
LEFT_OUT = (EntryState.DRAFT, EntryState.WITHDRAWN)
GANSU_HEADERS = ["作品类别", "作品排序", "作品名称", "内容简介（不超过100字）", "创作单位", "推荐单位",
                 "作品编号"]


def export_entries(db, contest, scope: str = "all") -> list[tuple]:
    """(entry, verdict of its current video) for the export, by code order."""
    states = SCOPES[scope]
    statement = (select(Entry, ValidationResult.verdict)
                 .outerjoin(ValidationResult,
                            ValidationResult.media_file_id == Entry.current_media_file_id)
                 .where(Entry.contest_id == contest.id, Entry.code.is_not(None),
                        Entry.state.not_in(LEFT_OUT)).order_by(Entry.id))
    if states:
        statement = statement.where(Entry.state.in_(sorted(states)))
    return db.execute(statement).all()


def _gansu_groups(contest, entries: list) -> list[tuple[str, list]]:
    order = [category.id for category in contest.categories]
    groups: dict[str, list] = {category_id: [] for category_id in order}
    for entry in entries:
        groups.setdefault(entry.category or "", []).append(entry)
    return [(category_id, items) for category_id, items in groups.items() if items]


def gansu_sheet(book, contest, entries: list) -> None:
    """Annex 5 of the 甘肃 notice."""
    sheet = book.create_sheet("汇总表")
    title_row(sheet, 1, "质量强国建设微视频作品汇总表", len(GANSU_HEADERS))
    title_row(sheet, 2, "报送单位：（加盖公章）", len(GANSU_HEADERS), size=11, bold=False, height=22)
    header_row(sheet, 3, GANSU_HEADERS)
    row = 4
    for category_id, items in _gansu_groups(contest, entries):
        first = row
        for rank, entry in enumerate(items, start=1):
            values = [category_label(contest, category_id) or "未分类", rank,
                      value_of(contest, entry, "title|title_animation"),
                      value_of(contest, entry, "synopsis"), value_of(contest, entry, "producer"),
                      value_of(contest, entry, "unit_name|person_organization|person_name"),
                      entry.code]
            for column, value in enumerate(values, start=1):
                boxed(put(sheet, row, column, value), center=column in (1, 2, 7))
            row += 1
        if row - first > 1:
            sheet.merge_cells(start_row=first, start_column=1, end_row=row - 1, end_column=1)
            sheet.cell(row=first, column=1).alignment = CENTER
    widths(sheet, [12, 8, 24, 50, 24, 24, 10])
    sheet.freeze_panes = "A4"


def generic_sheet(book, contest, rows: list[tuple]) -> None:
    """One row per entry: code, kind, (category), every form field, state, video check."""
    with_category = len(contest.categories) > 1 and not any(
        f.type == "category" for f in contest.form)
    headers = ["序号", "作品编号", "参赛类型"] + (["作品类别"] if with_category else [])
    headers += [f.label for f in contest.form] + ["作品状态", "视频检查", "报名时间"]
    data = []
    for number, (entry, verdict) in enumerate(rows, start=1):
        answers = [answer_text(contest, f, (entry.form or {}).get(f.id)) for f in contest.form]
        data.append([number, entry.code, kind_label(contest, entry.entrant_kind),
                     *([category_label(contest, entry.category)] if with_category else []),
                     *answers, state_label(entry.state), VERDICT_LABELS[verdict or "none"],
                     local_time(contest, entry.confirmed_at)])
    table_sheet(book, "汇总表", f"{contest.name}报名汇总表", headers, data,
                [6, 10, 12] + [12] * with_category + [max(12, min(40, (f.max_length or 20)))
                                                      for f in contest.form] + [14, 10, 18])


def summary_workbook(db, contest, scope: str = "all") -> bytes:
    """The contest's summary table as .xlsx bytes."""
    rows = export_entries(db, contest, scope)
    book = new_workbook()
    if contest.id == "gansu-2023":
        gansu_sheet(book, contest, [entry for entry, _ in rows])
    else:
        generic_sheet(book, contest, rows)
    return to_bytes(book)
