"""Knowledge quiz pages (organizers only): the dashboard (participation, each question's
accuracy with disable and enable, the signals), and the rankings' .xlsx exports.

The question bank and the offline scores are in bot.console.quiz_bank. Every page answers 404
with a Chinese message when the contest has no quiz.
"""
import io
import logging

from flask import flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from bot.console.auth import current_user
from bot.console.blueprint import ConsoleError, console, services, with_session
from bot.console.xlsx_quiz import cities_workbook, people_workbook, units_workbook
from bot.console.xlsx_style import XLSX_MIME
from bot.models.quiz import QuizBank, QuizQuestion
from bot.quiz import ranking, signals, stats
from bot.quiz.bank import current_bank
from bot.quiz.people import window_at
from bot.quiz.scoring import set_question_enabled
from bot.quiz.stats import QuestionAccuracy

log = logging.getLogger(__name__)
SIGNAL_LABELS = {"fast_perfect": "用时过短的满分", "same_answers": "同一单位答案完全相同"}
WINDOW_LABELS = {"open": "进行中", "not_yet": "未开始", "closed": "已结束"}


def quiz_contest():
    """The contest, when it has a quiz; else a 404 page that says so."""
    contest = services().contest
    if contest.quiz is None:
        raise ConsoleError(404, "本赛事没有知识竞赛。", "没有知识竞赛")
    return contest


def quiz_xlsx(data: bytes, name: str):
    """An .xlsx download named after the contest."""
    log.info("console export %s by user %s", name, current_user().id)
    return send_file(io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True, max_age=0,
                     download_name=f"{services().contest.short_name}-{name}.xlsx")


def worst_first(rows: list[QuestionAccuracy]) -> list[QuestionAccuracy]:
    """Questions answered by someone, lowest accuracy first; then those nobody reached yet."""
    return sorted(rows, key=lambda row: (row.answered == 0, row.rate, row.question.number))


def _shown_bank(db, contest) -> QuizBank | None:
    wanted = request.args.get("version", "")
    if not wanted:
        return current_bank(db, contest.id)
    if not wanted.isdigit():
        raise ConsoleError(400, "题库版本号无效。")
    bank = db.scalars(select(QuizBank).where(QuizBank.contest_id == contest.id,
                                             QuizBank.version == int(wanted))).first()
    if bank is None:
        raise ConsoleError(404, f"没有第{wanted}版题库。", "题库不存在")
    return bank


@console.get("/quiz")
@with_session
def quiz_dashboard(db):
    """Participation, the bank version's accuracy per question (worst first), the signals."""
    contest = quiz_contest()
    bank = _shown_bank(db, contest)
    accuracy = worst_first(stats.question_accuracy(db, bank.id)) if bank else []
    return render_template(
        "console/quiz.html", contest=contest, quiz=contest.quiz,
        window=window_at(contest, services().now()), window_labels=WINDOW_LABELS,
        figures=stats.participation(db, contest), bank=bank, accuracy=accuracy,
        latest=current_bank(db, contest.id), signals=signals.signals(db, contest),
        signal_labels=SIGNAL_LABELS)


def _question(db, contest, question_id: int) -> QuizQuestion:
    question = db.get(QuizQuestion, question_id)
    if question is None or question.bank.contest_id != contest.id:
        raise ConsoleError(404, "没有找到这道题。", "题目不存在")
    return question


def _set_enabled(db, question_id: int, enabled: bool):
    contest = quiz_contest()
    question = _question(db, contest, question_id)
    was_enabled = question.disabled_at is None
    version = question.bank.version
    if was_enabled == enabled:
        flash(f"第{version}版第{question.number}行的题目已经是"
              f"{'启用' if enabled else '停用'}状态。", "warning")
        return redirect(url_for("console.quiz_dashboard", version=version))
    rescored = set_question_enabled(db, question.id, enabled, current_user().username,
                                    services().now())
    done = "恢复启用" if enabled else "停用"
    flash(f"已{done}第{version}版第{question.number}行的题目，重新计算了{rescored}份答卷的成绩。",
          "success")
    return redirect(url_for("console.quiz_dashboard", version=version))


@console.post("/quiz/questions/<int:question_id>/disable")
@with_session
def quiz_question_disable(db, question_id: int):
    """Disable a (wrong) question: it no longer counts for anyone; attempts are rescored."""
    return _set_enabled(db, question_id, False)


@console.post("/quiz/questions/<int:question_id>/enable")
@with_session
def quiz_question_enable(db, question_id: int):
    """Enable a disabled question again; attempts are rescored."""
    return _set_enabled(db, question_id, True)


@console.get("/quiz/export/people.xlsx")
@with_session
def quiz_export_people(db):
    """获奖名单 / 个人排名: everyone by the attempt that counts, names in full."""
    contest = quiz_contest()
    return quiz_xlsx(people_workbook(contest.quiz, ranking.people(db, contest)),
                     "知识竞赛个人排名")


@console.get("/quiz/export/units.xlsx")
@with_session
def quiz_export_units(db):
    """单位排名 by the contest's rule (average or total, with its minimum of members)."""
    contest = quiz_contest()
    rule = contest.quiz.ranking.units
    if rule is None:
        raise ConsoleError(404, "本赛事的知识竞赛不设单位排名。", "没有单位排名")
    groups = ranking.units(ranking.people(db, contest), rule)
    return quiz_xlsx(units_workbook(contest.quiz, groups), "知识竞赛单位排名")


@console.get("/quiz/export/cities.xlsx")
@with_session
def quiz_export_cities(db):
    """城市排名 by average score."""
    contest = quiz_contest()
    groups = ranking.cities(ranking.people(db, contest))
    return quiz_xlsx(cities_workbook(contest.quiz, groups), "知识竞赛城市排名")
