"""Results after computing: the organizer's review, one-step publication, the public list.

publish_results marks the sheet published (one per contest: a unique constraint) and queues the
job that tells every entrant of a confirmed entry their own result, once per entry (Delivery key
"result:<sheet>:<entry>"), by the planner's channels (kept for their next message if need be).
"""
import logging

from sqlalchemy import select

from bot import audit
from bot.chat.render import render_chat
from bot.db import session_scope
from bot.delivery.send import deliver
from bot.entries import CONFIRMED
from bot.models import Entry, ResultRow, ResultSheet
from bot.queueing import TELL_RESULTS
from bot.wechat.client import make_api

log = logging.getLogger(__name__)


def _award_names(contest) -> dict:
    return {award.id: award.name for award in contest.awards}


def _row(row: ResultRow, entry: Entry, names: dict) -> dict:
    return {"rank": row.rank, "entry_id": entry.id, "code": entry.code, "title": entry.title,
            "category": entry.category, "jury_score": row.jury_score, "votes": row.votes,
            "vote_score": row.vote_score, "total": row.total, "awards": list(row.awards),
            "award_names": [names.get(award, award) for award in row.awards]}


def review(services, sheet_id: int) -> dict:
    """The computed table with what an organizer should check before publishing."""
    names = _award_names(services.contest)
    with session_scope(services.db) as session:
        sheet = session.get(ResultSheet, sheet_id)
        rows = [_row(row, entry, names) for row, entry in session.execute(
            select(ResultRow, Entry).join(Entry, Entry.id == ResultRow.entry_id)
            .where(ResultRow.sheet_id == sheet_id).order_by(ResultRow.rank))]
        manual = [a.name for a in services.contest.awards if a.ranked_by == "manual"]
        return {"id": sheet.id, "state": sheet.state, "computed_at": sheet.computed_at,
                "computed_by": sheet.computed_by, "published_at": sheet.published_at,
                "rows": rows, "unscored": [r["code"] for r in rows if not r["jury_score"]],
                "manual_awards": manual,
                "award_counts": services.contest.award_counts(len(rows))}


def publish_results(services, sheet_id: int, actor: str, enqueue: bool = True) -> dict:
    """Publish a computed sheet and queue the personal results; a second call changes nothing."""
    with session_scope(services.db) as session:
        sheet = session.scalars(select(ResultSheet).where(ResultSheet.id == sheet_id)
                                .with_for_update()).one()
        if sheet.state == "superseded":
            raise ValueError(f"result sheet {sheet_id} was superseded by a newer computation")
        if sheet.state == "computed":
            published = session.scalar(select(ResultSheet.id).where(
                ResultSheet.published_contest_id == sheet.contest_id))
            if published is not None:
                raise ValueError(f"results of {sheet.contest_id} are already published "
                                 f"(sheet {published})")
            sheet.state, sheet.published_contest_id = "published", sheet.contest_id
            sheet.published_by, sheet.published_at = actor, services.now()  # contest time
            audit.record(session, actor, "results.publish", "result_sheet", sheet.id,
                         services.now())
    if enqueue:
        services.jobs.enqueue(TELL_RESULTS, sheet_id, job_id=f"results-{sheet_id}")
    return review(services, sheet_id)


def published_sheet_id(services) -> int | None:
    """The contest's published sheet, if any."""
    with session_scope(services.db) as session:
        return session.scalar(select(ResultSheet.id).where(
            ResultSheet.published_contest_id == services.contest.id))


def public_results(services) -> list[dict] | None:
    """The awarded works of the published sheet (award, code, title), or None if unpublished."""
    sheet_id = published_sheet_id(services)
    if sheet_id is None:
        return None
    names = _award_names(services.contest)
    order = {award.id: index for index, award in enumerate(services.contest.awards)}
    listed = []
    for row in review(services, sheet_id)["rows"]:
        for award in row["awards"]:
            listed.append({"award": names.get(award, award), "code": row["code"],
                           "title": row["title"], "rank": row["rank"],
                           "_order": order.get(award, 99)})
    listed.sort(key=lambda item: (item["_order"], item["rank"]))
    return [{k: v for k, v in item.items() if k != "_order"} for item in listed]


def personal_results(services, sheet_id: int) -> list[dict]:
    """(entry, openid, row or None) of every confirmed entry: what each entrant is told."""
    with session_scope(services.db) as session:
        rows = {row.entry_id: row for row in session.scalars(
            select(ResultRow).where(ResultRow.sheet_id == sheet_id))}
        names = _award_names(services.contest)
        entries = session.scalars(select(Entry).where(
            Entry.contest_id == services.contest.id, Entry.state.in_(sorted(CONFIRMED)))
            .order_by(Entry.id)).all()
        return [{"entry_id": entry.id, "openid": entry.entrant.openid, "code": entry.code,
                 "title": entry.title,
                 "row": _row(rows[entry.id], entry, names) if entry.id in rows else None}
                for entry in entries]


def tell_personal_results(services, sheet_id: int) -> dict:
    """Deliver every entrant's own result of the published sheet once per entry; counts by
    outcome (the TELL_RESULTS job)."""
    api = make_api(services)
    outcomes: dict[str, int] = {}
    for item in personal_results(services, sheet_id):
        template = "result_personal" if item["row"] else "result_not_finalist"
        text = render_chat(services.chat_env, template, {"contest": services.contest, **item})
        outcome = deliver(services, api, item["openid"], text, purpose=f"result:{sheet_id}",
                          key=f"result:{sheet_id}:{item['entry_id']}",
                          title=services.contest.name, template_kind="result")
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    log.info("personal results of sheet %s: %s", sheet_id, outcomes)
    return outcomes
