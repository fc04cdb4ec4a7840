"""Importing jury scores from an .xlsx sheet: 作品编号, 评委, then one column per criterion name.

Columns are found by their header (the first row among the first five holding 作品编号 and 评委,
so a title row above it is fine), in any order; other columns (作品名称, 合计) are ignored, so
the scores export (评分明细) can be filled in and imported back. Every row is checked first;
one bad row and nothing is imported (the reasons are listed by row number).
"""
import io
import unicodedata
import zipfile
from dataclasses import dataclass

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select

from bot import audit
from bot.console.blueprint import ConsoleError
from bot.console.scoring import judgeable, parse_points, save_scores
from bot.models import Entry

CODE_HEADER, JUDGE_HEADER = "作品编号", "评委"
MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 5


@dataclass
class ImportResult:
    """What an import did, or why it did nothing."""

    imported: int = 0
    errors: list | None = None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def read_rows(data: bytes) -> list[tuple]:
    """The first sheet's rows as tuples of cell values; ConsoleError 400 if it is no .xlsx."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        raise ConsoleError(400, "文件不是有效的 .xlsx 表格，请用 Excel 或 WPS 另存为 .xlsx 后再上传。"
                           ) from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        return [tuple(row) for _, row in zip(range(MAX_ROWS + 2), rows, strict=False)]
    finally:
        book.close()


def _columns(header: tuple, criteria) -> dict:
    names = [_text(cell) for cell in header]
    wanted = [CODE_HEADER, JUDGE_HEADER] + [criterion.name for criterion in criteria]
    missing = [name for name in wanted if name not in names]
    if missing:
        raise ConsoleError(400, "表头缺少以下列：" + "、".join(missing) +
                           f"。表头行须包含：{'、'.join(wanted)}。")
    return {name: names.index(name) for name in wanted}


def _header_index(rows: list[tuple]) -> int:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = {_text(cell) for cell in row}
        if CODE_HEADER in names and JUDGE_HEADER in names:
            return index
    return 0


def check_rows(db, contest, rows: list[tuple]) -> tuple[list, list[str]]:
    """Checked rows [(entry, judge, points)] and the reasons of bad rows."""
    if not rows:
        raise ConsoleError(400, "表格是空的。")
    if len(rows) > MAX_ROWS + 1:
        raise ConsoleError(400, f"表格超过{MAX_ROWS}行，请分批导入。")
    criteria = contest.scoring.criteria
    start = _header_index(rows)
    columns = _columns(rows[start], criteria)
    entries = {entry.code: entry for entry in db.scalars(
        select(Entry).where(Entry.contest_id == contest.id, Entry.code.is_not(None)))}
    good, errors = [], []
    seen: set[tuple[str, str]] = set()  # (code, judge)
    for number, row in enumerate(rows[start + 1:], start=start + 2):
        cells = {name: row[index] if index < len(row) else None for name, index in columns.items()}
        if all(_text(value) == "" for value in cells.values()):
            continue
        checked, reasons = _check_row(contest, entries, criteria, cells, seen)
        errors += [f"第{number}行：{reason}" for reason in reasons]
        if checked:
            good.append(checked)
    if not good and not errors:
        raise ConsoleError(400, "表格中没有评分数据。")
    return good, errors


def _check_row(contest, entries, criteria, cells, seen):
    code, judge = _text(cells[CODE_HEADER]), _text(cells[JUDGE_HEADER])
    entry, reasons = entries.get(code), []
    if not code:
        reasons.append("缺少作品编号")
    elif entry is None:
        reasons.append(f"没有编号为{code[:20]}的作品")
    elif not judgeable(contest, entry):
        reasons.append(f"作品{code}不在评审范围内（未入围）")
    if not judge or len(judge) > 64:
        reasons.append("评委姓名须为1-64个字")
    elif (code, judge) in seen:
        reasons.append(f"作品{code}的评委“{judge}”重复出现")
    seen.add((code, judge))
    points = {}
    for criterion in criteria:
        value, reason = parse_points(criterion, cells[criterion.name])
        reasons += [reason] if reason else []
        points[criterion.id] = value
    return (None if reasons else (entry, judge, points)), reasons


def import_scores(db, contest, data: bytes, actor: str, at) -> ImportResult:
    """Check the whole sheet, then save every row, or nothing when any row is bad."""
    if contest.scoring is None:
        raise ConsoleError(409, "本赛事没有专业评审。")
    good, errors = check_rows(db, contest, read_rows(data))
    if errors:
        return ImportResult(0, errors)
    for entry, judge, points in good:
        save_scores(db, entry, judge, points, actor, at, "scores.imported")
    audit.record(db, actor, "scores.imported", "contest", contest.id, at, rows=len(good))
    return ImportResult(len(good), [])
