"""Quiz uploads (organizers only): question bank versions (the list, a new version from .xlsx
or .csv, the template, each version's export) and the offline scores (线下, replaced whole).

An upload is all or nothing: on any bad row the page lists every error (第N行「列」：...) with
status 400 and nothing is stored.
"""
from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.console.auth import current_user
from bot.console.blueprint import MAX_UPLOAD_BYTES, ConsoleError, console, services, with_session
from bot.console.quiz import quiz_contest, quiz_xlsx
from bot.console.xlsx_quiz import bank_workbook, template_workbook
from bot.models.quiz import QuizBank, QuizParticipant, QuizQuestion
from bot.quiz import ranking
from bot.quiz.bank import HEADERS, BankError, export_rows, import_bank, parse_rows
from bot.quiz.offline import HEADERS as OFFLINE_HEADERS
from bot.quiz.offline import import_offline, parse_offline
from bot.quiz.sheets import read_table

SHEET_TYPES = (".xlsx", ".csv")  # what bot.quiz.sheets.read_table reads
OFFLINE_SHOWN = 200


def _upload(types: tuple[str, ...]) -> tuple[bytes, str]:
    """The uploaded file's bytes and its name (without any folder)."""
    upload = request.files.get("sheet")
    if upload is None or not upload.filename:
        raise ConsoleError(400, "请选择要上传的文件。")
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
    if not name.lower().endswith(types):
        raise ConsoleError(400, f"只能上传{'或'.join(types)}文件。")
    return upload.read(), name


def _versions(db, contest_id: str) -> list[dict]:
    counts = func.count(QuizQuestion.id)
    disabled = func.count(QuizQuestion.disabled_at)
    rows = db.execute(select(QuizBank, counts, disabled)
                      .outerjoin(QuizQuestion, QuizQuestion.bank_id == QuizBank.id)
                      .where(QuizBank.contest_id == contest_id).group_by(QuizBank.id)
                      .order_by(QuizBank.version.desc())).all()
    return [{"bank": bank, "questions": total, "disabled": off} for bank, total, off in rows]


def _bank_page(db, errors: list[str], status: int = 200):
    contest = quiz_contest()
    return render_template("console/quiz_bank.html", contest=contest, quiz=contest.quiz,
                           versions=_versions(db, contest.id), headers=HEADERS, errors=errors,
                           max_mb=MAX_UPLOAD_BYTES // (1024 * 1024)), status


@console.get("/quiz/bank")
@with_session
def quiz_bank(db):
    """Every bank version, newest first, and the upload form."""
    return _bank_page(db, [])


@console.post("/quiz/bank")
@with_session
def quiz_bank_upload(db):
    """Import a bank file as the next version; every error listed and nothing stored if bad."""
    contest = quiz_contest()
    data, name = _upload(SHEET_TYPES)
    try:
        rows = parse_rows(read_table(data, name))
        bank = import_bank(db, contest, rows, name, current_user().username, services().now())
        db.flush()
    except BankError as refused:
        db.rollback()
        return _bank_page(db, refused.errors, 400)
    except IntegrityError:
        raise ConsoleError(409, "另一位组织者刚刚导入了题库，请刷新页面后重试。") from None
    flash(f"已导入题库第{bank.version}版，共{len(rows)}题。之后开始的答题使用这一版，"
          "进行中的答题不受影响。", "success")
    return redirect(url_for("console.quiz_bank"))


@console.get("/quiz/bank/template.xlsx")
def quiz_bank_template():
    """The bank template: the header row and one example of each question type."""
    quiz_contest()
    return quiz_xlsx(template_workbook(), "题库模板")


@console.get("/quiz/bank/<int:version>.xlsx")
@with_session
def quiz_bank_export(db, version: int):
    """One bank version as the template's rows (importable back unchanged)."""
    contest = quiz_contest()
    bank = db.scalars(select(QuizBank).where(QuizBank.contest_id == contest.id,
                                             QuizBank.version == version)).first()
    if bank is None:
        raise ConsoleError(404, f"没有第{version}版题库。", "题库不存在")
    return quiz_xlsx(bank_workbook(export_rows(bank)), f"题库第{version}版")


def _offline_page(db, errors: list[str], status: int = 200):
    contest = quiz_contest()
    offline = [s for s in ranking.people(db, contest) if s.offline]
    return render_template("console/quiz_offline.html", contest=contest, quiz=contest.quiz,
                           headers=OFFLINE_HEADERS, errors=errors, offline=offline,
                           shown=offline[:OFFLINE_SHOWN],
                           max_mb=MAX_UPLOAD_BYTES // (1024 * 1024)), status


@console.get("/quiz/offline")
@with_session
def quiz_offline(db):
    """The offline scores now in the rankings, and the upload form."""
    return _offline_page(db, [])


@console.post("/quiz/offline")
@with_session
def quiz_offline_upload(db):
    """Replace the offline scores with the sheet's; every error listed and nothing changed."""
    contest = quiz_contest()
    data, name = _upload(SHEET_TYPES)
    before = db.scalar(select(func.count(QuizParticipant.id)).where(
        QuizParticipant.contest_id == contest.id, QuizParticipant.source == "offline"))
    try:
        rows = parse_offline(contest, read_table(data, name))
    except BankError as refused:
        db.rollback()
        return _offline_page(db, refused.errors, 400)
    count = import_offline(db, contest, rows, current_user().username, services().now())
    replaced = f"，替换了此前的{before}条" if before else ""
    flash(f"已导入{count}条线下成绩{replaced}。", "success")
    return redirect(url_for("console.quiz_offline"))
