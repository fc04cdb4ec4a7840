"""Jury pages: judges see the finalists (blind unless the contest allows names), score them on
the contest's criteria and follow their progress; organizers see every score and import sheets."""
from flask import flash, redirect, render_template, request, url_for

from bot.console.auth import current_user
from bot.console.blueprint import (
    JUDGE,
    ORGANIZER,
    ConsoleError,
    allow,
    console,
    services,
    with_session,
)
from bot.console.entry_queries import answers, get_entry
from bot.console.score_import import import_scores
from bot.console.scoring import (
    entry_scores,
    judgeable,
    jury_entries,
    parse_sheet,
    save_scores,
    scores_by_judge,
)
from bot.models import Entry


def _scoring():
    contest = services().contest
    if contest.scoring is None:
        raise ConsoleError(404, "本赛事没有专业评审环节。", "没有评审")
    return contest, contest.scoring


@console.get("/jury")
@allow(ORGANIZER, JUDGE)
@with_session
def jury(db):
    """The finalists with this judge's progress."""
    contest, scoring = _scoring()
    mine = scores_by_judge(db, contest.id, current_user().username)
    criteria = [criterion.id for criterion in scoring.criteria]
    rows = []
    for entry in jury_entries(db, contest):
        sheet = mine.get(entry.id, {}).get(current_user().username, {})
        done = all(criterion in sheet for criterion in criteria)
        rows.append({"entry": entry, "done": done,
                     "total": sum(sheet.values()) if done else None})
    return render_template("console/jury.html", contest=contest, scoring=scoring, rows=rows,
                           done=sum(1 for row in rows if row["done"]))


def _judged_entry(db, contest, entry_id: int, lock: bool = False) -> Entry:
    entry = get_entry(db, contest.id, entry_id, lock=lock)
    if not judgeable(contest, entry):
        raise ConsoleError(404, "这个作品不在评审范围内。", "作品不存在")
    return entry


def _sheet_page(db, contest, entry, values: dict, errors: list, status: int = 200):
    blind = contest.scoring.blind_judging and current_user().role == JUDGE
    return render_template(
        "console/jury_entry.html", contest=contest, scoring=contest.scoring, entry=entry,
        answers=answers(contest, entry, judge_view=blind), blind=blind,
        values=values, errors=errors, can_score=current_user().role == JUDGE), status


@console.get("/jury/<int:entry_id>")
@allow(ORGANIZER, JUDGE)
@with_session
def jury_entry(db, entry_id: int):
    """One finalist as the jury sees it, with this judge's scoring sheet."""
    contest, _ = _scoring()
    entry = _judged_entry(db, contest, entry_id)
    sheet = scores_by_judge(db, contest.id, current_user().username).get(entry.id, {})
    values = {key: str(value) for key, value in sheet.get(current_user().username, {}).items()}
    return _sheet_page(db, contest, entry, values, [])


@console.post("/jury/<int:entry_id>")
@allow(JUDGE)
@with_session
def jury_score(db, entry_id: int):
    """Save this judge's points on every criterion (each within its maximum)."""
    contest, scoring = _scoring()
    entry = _judged_entry(db, contest, entry_id, lock=True)
    raw = {criterion.id: request.form.get(f"points-{criterion.id}", "")
           for criterion in scoring.criteria}
    points, errors = parse_sheet(scoring.criteria, raw)
    if errors:
        return _sheet_page(db, contest, entry, raw, errors, 400)
    user = current_user().username
    save_scores(db, entry, user, points, user, services().now(), "scores.saved")
    flash(f"作品{entry.code}的评分已保存（合计{sum(points.values())}分）。", "success")
    return redirect(url_for("console.jury"))


@console.get("/scores")
@with_session
def scores(db):
    """Every judge's totals per finalist, the mean and the jury score; the import form."""
    contest, scoring = _scoring()
    results = entry_scores(db, contest)
    judges = sorted({judge for result in results for judge in [*result.totals, *result.partial]})
    return render_template("console/scores.html", contest=contest, scoring=scoring,
                           results=results, judges=judges, errors=[])


@console.post("/scores/import")
@with_session
def scores_import(db):
    """Import a score sheet (.xlsx); nothing is saved when any row is bad."""
    contest, scoring = _scoring()
    upload = request.files.get("sheet")
    if upload is None or not upload.filename:
        raise ConsoleError(400, "请选择要导入的 .xlsx 文件。")
    result = import_scores(db, contest, upload.read(), current_user().username, services().now())
    if result.errors:
        db.rollback()
        results = entry_scores(db, contest)
        judges = sorted({j for r in results for j in [*r.totals, *r.partial]})
        return render_template("console/scores.html", contest=contest, scoring=scoring,
                               results=results, judges=judges, errors=result.errors), 400
    flash(f"已导入{result.imported}行评分。", "success")
    return redirect(url_for("console.scores"))
