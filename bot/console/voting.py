"""Vote pages: totals per entry (invalidated votes left out), the fraud signals of
bot.voting.fraud, every vote of an entry, and invalidation with a reason (bot.voting)."""
from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from bot import voting as votes
from bot.console.auth import current_user
from bot.console.blueprint import ConsoleError, console, services, with_session
from bot.console.entry_queries import get_entry
from bot.models import Vote, VoteInvalidation
from bot.voting import fraud as vote_fraud

MAX_REASON = 200
MAX_IDS = 1000


def invalidated_counts(db, contest_id: str) -> dict[int, int]:
    """Invalidated votes per entry id."""
    rows = db.execute(select(Vote.entry_id, func.count(Vote.id))
                      .join(VoteInvalidation, VoteInvalidation.vote_id == Vote.id)
                      .where(Vote.contest_id == contest_id).group_by(Vote.entry_id))
    return dict(rows.all())


@console.get("/votes")
@with_session
def votes_overview(db):
    """Standings by valid votes, invalidated counts, and entries with fraud signals."""
    svc = services()
    contest = svc.contest
    if contest.voting is None:
        raise ConsoleError(404, "本赛事没有网络投票。", "没有投票")
    return render_template(
        "console/votes.html", contest=contest, window=votes.window(contest, svc.now()),
        standings=votes.standings(db, contest), invalidated=invalidated_counts(db, contest.id),
        report=vote_fraud.fraud_report(db, contest))


@console.get("/votes/entries/<int:entry_id>")
@with_session
def entry_votes(db, entry_id: int):
    """Every vote of one entry, its signals, and the invalidation forms."""
    contest = services().contest
    entry = get_entry(db, contest.id, entry_id)
    rows = db.execute(select(Vote, VoteInvalidation)
                      .outerjoin(VoteInvalidation, VoteInvalidation.vote_id == Vote.id)
                      .where(Vote.contest_id == contest.id, Vote.entry_id == entry.id)
                      .order_by(Vote.cast_at, Vote.id)).all()
    signals = vote_fraud.fraud_report(db, contest).get(entry.id, [])
    return render_template("console/entry_votes.html", contest=contest, entry=entry, rows=rows,
                           signals=signals, valid=votes.count_for(db, contest.id, entry.id))


def _vote_ids(form) -> list[int]:
    raw = [part for value in form.getlist("vote_id") for part in value.replace(",", " ").split()]
    if not raw or len(raw) > MAX_IDS or not all(part.isdigit() for part in raw):
        raise ConsoleError(400, "请选择要作废的选票。")
    return sorted({int(part) for part in raw})


@console.post("/votes/invalidate")
@with_session
def invalidate(db):
    """Invalidate one or more votes of this contest with a reason."""
    svc = services()
    ids = _vote_ids(request.form)
    reason = " ".join((request.form.get("reason") or "").split())
    if not reason or len(reason) > MAX_REASON:
        raise ConsoleError(400, f"请填写作废理由（{MAX_REASON}字以内）。")
    found = db.scalars(select(Vote).where(Vote.id.in_(ids), Vote.contest_id == svc.contest.id)).all()
    if len(found) != len(ids):
        raise ConsoleError(404, "有选票不存在或不属于本赛事。")
    done = skipped = 0
    for vote_id in ids:
        try:
            votes.invalidate_vote(db, vote_id, current_user().username, reason, svc.now())
            done += 1
        except votes.AlreadyInvalidated:
            skipped += 1
    flash(f"已作废{done}张选票" + (f"，{skipped}张此前已作废" if skipped else "") + "。", "success")
    entry_id = found[0].entry_id
    return redirect(url_for("console.entry_votes", entry_id=entry_id))
