"""Entry pages: the filtered list, the detail page, screening (初审) and 入围, the video file."""
from flask import flash, redirect, render_template, request, send_file, url_for

from bot.console import screening
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
from bot.console.entry_queries import (
    PAGE_SIZE,
    EntryFilters,
    answers,
    get_entry,
    history,
    list_entries,
    media_history,
)
from bot.console.scoring import judgeable
from bot.models import MediaFile
from bot.video.store import media_root, poster_path

MIME_TYPES = {"mp4": "video/mp4", "mov": "video/mp4", "m4v": "video/mp4", "webm": "video/webm",
              "mkv": "video/x-matroska", "avi": "video/x-msvideo", "mpg": "video/mpeg",
              "wmv": "video/x-ms-wmv", "flv": "video/x-flv", "3gp": "video/3gpp"}


@console.get("/entries")
@with_session
def entries(db):
    """Every confirmed entry, filtered and searched."""
    contest = services().contest
    filters = EntryFilters.from_args(request.args, contest)
    rows, total = list_entries(db, contest.id, filters)
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template("console/entries.html", contest=contest, rows=rows, total=total,
                           filters=filters, pages=pages)


@console.get("/entries/<int:entry_id>")
@with_session
def entry_detail(db, entry_id: int):
    """One entry: form answers, video, probe report and findings, history, screening."""
    contest = services().contest
    entry = get_entry(db, contest.id, entry_id)
    media = media_history(db, entry)
    current = next((pair for pair in media if pair[0].id == entry.current_media_file_id), None)
    return render_template(
        "console/entry.html", contest=contest, entry=entry, answers=answers(contest, entry),
        media=media, current=current, history=history(db, entry),
        manual_checks=contest.video_rules_for(entry.category).manual_checks,
        can_approve=entry.state in screening.LEAVES["approved"],
        can_reject=entry.state in screening.LEAVES["rejected"],
        selects_finalists=bool(contest.scoring and contest.scoring.finalists == "selected"))


@console.post("/entries/<int:entry_id>/screen")
@with_session
def screen_entry(db, entry_id: int):
    """Approve or reject the entry with a reason; queue the message to the entrant."""
    svc = services()
    entry, line = screening.screen(db, svc.contest, entry_id, request.form.get("decision", ""),
                                   request.form.get("reason", ""), current_user().username,
                                   svc.now())
    db.commit()
    if screening.queue_push(svc.jobs, entry.id, entry.state, line.detail["reason"], str(line.id)):
        flash(f"作品{entry.code}已设为“{'初审通过' if entry.state == 'approved' else '初审未通过'}”，"
              "通知已排队发送给参赛者。", "success")
    return redirect(url_for("console.entry_detail", entry_id=entry.id))


@console.post("/entries/<int:entry_id>/finalist")
@with_session
def finalist_entry(db, entry_id: int):
    """Mark (or unmark) an approved entry as a finalist."""
    svc = services()
    mark = request.form.get("mark") == "1"
    entry = screening.set_finalist(db, svc.contest, entry_id, mark, current_user().username,
                                   svc.now())
    flash(f"作品{entry.code}{'已设为入围' if mark else '已取消入围'}。", "success")
    return redirect(url_for("console.entry_detail", entry_id=entry.id))


def _media_for_viewer(db, media_id: int) -> MediaFile:
    contest = services().contest
    media = db.get(MediaFile, media_id)
    if media is None or media.entry.contest_id != contest.id:
        raise ConsoleError(404, "没有找到这个视频。")
    if current_user().role != ORGANIZER and not judgeable(contest, media.entry):
        raise ConsoleError(403, "评委只能查看入围作品的视频。", "没有权限")
    return media


@console.get("/media/<int:media_id>")
@allow(ORGANIZER, JUDGE)
@with_session
def media_file(db, media_id: int):
    """The video file, with Range support for the player."""
    media = _media_for_viewer(db, media_id)
    root = media_root(services().settings)
    path = (root / media.path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise ConsoleError(404, "视频文件已不在服务器上。")
    container = (media.validation.probe or {}).get("container_label") if media.validation else None
    mimetype = MIME_TYPES.get(container or "", media.content_type or "application/octet-stream")
    return send_file(path, mimetype=mimetype, conditional=True, max_age=0,
                     download_name=f"{media.entry.code}-{media.id}.{container or 'video'}")


@console.get("/media/<int:media_id>/poster.jpg")
@allow(ORGANIZER, JUDGE)
@with_session
def media_poster(db, media_id: int):
    """The poster frame of a validated video."""
    media = _media_for_viewer(db, media_id)
    path = poster_path(media_root(services().settings), media.id)
    if not path.is_file():
        raise ConsoleError(404, "这个视频没有封面图。")
    return send_file(path, mimetype="image/jpeg", conditional=True, max_age=0)
