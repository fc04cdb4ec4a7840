"""Shared .xlsx helpers: fonts, borders, a title row, a header row, column widths, bytes out.

Files are written by openpyxl in the plain OOXML form both Excel and WPS open: one font
(宋体, which WPS and Excel on Chinese Windows both have), thin borders, wrapped text, no macros.
"""
import io
import re
from collections.abc import Sequence
from typing import cast

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FONT = "宋体"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
# Text starting with these is read as a formula by Excel/WPS (at once, or when the cell is edited)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def new_workbook() -> Workbook:
    """An empty workbook (its default sheet removed)."""
    book = Workbook()
    book.remove(cast(Worksheet, book.active))  # a new workbook has its default sheet
    return book


def put(sheet, row: int, column: int, value=None):
    """Write a cell: text is always a string cell showing the same characters, never a formula
    (openpyxl would store `=...` as one), minus the control characters .xlsx cannot hold."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True  # Excel and WPS keep it text even after the cell is edited
    return cell


def sheet_title(text: str) -> str:
    """A valid sheet name: no []:*?/\\, at most 31 characters."""
    return _BAD_SHEET_CHARS.sub("-", text)[:31] or "Sheet"


def title_row(sheet, row: int, text: str, columns: int, size: int = 16, bold: bool = True,
              height: float = 32) -> None:
    """A merged row across `columns` holding a title or a line under it."""
    cell = put(sheet, row, 1, text)
    cell.font = Font(name=FONT, size=size, bold=bold)
    cell.alignment = CENTER if bold else LEFT
    if columns > 1:
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    sheet.row_dimensions[row].height = height


def boxed(cell, label: bool = False, center: bool = False):
    """Give a grid cell its border, font and alignment."""
    cell.border = BORDER
    cell.font = Font(name=FONT, size=11, bold=label)
    cell.alignment = CENTER if (label or center) else LEFT
    if label:
        cell.fill = LABEL_FILL
    return cell


def header_row(sheet, row: int, headers: list[str]) -> None:
    """Bold bordered column headers."""
    for column, text in enumerate(headers, start=1):
        boxed(put(sheet, row, column, text), label=True)
    sheet.row_dimensions[row].height = 30


def data_rows(sheet, first_row: int, rows: list[list]) -> None:
    """Bordered data rows from `first_row` on."""
    for offset, values in enumerate(rows):
        for column, value in enumerate(values, start=1):
            boxed(put(sheet, first_row + offset, column, value),
                  center=not isinstance(value, str) or len(value) <= 12)


def widths(sheet, values: Sequence[float]) -> None:
    """Column widths in characters."""
    for index, width in enumerate(values, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def table_sheet(book, name: str, title: str, headers: list[str], rows: list[list],
                column_widths: list[float]) -> None:
    """A sheet with a merged title row, a header row and bordered data rows."""
    sheet = book.create_sheet(sheet_title(name))
    title_row(sheet, 1, title, len(headers))
    header_row(sheet, 2, headers)
    data_rows(sheet, 3, rows)
    widths(sheet, column_widths)
    sheet.freeze_panes = "A3"


def to_bytes(book) -> bytes:
    """The workbook as .xlsx bytes."""
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
