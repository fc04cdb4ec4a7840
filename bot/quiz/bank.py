"""The question bank: its spreadsheet template (题型, 题干, 选项A-F, 答案, 解析, 分类, 分值),
every row checked with a reason naming the row and the column, and versions.

An import is all or nothing: one bad row and nothing is stored. Each import is a new version;
an attempt keeps the version it started with, so a bank changed mid-quiz changes no attempt.
"""
import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit
from bot.contest.quiz_rules import shipped_bank_path
from bot.db import session_scope
from bot.models.quiz import QuestionKind, QuizBank, QuizQuestion

LETTERS = "ABCDEF"
HEADERS = ["题型", "题干", *(f"选项{letter}" for letter in LETTERS), "答案", "解析", "分类", "分值"]
REQUIRED = ("题型", "题干", "答案")
MAX_ROWS = 3000
HEADER_SEARCH_ROWS = 5
LIMITS = {"题干": 300, "选项": 120, "解析": 600, "分类": 32}
KIND_WORDS = {"单选": QuestionKind.SINGLE, "单选题": QuestionKind.SINGLE, "单项选择题": QuestionKind.SINGLE,
              "多选": QuestionKind.MULTIPLE, "多选题": QuestionKind.MULTIPLE,
              "多项选择题": QuestionKind.MULTIPLE, "判断": QuestionKind.JUDGE,
              "判断题": QuestionKind.JUDGE}
TRUE_WORDS = {"对", "√", "✓", "正确", "是", "T", "TRUE", "Y"}
FALSE_WORDS = {"错", "×", "✗", "x", "X", "错误", "否", "F", "FALSE", "N"}
UNCATEGORISED = "未分类"


class BankError(ValueError):
    """The file cannot be imported; `errors` lists every reason (row and column named)."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors[:3]))
        self.errors = errors


@dataclass(frozen=True)
class BankRow:
    """One checked question, as it will be stored."""

    number: int
    kind: QuestionKind
    stem: str
    options: tuple[str, ...]
    answer: str
    explanation: str
    category: str
    points: int


def cell_text(value) -> str:
    """A spreadsheet cell as text: NFC, trimmed; 10.0 read as 10."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def read_csv_rows(data: bytes) -> list[tuple]:
    """The rows of a UTF-8 CSV file (with or without a BOM) with the template's columns."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BankError(["文件不是 UTF-8 编码的 CSV，请用 Excel 另存为 .xlsx 后导入。"]) from None
    return [tuple(row) for row in csv.reader(io.StringIO(text))]


def parse_rows(rows: list[tuple]) -> list[BankRow]:
    """Check every row; BankError listing each problem (第N行「列」：reason) if any is bad."""
    header_at = _header_index(rows)
    columns = _columns(rows[header_at] if rows else ())
    body = [(number, row) for number, row in enumerate(rows[header_at + 1:], header_at + 2)
            if any(cell_text(cell) for cell in row)]
    if len(body) > MAX_ROWS:
        raise BankError([f"题库最多{MAX_ROWS}道题，这个文件有{len(body)}行。"])
    errors: list[str] = []
    questions: list[BankRow] = []
    stems: dict[str, int] = {}
    for number, row in body:
        values = {name: cell_text(row[index]) if index < len(row) else ""
                  for name, index in columns.items()}
        try:
            question = parse_row(number, values)
        except BankError as bad:
            errors.extend(bad.errors)
            continue
        if question.stem in stems:
            errors.append(f"第{number}行「题干」：与第{stems[question.stem]}行的题目重复。")
        stems.setdefault(question.stem, number)
        questions.append(question)
    if not body and not errors:
        errors.append("表格里没有题目：表头下面一行一道题。")
    if errors:
        raise BankError(errors)
    return questions


def _header_index(rows: list[tuple]) -> int:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if {"题型", "题干"} <= {cell_text(cell) for cell in row}:
            return index
    return 0


def _columns(header: tuple) -> dict[str, int]:
    names = [cell_text(cell) for cell in header]
    missing = [name for name in REQUIRED + ("选项A", "选项B") if name not in names]
    if missing:
        raise BankError([f"表头缺少以下列：{'、'.join(missing)}。表头须为：{'、'.join(HEADERS)}。"])
    return {name: names.index(name) for name in HEADERS if name in names}


def parse_row(number: int, values: dict[str, str]) -> BankRow:
    """One row of the template, checked; BankError with every problem of the row."""
    errors = []

    def bad(column: str, reason: str) -> None:
        errors.append(f"第{number}行「{column}」：{reason}")

    kind = KIND_WORDS.get(values.get("题型", ""))
    if kind is None:
        bad("题型", f"“{values.get('题型', '')[:10]}”不是单选、多选或判断。")
    stem = values.get("题干", "")
    _check_length(bad, "题干", stem, required=True)
    options = _options(bad, values, kind)
    answer = _answer(bad, values.get("答案", ""), kind, len(options))
    explanation, category = values.get("解析", ""), values.get("分类", "") or UNCATEGORISED
    _check_length(bad, "解析", explanation)
    _check_length(bad, "分类", category)
    points = _points(bad, values.get("分值", ""))
    if errors or kind is None:
        raise BankError(errors)
    return BankRow(number, kind, stem, tuple(options), answer, explanation, category, points)


def _check_length(bad, column: str, value: str, required: bool = False) -> None:
    limit = LIMITS["选项" if column.startswith("选项") else column]
    if required and not value:
        bad(column, "不能为空。")
    elif len(value) > limit:
        bad(column, f"不能超过{limit}字（现有{len(value)}字）。")


def _options(bad, values: dict[str, str], kind: QuestionKind | None) -> list[str]:
    given = [values.get(f"选项{letter}", "") for letter in LETTERS]
    last = max((index for index, text in enumerate(given) if text), default=-1)
    options = given[:last + 1]
    for index, text in enumerate(options):
        column = f"选项{LETTERS[index]}"
        if not text:
            bad(column, "选项要从A起连续填写，中间不能空着。")
        _check_length(bad, column, text)
    if kind is QuestionKind.JUDGE:
        if options:
            bad("选项A", "判断题不填选项（答案写“对”或“错”）。")
        return []
    least = 3 if kind is QuestionKind.MULTIPLE else 2
    if kind is not None and len(options) < least:
        bad("选项A", f"{kind.value}题至少要有{least}个选项。")
    if len(set(options)) < len(options):
        bad("选项A", "有两个选项完全相同。")
    return options


def _answer(bad, text: str, kind: QuestionKind | None, option_count: int) -> str:
    word = unicodedata.normalize("NFKC", text).strip()
    if kind is QuestionKind.JUDGE:
        if word.upper() in TRUE_WORDS or word in TRUE_WORDS:
            return "对"
        if word.upper() in FALSE_WORDS or word in FALSE_WORDS:
            return "错"
        bad("答案", "判断题的答案写“对”或“错”。")
        return ""
    letters = re.sub(r"[\s,，、;；/]", "", word).upper()
    if not letters:
        bad("答案", "不能为空。")
        return ""
    known = LETTERS[:option_count]
    wrong = [letter for letter in letters if letter not in known]
    if wrong:
        bad("答案", f"“{text[:8]}”里的{''.join(wrong)}不是已填写的选项（{known or '无'}）。")
    elif len(set(letters)) < len(letters):
        bad("答案", "同一个字母写了两次。")
    elif kind is QuestionKind.SINGLE and len(letters) != 1:
        bad("答案", "单选题只有一个正确选项。")
    elif kind is QuestionKind.MULTIPLE and len(letters) < 2:
        bad("答案", "多选题至少有两个正确选项。")
    return "".join(sorted(set(letters)))


def _points(bad, text: str) -> int:
    if not text:
        return 10
    if not text.isdigit() or not 1 <= int(text) <= 100:
        bad("分值", "请填1到100之间的整数（空着为10分）。")
        return 10
    return int(text)


def check_fits(quiz, questions: list) -> None:
    """BankError when the bank cannot fill an attempt as the contest's draw rules ask."""
    errors = []
    if len(questions) < quiz.questions:
        errors.append(f"题库只有{len(questions)}道题，少于每次答题的{quiz.questions}道。")
    for kind, wanted in quiz.type_counts().items():
        have = sum(1 for q in questions if q.kind == kind)
        if have < wanted:
            errors.append(f"题库中{kind}题只有{have}道，少于每次抽取的{wanted}道。")
    if errors:
        raise BankError(errors)


