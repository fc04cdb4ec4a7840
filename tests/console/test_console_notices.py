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
    assert "将通知1件作品的参赛者（1人）" in page
    confirmed = {"confirm": "yes", "notify_count": "1"}
    assert client.post(f"/console/results/{sheet.id}/publish", data=confirmed).status_code == 302
    assert "已公布" in client.get("/console/results").get_data(as_text=True)
    newer = client.post("/console/results/compute")
    newer_id = int(newer.location.rsplit("=", 1)[1])
    refused = client.post(f"/console/results/{newer_id}/publish", data=confirmed)
    assert refused.status_code == 409 and "已公布" in refused.get_data(as_text=True)
    assert client.get("/console/results?sheet=abc").status_code == 400
    assert client.get("/console/results?sheet=999").status_code == 404


def _computed_without_scores(console):
    stack = console(now="2020-08-05T10:00:00")  # 江门: the public vote runs until 8-10
    stack.user("org", "organizer")
    stack.user("jud", "judge")
    a = stack.add_entry("oA", {"name": "甲", "title": "作品甲"}, state="approved")
    b = stack.add_entry("oB", {"name": "乙", "title": "作品乙"}, state="approved")
    client = stack.client("org")
    computed = client.post("/console/results/compute")
    sheet_id = int(computed.location.rsplit("=", 1)[1])
    return stack, client, sheet_id, (a, b)


def test_the_results_page_says_what_is_missing_before_publishing(console):  # noqa: F811
    _, client, sheet_id, (a, b) = _computed_without_scores(console)
    page = client.get(f"/console/results?sheet={sheet_id}").get_data(as_text=True)
    assert f"以下作品没有评审得分：{a.code}、{b.code}" in page or \
        f"以下作品没有评审得分：{b.code}、{a.code}" in page
    assert "尚未评完的评委：jud（已评0/2件）" in page
    assert "网络投票尚未结束（截至2020-08-10 23:59）" in page
    assert "公布后将通知2件作品的参赛者（2人）" in page and "缺少评分仍公布" in page


def test_one_click_cannot_publish_results_without_scores(console):  # noqa: F811
    stack, client, sheet_id, _ = _computed_without_scores(console)
    unconfirmed = client.post(f"/console/results/{sheet_id}/publish")
    assert unconfirmed.status_code == 400
    assert "公布后将通知2件作品的参赛者（2人）" in unconfirmed.get_data(as_text=True)
    stale = client.post(f"/console/results/{sheet_id}/publish",
                        data={"confirm": "yes", "notify_count": "1"})
    assert stale.status_code == 400  # the page counted another audience: look again
    missing = client.post(f"/console/results/{sheet_id}/publish",
                          data={"confirm": "yes", "notify_count": "2"})
    assert missing.status_code == 409 and "没有评审得分" in missing.get_data(as_text=True)
    with stack.services.db() as db:
        assert db.get(ResultSheet, sheet_id).state == "computed"
    stack.run_worker()
    assert stack.pushed("oA") == [] and stack.pushed("oB") == []


def test_an_override_publishes_with_missing_scores_and_is_audited(console):  # noqa: F811
    stack, client, sheet_id, _ = _computed_without_scores(console)
    done = client.post(f"/console/results/{sheet_id}/publish",
                       data={"confirm": "yes", "notify_count": "2", "override": "yes"})
    assert done.status_code == 302
    with stack.services.db() as db:
        assert db.get(ResultSheet, sheet_id).state == "published"
        line = db.scalars(select(AuditLog).where(
            AuditLog.action == "results.publish_override")).one()
    assert line.actor == "org" and len(line.detail["unscored"]) == 2
