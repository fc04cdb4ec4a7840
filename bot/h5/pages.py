"""The pages opened inside WeChat (/h5/): the gallery, each entry with its video, and voting.

- GET  /h5/gallery                  votable entries (poster, code, title; votes when shown)
- GET  /h5/entries/<code>           the entry: video player, synopsis, vote button
- POST /h5/entries/<code>/vote      cast a vote: CSRF token bound to the Flask session; the voter
                                    is the openid the session got from WeChat OAuth; the rules are
                                    bot.voting.cast_vote, exactly as in chat
- GET  /h5/login?next=/h5/...       send the browser to WeChat OAuth (snsapi_base)
- GET  /h5/oauth/callback           exchange WeChat's code for the openid, keep it in the session
- GET  /h5/media/<media_file_id>    the video (HTTP Range) of a votable entry
- GET  /h5/posters/<media_file_id>  its poster image (MEDIA_ROOT/posters/<id>.jpg)
- GET  /h5/quiz                     the knowledge quiz's leaderboard (bot.h5.leaderboard)

This module has the gallery and the entry page; the vote POST and the OAuth login are in
bot.h5.voting, the media in bot.h5.media, the blueprint and its error pages in bot.h5.blueprint.
Importing this module attaches every route to the `h5` blueprint (register_h5 adds it to an app).

Media conventions: the playable file of an entry is its latest MediaFile whose validation verdict
is `pass`; if MEDIA_ROOT/previews/<media_file_id>.mp4 exists (a web-friendly transcode) it is
served instead of the original; the poster is MEDIA_ROOT/posters/<media_file_id>.jpg (a
placeholder is shown while there is none).

Client address of a page vote: `request.remote_addr`, i.e. the TCP peer. X-Forwarded-For is not
read here because any client can send it; behind a reverse proxy that sets it, wrap the app in
werkzeug's ProxyFix (x_for = the number of trusted proxies) so remote_addr is the real client.

Bad input (unknown code, forged CSRF token or OAuth state, a used or invalid OAuth code) gets a
4xx with a Chinese page; WeChat unreachable gets a 502 page. Nothing here answers 500 on input.
"""
from typing import cast

from flask import redirect, render_template, url_for

from bot import voting as votes
from bot.contest import Category
from bot.db import session_scope
from bot.h5.blueprint import WEB_TEMPLATES, PageError, h5
from bot.h5.leaderboard import quiz_board
from bot.h5.media import BROWSER_VIDEO_TYPES, media, playable_files, poster, poster_url, video_of
from bot.h5.voting import (
    CSRF_KEY,
    NONCE_KEY,
    OPENID_KEY,
    OUTCOME_STATUS,
    STATE_MAX_AGE_S,
    STATE_MAX_LENGTH,
    csrf_token,
    current_openid,
    login,
    oauth_callback,
    vote,
)
from bot.models import Entry
from bot.services import current_services

__all__ = ["BROWSER_VIDEO_TYPES", "CSRF_KEY", "NONCE_KEY", "OPENID_KEY", "OUTCOME_STATUS",
           "STATE_MAX_AGE_S", "STATE_MAX_LENGTH", "WEB_TEMPLATES", "PageError", "csrf_token",
           "current_openid", "entry_page", "gallery", "h5", "index", "login", "media",
           "oauth_callback", "poster", "quiz_board", "register_h5", "vote"]


def register_h5(app) -> None:
    """Add the /h5/ pages to the app."""
    app.register_blueprint(h5)


# -- pages --------------------------------------------------------------------------------------

def _synopsis(contest, entry: Entry) -> str:
    for form_field in contest.form:
        if form_field.role == "synopsis" and entry.form.get(form_field.id):
            return str(entry.form[form_field.id])
    return ""


def _entry_or_404(db_session, contest, code: str) -> Entry:
    entry = votes.find_entry(db_session, contest.id, votes.normalize_code(code))
    if entry is None or entry.state not in votes.VOTABLE_STATES:
        raise PageError(404, "没有这个作品",
                        f"没有找到编号为“{votes.normalize_code(code)[:32]}”的参赛作品。")
    return entry


@h5.get("/")
def index():
    """The gallery is the start page."""
    return redirect(url_for("h5.gallery"), 302)


@h5.get("/gallery")
def gallery():
    """Every votable entry with its poster, code and title."""
    services = current_services()
    contest, now = services.contest, services.now()
    info = votes.window(contest, now)
    with session_scope(services.db) as db_session:
        entries = votes.votable_entries(db_session, contest.id)
        files = playable_files(db_session, [entry.id for entry in entries])
        show_counts = bool(info.voting and info.voting.show_standings)
        counts = votes.vote_counts(db_session, contest.id) if show_counts else {}
        cards = [{"code": entry.code, "title": entry.title or "",
                  "poster": poster_url(files.get(entry.id)),
                  "votes": counts.get(entry.id, 0)} for entry in entries]
    return render_template("gallery.html", contest=contest, info=info, cards=cards,
                           show_counts=show_counts)


@h5.get("/entries/<code>")
def entry_page(code: str):
    """One entry: the video, the synopsis and the vote button."""
    services = current_services()
    contest, now = services.contest, services.now()
    info = votes.window(contest, now)
    openid = current_openid()
    with session_scope(services.db) as db_session:
        entry = _entry_or_404(db_session, contest, code)
        media = playable_files(db_session, [entry.id]).get(entry.id)
        already = votes.votes_in_period(db_session, contest, openid, now) \
            if openid and info.state == "open" else []
        show_counts = bool(info.voting and info.voting.show_standings)
        count = votes.count_for(db_session, contest.id, entry.id) if show_counts else None
        page = {"code": entry.code, "title": entry.title or "",
                "synopsis": _synopsis(contest, entry),
                "category": (cast(Category, contest.category(entry.category)).name
                             if entry.category and contest.category(entry.category) else "")}
    return render_template("entry.html", contest=contest, info=info, entry=page,
                           video=video_of(media), votes=count, already=already,
                           identified=bool(openid), csrf=csrf_token())