def import_bank(session: Session, contest, rows: list[BankRow], source: str, actor: str,
                at) -> QuizBank:
    """Store the rows as the contest's next bank version (the one new attempts draw from)."""
    check_fits(contest.quiz, rows)
    version = (session.scalar(select(func.max(QuizBank.version)).where(
        QuizBank.contest_id == contest.id)) or 0) + 1
    bank = QuizBank(contest_id=contest.id, version=version, source=source[:255],
                    created_by=actor, created_at=at)
    session.add(bank)
    session.flush()
    session.add_all(QuizQuestion(bank_id=bank.id, number=row.number, kind=row.kind.value,
                                 stem=row.stem, options=list(row.options), answer=row.answer,
                                 explanation=row.explanation, category=row.category,
                                 points=row.points) for row in rows)
    audit.record(session, actor, "quiz.bank_imported", "quiz_bank", bank.id, at,
                 contest=contest.id, version=version, questions=len(rows), source=source[:255])
    return bank


def current_bank(session: Session, contest_id: str) -> QuizBank | None:
    """The newest bank version of the contest (new attempts draw from it), or None."""
    return session.scalars(select(QuizBank).where(QuizBank.contest_id == contest_id)
                           .order_by(QuizBank.version.desc()).limit(1)).first()


def ensure_bank(services) -> int:
    """The id of the bank new attempts draw from: the newest imported version, or else the
    bank the contest YAML ships (config/quiz/<bank>.csv), imported now as version 1."""
    contest = services.contest
    with session_scope(services.db) as session:
        bank = current_bank(session, contest.id)
        if bank is not None:
            return bank.id
    if contest.quiz.bank is None:
        raise BankError(["本赛事还没有导入题库。"])
    path = shipped_bank_path(contest.quiz.bank)
    rows = parse_rows(read_csv_rows(path.read_bytes()))
    try:
        with session_scope(services.db) as session:
            return import_bank(session, contest, rows, path.name, "system:config",
                               services.now()).id
    except IntegrityError:  # another process imported it at the same moment
        with session_scope(services.db) as session:
            return session.scalars(select(QuizBank.id).where(QuizBank.contest_id == contest.id)
                                   .order_by(QuizBank.version.desc()).limit(1)).one()


def export_rows(bank: QuizBank) -> list[list]:
    """The bank as it is drawn from, as template rows (the header first), for the .xlsx export:
    disabled questions are left out, so the export imported again is the bank in use."""
    rows: list[list] = [list(HEADERS)]
    for question in bank.questions:
        if question.disabled_at is not None:
            continue
        options = list(question.options) + [""] * (len(LETTERS) - len(question.options))
        rows.append([question.kind, question.stem, *options, question.answer,
                     question.explanation, question.category, question.points])
    return rows
