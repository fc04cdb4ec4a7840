"""Export downloads (.xlsx): registration sheets, the summary table, votes, scores, ranking."""
import io
import logging

from flask import render_template, request, send_file

from bot.console.auth import current_user
from bot.console.blueprint import ConsoleError, console, services, with_session
from bot.console.entry_queries import get_entry
from bot.console.xlsx_registration import registration_workbook
from bot.console.xlsx_style import XLSX_MIME
from bot.console.xlsx_summary import SCOPES, export_entries, summary_workbook
from bot.console.xlsx_tables import ranking_workbook, scores_workbook, votes_workbook

log = logging.getLogger(__name__)
SCOPE_NAMES = {"all": "全部作品", "approved": "通过初审的作品"}


def _scope() -> str:
    scope = request.args.get("scope", "all")
    if scope not in SCOPES:
        raise ConsoleError(400, "导出范围无效。")
    return scope


def _xlsx(data: bytes, name: str):
    contest = services().contest
    log.info("console export %s by user %s", name, current_user().id)
    return send_file(io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True, max_age=0,
                     download_name=f"{contest.short_name}-{name}.xlsx")


@console.get("/exports")
def exports():
    """The list of downloads."""
    return render_template("console/exports.html", contest=services().contest,
                           scopes=SCOPE_NAMES)


@console.get("/exports/registration/<int:entry_id>.xlsx")
@with_session
def export_registration(db, entry_id: int):
    """One entry's registration sheet."""
    contest = services().contest
    entry = get_entry(db, contest.id, entry_id)
    return _xlsx(registration_workbook(contest, [entry]), f"登记表-{entry.code}")


@console.get("/exports/registrations.xlsx")
@with_session
def export_registrations(db):
    """Every entry's registration sheet, one sheet each."""
    contest, scope = services().contest, _scope()
    entries = [entry for entry, _ in export_entries(db, contest, scope)]
    return _xlsx(registration_workbook(contest, entries), f"登记表-{SCOPE_NAMES[scope]}")


@console.get("/exports/summary.xlsx")
@with_session
def export_summary(db):
    """The contest's summary table (汇总表)."""
    contest, scope = services().contest, _scope()
    return _xlsx(summary_workbook(db, contest, scope), f"汇总表-{SCOPE_NAMES[scope]}")


@console.get("/exports/votes.xlsx")
@with_session
def export_votes(db):
    """Votes per entry and every vote."""
    contest = services().contest
    if contest.voting is None:
        raise ConsoleError(404, "本赛事没有网络投票。")
    return _xlsx(votes_workbook(db, contest), "投票")


@console.get("/exports/scores.xlsx")
@with_session
def export_scores(db):
    """Every judge's points and the jury summary."""
    contest = services().contest
    if contest.scoring is None:
        raise ConsoleError(404, "本赛事没有专业评审。")
    return _xlsx(scores_workbook(db, contest), "评分")


@console.get("/exports/ranking.xlsx")
@with_session
def export_ranking(db):
    """The final ranking by the contest's scoring rules."""
    contest = services().contest
    if contest.scoring is None:
        raise ConsoleError(404, "本赛事没有评分规则，无法排名。")
    return _xlsx(ranking_workbook(db, services()), "最终排名")
