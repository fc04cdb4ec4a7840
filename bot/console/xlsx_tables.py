"""The console's other .xlsx exports: votes, jury scores and the final ranking."""
from sqlalchemy import select

from bot import voting as votes
from bot.console.labels import CHANNEL_LABELS, local_time
from bot.console.scoring import entry_scores, jury_entries, scores_by_judge
from bot.console.xlsx_style import new_workbook, table_sheet, to_bytes
from bot.models import Entry, Vote, VoteInvalidation
from bot.privacy import mask_openid
from bot.results import publication
from bot.results import sheet as results


def votes_workbook(db, contest) -> bytes:
    """得票统计 (valid and invalidated votes per entry) and 投票明细 (every vote, voter masked)."""
    rows = db.execute(select(Vote, VoteInvalidation, Entry.code, Entry.title)
                      .join(Entry, Entry.id == Vote.entry_id)
                      .outerjoin(VoteInvalidation, VoteInvalidation.vote_id == Vote.id)
                      .where(Vote.contest_id == contest.id).order_by(Vote.cast_at, Vote.id)).all()
    invalid: dict[int, int] = {}
    for vote, invalidation, _, _ in rows:
        if invalidation is not None:
            invalid[vote.entry_id] = invalid.get(vote.entry_id, 0) + 1
    book = new_workbook()
    table_sheet(book, "得票统计", f"{contest.name}网络投票得票统计",
                ["排名", "作品编号", "作品名称", "有效票数", "作废票数"],
                [[line.rank, line.entry.code, line.entry.title, line.votes,
                  invalid.get(line.entry.id, 0)] for line in votes.standings(db, contest)],
                [8, 10, 36, 12, 12])
    table_sheet(book, "投票明细", f"{contest.name}投票明细",
                ["投票编号", "作品编号", "作品名称", "投票时间", "渠道", "投票人（脱敏）", "状态",
                 "作废理由", "作废人"],
                [[vote.id, code, title, local_time(contest, vote.cast_at),
                  CHANNEL_LABELS.get(vote.channel, vote.channel), mask_openid(vote.voter_openid),
                  "作废" if invalidation else "有效", invalidation.reason if invalidation else "",
                  invalidation.actor if invalidation else ""]
                 for vote, invalidation, code, title in rows],
                [10, 10, 30, 18, 8, 18, 8, 30, 12])
    return to_bytes(book)


def scores_workbook(db, contest) -> bytes:
    """评分明细 (one row per entry and judge; importable again) and 评审汇总 (per entry)."""
    criteria = contest.scoring.criteria
    table = scores_by_judge(db, contest.id)
    detail = []
    for entry in jury_entries(db, contest):
        for judge, sheet in sorted(table.get(entry.id, {}).items()):
            points = [float(sheet[c.id]) if c.id in sheet else None for c in criteria]
            total = sum(p for p in points if p is not None)
            detail.append([entry.code, entry.title, judge, *points, total])
    book = new_workbook()
    table_sheet(book, "评分明细", f"{contest.name}专业评审评分明细",
                ["作品编号", "作品名称", "评委", *[c.name for c in criteria], "合计"], detail,
                [10, 30, 12, *[max(10, len(c.name) * 2 + 2) for c in criteria], 10])
    summary = [[r.entry.code, r.entry.title, len(r.totals),
                float(r.mean) if r.mean is not None else None,
                float(s) if (s := r.jury_score(contest.scoring.max_points)) is not None else None,
                "、".join(r.partial)] for r in entry_scores(db, contest)]
    table_sheet(book, "评审汇总", f"{contest.name}专业评审汇总（满分{contest.scoring.max_points:g}分）",
                ["作品编号", "作品名称", "评委人数", "平均总分", "评审得分（百分制）", "未评完的评委"],
                summary, [10, 30, 10, 12, 18, 20])
    return to_bytes(book)


def ranking_rows(db, services) -> tuple[list[dict], bool]:
    """The published results table, else one computed now by bot.results.sheet (not stored)."""
    contest = services.contest
    sheet_id = publication.published_sheet_id(services)
    if sheet_id is not None:
        return publication.review(services, sheet_id)["rows"], True
    entries = {entry.id: entry for entry in jury_entries(db, contest)}
    names = {award.id: award.name for award in contest.awards}
    return [{"rank": place, "code": entries[line.entry_id].code,
             "title": entries[line.entry_id].title, "jury_score": line.jury,
             "votes": line.votes, "vote_score": line.vote_score, "total": line.total,
             "award_names": [names.get(a, a) for a in line.awards]}
            for place, line in enumerate(results.compute_lines(db, contest), start=1)], False


def ranking_workbook(db, services) -> bytes:
    """The final ranking: jury and vote scores (weighted as the contest says), total, awards."""
    contest = services.contest
    scoring = contest.scoring
    rows, published = ranking_rows(db, services)
    headers = ["名次", "作品编号", "作品名称", f"专业评审得分（满分{scoring.jury_weight:g}）",
               "有效票数", f"网络投票得分（满分{scoring.vote_weight:g}）", "总分", "奖项"]
    data = [[row["rank"], row["code"], row["title"], float(row["jury_score"]), row["votes"],
             float(row["vote_score"]), float(row["total"]), "、".join(row["award_names"])]
            for row in rows]
    state = "已公布" if published else "未公布，按当前评分和投票计算"
    table_sheet(book := new_workbook(), "最终排名", f"{contest.name}最终排名（{state}）", headers,
                data, [8, 10, 32, 16, 10, 16, 10, 24])
    return to_bytes(book)
