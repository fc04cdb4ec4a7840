"""Broadcasts and results in the console, on the notices issue's API: a draft is previewed with
its audience size, confirmed and sent by the worker; results are computed, reviewed, published."""
from sqlalchemy import select

from bot.models import AuditLog, Broadcast, ResultSheet


def test_a_broadcast_is_previewed_confirmed_and_sent(console):  # noqa: F811
    stack = console()
    stack.user("org", "organizer")
    openid = stack.follower("oFan")
    stack.say(openid, "帮助")
    client = stack.client("org")
    created = client.post("/console/broadcasts", data={"audience": "followers",
                                                       "text": "网络投票8月1日开始！"})
    assert created.status_code == 302
    preview = client.get(created.location).get_data(as_text=True)
    assert "网络投票8月1日开始！" in preview and 'id="audience-size">1<' in preview
    assert stack.pushed(openid) == []
    confirm = created.location + "/confirm"
    assert client.post(confirm).status_code == 302
    stack.run_worker()
    assert "网络投票8月1日开始！" in stack.pushed(openid)
    cancel = client.post(created.location + "/cancel")
    assert "已确认的群发不能取消" in client.get(cancel.location).get_data(as_text=True)
    with stack.services.db() as db:
        assert db.scalars(select(Broadcast)).one().created_by == "org"
        actions = {a.action for a in db.scalars(select(AuditLog).where(AuditLog.actor == "org"))}
    assert {"broadcast.create", "broadcast.confirm"} <= actions


def test_bad_broadcasts_are_refused(console):  # noqa: F811
    stack = console()
    stack.user("org", "organizer")
    client = stack.client("org")
    assert client.post("/console/broadcasts", data={"audience": "everyone",
                                                    "text": "x"}).status_code == 400
    assert client.post("/console/broadcasts", data={"audience": "followers",
                                                    "text": " "}).status_code == 400
    assert client.get("/console/broadcasts/999").status_code == 404
    assert client.post("/console/broadcasts/999/confirm").status_code == 404


def test_results_are_computed_reviewed_and_published_once(console):  # noqa: F811
    stack = console(now="2020-08-21T10:00:00")
    stack.user("org", "organizer")
    stack.user("jud", "judge")
    a = stack.add_entry("oA", {"name": "甲", "title": "作品甲"}, state="approved")
    judge = stack.client("jud")
    judge.post(f"/console/jury/{a.id}", data={"points-theme": "30", "points-ideas": "20",
                                              "points-art": "20", "points-local": "15",
                                              "points-craft": "15"})
    client = stack.client("org")
    computed = client.post("/console/results/compute")
    assert computed.status_code == 302
    page = client.get(computed.location).get_data(as_text=True)
    assert "作品甲" in page and "一等奖" in page and "公布此结果" in page
    with stack.services.db() as db:
        sheet = db.scalars(select(ResultSheet)).one()
    assert client.post(f"/console/results/{sheet.id}/publish").status_code == 302
    assert "已公布" in client.get("/console/results").get_data(as_text=True)
    newer = client.post("/console/results/compute")
    newer_id = int(newer.location.rsplit("=", 1)[1])
    refused = client.post(f"/console/results/{newer_id}/publish")
    assert refused.status_code == 409 and "已公布" in refused.get_data(as_text=True)
    assert client.get("/console/results?sheet=abc").status_code == 400
    assert client.get("/console/results?sheet=999").status_code == 404
