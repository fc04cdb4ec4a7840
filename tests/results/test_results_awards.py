"""Final results on generated scores: the award tables of 江门 2020 (fixed counts, vote weight,
最佳人气奖) and 山东 2021 (shares of the finalists), review, publication and personal results."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.models import Delivery
from bot.results.publication import public_results, publish_results, review
from bot.results.sheet import compute_results, vote_score
from tests.notices_fixtures import add_scores, add_votes, make_entries


def _awards(sheet: dict) -> dict:
    table: dict[str, list] = {}
    for row in sheet["rows"]:
        for award in row["awards"]:
            table.setdefault(award, []).append(row["code"])
    return table


def test_jiangmen_awards_by_fixed_counts_with_thirty_percent_votes(notice_stack):
    stack = notice_stack(contest="jiangmen-2020", now="2020-08-21T10:00:00")
    ids = make_entries(stack.services, 40, "approved")  # finalists: all approved works
    points = {entry_id: 90 - n for n, entry_id in enumerate(ids)}
    points[ids[39]] = 20
    add_scores(stack.services, points)
    votes = {entry_id: 10 for entry_id in ids}
    votes[ids[39]] = 200  # the weakest by the jury is the most voted
    add_votes(stack.services, votes)

    sheet = review(stack.services, compute_results(stack.services, "organizer"))
    table = _awards(sheet)
    assert {award: len(codes) for award, codes in table.items()} == \
        {"first": 1, "second": 3, "third": 5, "popular": 1, "excellent": 20}
    assert table["popular"] == ["140"] and sum(map(len, table.values())) == 30
    top = sheet["rows"][0]
    # 90 points of 100 -> 63 jury points; 10 votes of the most 200 -> 1.5 vote points.
    assert (top["code"], top["jury_score"], top["vote_score"], top["total"]) == \
        ("101", Decimal("63.000"), Decimal("1.500"), Decimal("64.500"))
    last = next(row for row in sheet["rows"] if row["code"] == "140")
    assert last["vote_score"] == Decimal("30.000") and "popular" in last["awards"]
    assert [row["rank"] for row in sheet["rows"]] == list(range(1, 41))
    assert "organization" not in table and sheet["manual_awards"] == ["优秀组织奖"]


@pytest.mark.parametrize("finalists, expected", [(20, (1, 4, 7, 8)), (13, (1, 3, 5, 4))])
def test_shandong_2021_awards_by_shares_of_finalists(notice_stack, finalists, expected):
    stack = notice_stack(contest="shandong-2021-housing", now="2021-10-01T10:00:00")
    ids = make_entries(stack.services, finalists, "finalist")
    make_entries(stack.services, 5, "approved", prefix="oNot", first_code=901)  # selected contests: not finalists
    add_scores(stack.services, {entry_id: 50 + n for n, entry_id in enumerate(ids)})
    sheet = review(stack.services, compute_results(stack.services, "organizer"))
    table = _awards(sheet)
    assert tuple(len(table.get(a, [])) for a in ("first", "second", "third", "excellent")) == \
        expected
    assert table["first"] == [str(100 + finalists)]  # the best jury score
    assert len(sheet["rows"]) == finalists


def test_ties_break_by_jury_score_then_votes_then_the_earliest_entry():
    from types import SimpleNamespace

    from bot.results.sheet import Line, rank_lines
    a = Line(1, SimpleNamespace(timestamp=lambda: 2), Decimal(60), 5, Decimal(10))
    b = Line(2, SimpleNamespace(timestamp=lambda: 1), Decimal(65), 5, Decimal(5))
    c = Line(3, SimpleNamespace(timestamp=lambda: 0), Decimal(60), 5, Decimal(10))
    assert [line.entry_id for line in rank_lines([a, b, c], ["jury_score", "votes",
                                                               "earliest_entry"])] == [2, 3, 1]
    scoring = SimpleNamespace(vote_weight=30, vote_normalisation="share_of_total")
    assert vote_score(25, [25, 75], scoring) == Decimal("7.500")


def test_publication_tells_each_entrant_once_and_lists_the_awards(notice_stack):
    stack = notice_stack(contest="shandong-2021-housing", now="2021-10-01T10:00:00")
    ids = make_entries(stack.services, 4, "finalist")
    make_entries(stack.services, 1, "rejected", prefix="oRej", first_code=901)
    for openid in [f"o{index:05d}" for index in range(4)] + ["oRej00000"]:
        stack.platform.state.add_user(openid, subscribed=True)
    add_scores(stack.services, {entry_id: 60 + n for n, entry_id in enumerate(ids)})
    sheet_id = compute_results(stack.services, "organizer")
    assert public_results(stack.services) is None
    publish_results(stack.services, sheet_id, "organizer")
    stack.run_worker()
    publish_results(stack.services, sheet_id, "organizer")  # again: nothing new
    stack.run_worker()
    with stack.services.db() as session:
        told = session.scalars(select(Delivery).where(Delivery.purpose == f"result:{sheet_id}")
                               ).all()
    assert len(told) == 5 and len({d.idempotency_key for d in told}) == 5
    assert {d.status for d in told} == {"deferred"}  # nobody wrote to us: no window
    reply = stack.platform.sim("POST", "/users/o00003/send",
                               json={"type": "text", "content": "结果"})["reply"]["Content"]
    assert "一等奖" in reply
    listed = public_results(stack.services)
    assert listed[0]["award"] == "一等奖" and listed[0]["code"] == "104"
    with pytest.raises(ValueError):
        publish_results(stack.services, compute_results(stack.services, "organizer"), "x")
