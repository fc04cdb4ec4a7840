"""The registration sheet (登记表/报名表) of each entry, as .xlsx, in its notice's layout.

Four columns (label, answer, label, answer). One workbook holds one entry, or every entry of a
contest with one sheet each, named by the entry code.
"""
import math

from bot.console.export_layouts import TALL, Section, layout_for, leftover_rows, value_of
from bot.console.labels import kind_label, local_time
from bot.console.xlsx_style import (
    boxed,
    new_workbook,
    put,
    sheet_title,
    title_row,
    to_bytes,
    widths,
)

COLUMNS = 4
COLUMN_WIDTHS = [16, 30, 16, 30]
CHARS_PER_LINE = {1: 36, 2: 14}  # Chinese characters per line in a full / half-width answer


def _height(texts: list[str], per_line: int, tall: bool) -> float:
    lines = max([1] + [sum(math.ceil(max(len(part), 1) / per_line) for part in text.split("\n"))
                       for text in texts])
    return max(48 if tall else 24, 16 * lines + 8)


def _merge(sheet, row: int, first: int, last: int) -> None:
    for column in range(first, last + 1):
        boxed(sheet.cell(row=row, column=column))
    sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def _section(sheet, row: int, title: str) -> None:
    boxed(put(sheet, row, 1, title), label=True)
    for column in range(2, COLUMNS + 1):
        boxed(sheet.cell(row=row, column=column), label=True)
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=COLUMNS)
    sheet.row_dimensions[row].height = 24


def _pairs(sheet, row: int, pairs: list, contest, entry) -> None:
    texts = []
    for index, (label, source) in enumerate(pairs):
        text = value_of(contest, entry, source)
        texts.append(text)
        column = 1 + 2 * index
        boxed(put(sheet, row, column, label), label=True)
        boxed(put(sheet, row, column + 1, text))
    if len(pairs) == 1:
        _merge(sheet, row, 2, COLUMNS)
    tall = any(label in TALL for label, _ in pairs)
    sheet.row_dimensions[row].height = _height(texts, CHARS_PER_LINE[len(pairs)], tall)


def write_registration(sheet, contest, entry) -> None:
    """Fill one worksheet with the entry's registration sheet."""
    layout = layout_for(contest, entry)
    title_row(sheet, 1, layout.title, COLUMNS)
    row = 2
    subtitle = layout.subtitle(contest, entry) if callable(layout.subtitle) else layout.subtitle
    if subtitle:
        title_row(sheet, row, subtitle, COLUMNS, size=11, bold=False, height=22)
        row += 1
    meta = (f"作品编号：{entry.code}　参赛类型：{kind_label(contest, entry.entrant_kind)}　"
            f"报名时间：{local_time(contest, entry.confirmed_at)}")
    title_row(sheet, row, meta, COLUMNS, size=10, bold=False, height=20)
    row += 1
    extra = leftover_rows(contest, entry, layout)
    rows = layout.rows + ([Section("其他登记信息"), *extra] if extra else [])
    for item in rows:
        if isinstance(item, Section):
            _section(sheet, row, item.title)
        else:
            _pairs(sheet, row, item, contest, entry)
        row += 1
    widths(sheet, COLUMN_WIDTHS)
    sheet.print_options.horizontalCentered = True
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1


def registration_workbook(contest, entries: list) -> bytes:
    """One sheet per entry (named 登记表-<code>), as .xlsx bytes."""
    book = new_workbook()
    for entry in entries:
        write_registration(book.create_sheet(sheet_title(f"登记表-{entry.code}")), contest, entry)
    if not entries:
        book.create_sheet("登记表")
    return to_bytes(book)
