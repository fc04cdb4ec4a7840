"""Reading the organizer's spreadsheets (.xlsx, or UTF-8 .csv) as rows of cell values."""
import io
import zipfile

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from bot.quiz.bank import BankError, read_csv_rows

MAX_ROWS = 5000


def read_table(data: bytes, filename: str = "") -> list[tuple]:
    """The first sheet's rows (or the CSV's); BankError when the file is neither, or when a
    formula has no computed value saved with it (it would read as an empty cell)."""
    if filename.lower().endswith(".csv"):
        return read_csv_rows(data)
    values = _rows(data, data_only=True)
    formulas = _rows(data, data_only=False)
    unsaved = [(row, column) for row, (cells, raw) in enumerate(zip(values, formulas,
                                                                    strict=False), 1)
               for column, (cell, text) in enumerate(zip(cells, raw, strict=False), 1)
               if cell is None and isinstance(text, str) and text.startswith("=")]
    if unsaved:
        raise BankError([f"第{row}行第{column}列是公式，但文件里没有保存它的计算结果：请在 Excel 或"
                         " WPS 中打开后另存为 .xlsx，或把公式换成数值。" for row, column in unsaved[:20]])
    return values


def _rows(data: bytes, data_only: bool) -> list[tuple]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        raise BankError(["文件不是有效的 .xlsx 表格，请用 Excel 或 WPS 另存为 .xlsx 后再上传。"]
                        ) from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        return [tuple(row) for _, row in zip(range(MAX_ROWS + 6), rows, strict=False)]
    finally:
        book.close()
