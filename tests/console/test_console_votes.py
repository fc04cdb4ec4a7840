"""Votes in the console: totals without invalidated votes, the fraud signals, invalidation with a
reason (one vote, or every vote of a signal), and the dashboard's counts."""
from datetime import UTC, datetime

from sqlalchemy import select

from bot.models import AuditLog, VoteInvalidation


def _voting(console):  # noqa: F811
    stack = console(now="2020-08-02T12:00:00")
    stack.user("org", "organizer")
    a = stack.add_entry("oA", {"name": "甲", "title": "刷票作品"}, state="approved")
    b = stack.add_entry("oB", {"name": "乙", "title": "正常作品"}, state="approved")
    burst = stack.add_votes(a.id, 35, spacing_s=1)
    stack.add_votes(b.id, 3, start=datetime(2020, 8, 1, 2, tzinfo=UTC))
    return stack, a, b, burst


def test_totals_and_the_burst_signal_are_shown(console):  # noqa: F811
    stack, a, b, _ = _voting(console)
    html = stack.client("org").get("/console/votes").get_data(as_text=True)
    assert "短时集中投票" in html and "刷票作品" in html
    standings = html[html.index('id="standings"'):]
    assert standings.index("刷票作品") < standings.index("正常作品")
    assert '<td class="num">35</td>' in standings and '<td class="num">3</td>' in standings


def test_one_vote_is_invalidated_with_a_reason_and_audited(console):  # noqa: F811
    stack, a, _, burst = _voting(console)
    client = stack.client("org")
    response = client.post("/console/votes/invalidate", data={"vote_id": str(burst[0]),
                                                              "reason": "同一设备重复投票"})
    assert response.status_code == 302 and response.location.endswith(f"/votes/entries/{a.id}")
    page = client.get(response.location).get_data(as_text=True)
    assert 'id="valid-votes">34<' in page and "同一设备重复投票" in page
    with stack.services.db() as db:
        invalidation = db.scalars(select(VoteInvalidation)).one()
        line = db.scalars(select(AuditLog).where(AuditLog.action == "vote.invalidated")).one()
    assert invalidation.actor == "org" and line.actor == "org" and line.target_id == str(burst[0])


def test_a_whole_signal_is_invalidated_at_once(console):  # noqa: F811
    stack, a, _, burst = _voting(console)
    client = stack.client("org")
    client.post("/console/votes/invalidate", data={"vote_id": str(burst[0]), "reason": "先作废一张"})
    response = client.post("/console/votes/invalidate", data={
        "vote_id": ",".join(map(str, burst)), "reason": "60秒内35票，判定为刷票"})
    assert response.status_code == 302
    page = client.get(f"/console/votes/entries/{a.id}").get_data(as_text=True)
    assert 'id="valid-votes">0<' in page
    overview = client.get("/console/votes").get_data(as_text=True)
    assert "短时集中投票" not in overview  # invalidated votes need no more attention


def test_bad_invalidations_are_refused(console):  # noqa: F811
    stack, _, _, burst = _voting(console)
    client = stack.client("org")
    no_reason = client.post("/console/votes/invalidate", data={"vote_id": str(burst[0])})
    assert no_reason.status_code == 400 and "请填写作废理由" in no_reason.get_data(as_text=True)
    assert client.post("/console/votes/invalidate",
                       data={"vote_id": "abc", "reason": "x"}).status_code == 400
    assert client.post("/console/votes/invalidate",
                       data={"vote_id": "987654", "reason": "x"}).status_code == 404
    with stack.services.db() as db:
        assert db.scalars(select(VoteInvalidation)).all() == []


def test_the_dashboard_counts_states_failures_votes_today_and_queues(console):  # noqa: F811
    stack, _, _, _ = _voting(console)
    stack.add_entry("oC", {"name": "丙", "title": "格式不符"}, state="video_refused",
                    verdict="fail", findings=[{"code": "too_long", "severity": "error",
                                               "context": {}}])
    html = stack.client("org").get("/console/dashboard").get_data(as_text=True)
    assert "网络投票" in html and "2020-08-02 12:00" in html
    assert 'id="entries-total">3<' in html and 'id="votes-today">35<' in html
    assert "时长超过上限" in html and "格式不符" in html
    assert "初审通过" in html and 'id="queues"' in html and "default" in html
