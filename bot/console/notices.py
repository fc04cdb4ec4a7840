"""Broadcasts and results pages, on the notices issue's API (bot.delivery.broadcasts, bot.results.sheet,
bot.results.publication): compose → preview with the audience size → confirm (or cancel) → progress;
compute the results table → review → publish."""
from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bot import audit
from bot.console.auth import current_user
from bot.console.blueprint import ConsoleError, console, services, with_session
from bot.console.results_readiness import readiness
from bot.delivery import broadcasts
from bot.models import AUDIENCES, Broadcast, ResultSheet
from bot.results import publication
from bot.results import sheet as results

AUDIENCE_LABELS = {"followers": "全部关注者", "entrants": "全部参赛者",
                   "entrants_without_video": "尚未提交视频的参赛者", "refused": "视频未通过检查的参赛者",
                   "voters": "参与投票的用户", "finalists": "入围作品的参赛者",
                   "quiz_participants": "知识竞赛参与者"}
MAX_TEXT = 600


def audience_labels(contest) -> dict[str, str]:
    """The audiences this contest has (知识竞赛参与者 only with a quiz), by their labels."""
    return {key: label for key, label in AUDIENCE_LABELS.items()
            if key != "quiz_participants" or contest.quiz is not None}


def _broadcast(db, broadcast_id: int) -> Broadcast:
    broadcast = db.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.contest_id != services().contest.id:
        raise ConsoleError(404, "没有找到这条群发消息。")
    return broadcast


@console.get("/broadcasts")
@with_session
def broadcasts_page(db):
    """Every broadcast of the contest and the form for a new one."""
    rows = db.scalars(select(Broadcast).where(Broadcast.contest_id == services().contest.id)
                      .order_by(Broadcast.id.desc())).all()
    return render_template("console/broadcasts.html", contest=services().contest, rows=rows,
                           audiences=audience_labels(services().contest), max_text=MAX_TEXT)


@console.post("/broadcasts")
def broadcast_create():
    """Save a draft; nothing is sent before it is confirmed."""
    audience = request.form.get("audience", "")
    text = (request.form.get("text") or "").strip()
    if audience not in AUDIENCES:
        raise ConsoleError(400, "请选择接收对象。")
    if not text or len(text) > MAX_TEXT:
        raise ConsoleError(400, f"请填写消息内容（{MAX_TEXT}字以内）。")
    broadcast_id = broadcasts.create_broadcast(services(), audience=audience, text=text,
                                               created_by=current_user().username)
    return redirect(url_for("console.broadcast_page", broadcast_id=broadcast_id))


@console.get("/broadcasts/<int:broadcast_id>")
@with_session
def broadcast_page(db, broadcast_id: int):
    """A draft's preview (text, audience, size) or a sent broadcast's progress."""
    broadcast = _broadcast(db, broadcast_id)
    svc = services()
    details = (broadcasts.preview(svc, broadcast.id) if broadcast.state == "draft"
               else broadcasts.progress(svc, broadcast.id))
    return render_template("console/broadcast.html", contest=svc.contest, broadcast=broadcast,
                           details=details, audiences=AUDIENCE_LABELS)


@console.post("/broadcasts/<int:broadcast_id>/confirm")
@with_session
def broadcast_confirm(db, broadcast_id: int):
    """Fix the recipients and queue the sending."""
    broadcast = _broadcast(db, broadcast_id)
    db.rollback()
    try:
        broadcasts.confirm_broadcast(services(), broadcast.id, current_user().username)
    except ValueError:
        raise ConsoleError(409, "这条群发已取消，不能再发送。") from None
    flash("已确认群发，正在发送。", "success")
    return redirect(url_for("console.broadcast_page", broadcast_id=broadcast.id))


@console.post("/broadcasts/<int:broadcast_id>/cancel")
@with_session
def broadcast_cancel(db, broadcast_id: int):
    """Drop a draft (a confirmed broadcast cannot be called back)."""
    broadcast = _broadcast(db, broadcast_id)
    db.rollback()
    done = broadcasts.cancel_broadcast(services(), broadcast.id, current_user().username)
    flash("群发已取消。" if done else "已确认的群发不能取消。", "success" if done else "warning")
    return redirect(url_for("console.broadcast_page", broadcast_id=broadcast.id))


@console.get("/results")
@with_session
def results_page(db):
    """The results tables computed so far, and the review of one (the latest by default)."""
    contest = services().contest
    sheets = db.scalars(select(ResultSheet).where(ResultSheet.contest_id == contest.id)
                        .order_by(ResultSheet.id.desc())).all()
    wanted = request.args.get("sheet", "")
    if wanted and not wanted.isdigit():
        raise ConsoleError(400, "结果表编号无效。")
    chosen = next((s for s in sheets if str(s.id) == wanted), None) if wanted else \
        (sheets[0] if sheets else None)
    if wanted and chosen is None:
        raise ConsoleError(404, "没有找到这张结果表。")
    review = publication.review(services(), chosen.id) if chosen else None
    ready = readiness(services(), db, review) if review else None
    return render_template("console/results.html", contest=contest, sheets=sheets,
                           review=review, ready=ready,
                           published=publication.published_sheet_id(services()))


@console.post("/results/compute")
def results_compute():
    """Compute a new results table from the current scores and votes (not published)."""
    if services().contest.scoring is None:
        raise ConsoleError(409, "本赛事没有评分规则，无法计算结果。")
    sheet_id = results.compute_results(services(), current_user().username)
    flash("已按赛事规则计算结果，请核对后公布。", "success")
    return redirect(url_for("console.results_page", sheet=sheet_id))


@console.post("/results/<int:sheet_id>/publish")
@with_session
def results_publish(db, sheet_id: int):
    """Publish a computed table; every entrant is then told their own result."""
    sheet = db.get(ResultSheet, sheet_id)
    if sheet is None or sheet.contest_id != services().contest.id:
        raise ConsoleError(404, "没有找到这张结果表。")
    _check_publish_confirmed(db, sheet)
    db.rollback()
    try:
        publication.publish_results(services(), sheet_id, current_user().username)
    except ValueError:
        raise ConsoleError(409, "这张结果表已被新的计算取代，或本赛事结果已公布。") from None
    flash("结果已公布，正在通知每位参赛者。", "success")
    return redirect(url_for("console.results_page", sheet=sheet_id))


def _check_publish_confirmed(db, sheet) -> None:
    """Refuse unless the organizer confirmed the audience size and, if scores are missing,
    ticked the override (which is audited)."""
    ready = readiness(services(), db, publication.review(services(), sheet.id))
    if request.form.get("confirm") != "yes" or \
            request.form.get("notify_count") != str(ready.notified_entries):
        raise ConsoleError(400, f"请勾选确认后再公布：公布后将通知{ready.notified_entries}件作品的"
                                f"参赛者（{ready.notified_people}人）。")
    if not ready.blocking:
        return
    if request.form.get("override") != "yes":
        raise ConsoleError(409, "以下作品没有评审得分：" + "、".join(ready.unscored)
                           + "。请先完成评分；确需公布请勾选“缺少评分仍公布”。")
    audit.record(db, current_user().username, "results.publish_override", "result_sheet",
                 sheet.id, services().now(), unscored=ready.unscored,
                 unfinished_judges=len(ready.unfinished_judges))
    db.commit()
