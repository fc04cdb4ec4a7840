"""Entries in the console: filters and search, the detail page, the video with Range requests,
and screening (初审) whose decision reaches the entrant through a real RQ worker."""
from sqlalchemy import select

from bot.models import AuditLog
from tests.console_fixtures import VIDEO_BYTES

REFUSED = [{"code": "resolution_too_low", "severity": "error",
            "context": {"width": 640, "height": 360, "min_height": 720}}]


def _three(stack):
    a = stack.add_entry("oA", {"name": "张三", "phone": "13800138000", "title": "侨都匠心",
                               "synopsis": "讲述一位老师傅的质量故事。"})
    b = stack.add_entry("oB", {"team_name": "江门日报社", "title": "品质生活"}, kind="team",
                        state="video_refused", verdict="fail", findings=REFUSED)
    c = stack.add_entry("oC", {"name": "李四", "title": "等待视频"}, state="awaiting_video",
                        verdict=None)
    return a, b, c


def _codes(response) -> list[str]:
    html = response.get_data(as_text=True)
    return [code for code in ("101", "102", "103") if f">{code}</a>" in html]


def test_the_list_filters_by_state_kind_verdict_and_searches(console):  # noqa: F811
    stack = console()
    stack.user("org", "organizer")
    _three(stack)
    client = stack.client("org")
    assert _codes(client.get("/console/entries")) == ["101", "102", "103"]
    assert _codes(client.get("/console/entries?state=valid")) == ["101"]
    assert _codes(client.get("/console/entries?kind=team")) == ["102"]
    assert _codes(client.get("/console/entries?verdict=fail")) == ["102"]
    assert _codes(client.get("/console/entries?verdict=none")) == ["103"]
    assert _codes(client.get("/console/entries?q=品质")) == ["102"]
    assert _codes(client.get("/console/entries?q=103")) == ["103"]
    assert _codes(client.get("/console/entries?q=100%25")) == []
    bad = client.get("/console/entries?state=nonsense")
    assert bad.status_code == 400 and "筛选条件无效" in bad.get_data(as_text=True)
    assert client.get("/console/entries?page=x").status_code == 400


def test_the_detail_shows_labelled_answers_findings_and_history(console):  # noqa: F811
    stack = console()
    stack.user("org", "organizer")
    a, b, _ = _three(stack)
    client = stack.client("org")
    html = client.get(f"/console/entries/{a.id}").get_data(as_text=True)
    for text in ("姓名", "张三", "联系电话", "13800138000", "视频题目", "侨都匠心", "内容简介",
                 "确认报名", "<video", "1280×720", "片头字幕必须有参赛作品名称"):
        assert text in html, text
    refused = client.get(f"/console/entries/{b.id}").get_data(as_text=True)
    assert "团体名称" in refused and "分辨率过低" in refused and "未通过" in refused
    assert client.get("/console/entries/99999").status_code == 404


def test_the_video_is_served_with_range_requests(console):  # noqa: F811
    stack = console()
    stack.user("org", "organizer")
    a, _, _ = _three(stack)
    client = stack.client("org")
    whole = client.get(f"/console/media/{a.current_media_file_id}")
    assert whole.status_code == 200 and whole.data == VIDEO_BYTES
    assert whole.headers["Accept-Ranges"] == "bytes" and whole.mimetype == "video/mp4"
    part = client.get(f"/console/media/{a.current_media_file_id}",
                      headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == VIDEO_BYTES[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(VIDEO_BYTES)}"
    assert client.get("/console/media/424242").status_code == 404


def test_judges_see_only_videos_of_finalists(console):  # noqa: F811
    stack = console()
    stack.user("jud", "judge")
    a, _, _ = _three(stack)
    client = stack.client("jud")
    assert client.get(f"/console/media/{a.current_media_file_id}").status_code == 403
    assert client.get(f"/console/jury/{a.id}").status_code == 404


def _screen(client, entry_id, decision, reason=""):
    return client.post(f"/console/entries/{entry_id}/screen",
                       data={"decision": decision, "reason": reason})


def test_a_rejection_is_audited_and_pushed_to_the_entrant_once(console):  # noqa: F811
    stack = console()
    stack.user("org", "organizer")
    openid = stack.follower("oScreened")
    stack.say(openid, "我的作品")  # opens the customer-service window
    entry = stack.add_entry(openid, {"name": "王五", "title": "老街新貌"})
    client = stack.client("org")
    response = _screen(client, entry.id, "reject", "片头字幕没有作品名称")
    assert response.status_code == 302
    assert stack.entry(entry.id).state == "rejected"
    with stack.services.db() as db:
        line = db.scalars(select(AuditLog).where(AuditLog.action == "entry.screened")).one()
    assert line.actor == "org" and line.detail == {
        "previous": "valid", "state": "rejected", "reason": "片头字幕没有作品名称"}
    stack.run_worker()
    pushed = stack.pushed(openid)
    assert len(pushed) == 1
    assert "《老街新貌》（编号101）未通过" in pushed[0] and "原因：片头字幕没有作品名称" in pushed[0]
    assert "0750-3502679" in pushed[0]
    stack.run_worker()
    assert len(stack.pushed(openid)) == 1


def test_an_approval_tells_the_entrant_the_next_phases(console):  # noqa: F811
    stack = console()
    stack.user("org", "organizer")
    openid = stack.follower("oApproved")
    stack.say(openid, "我的作品")
    entry = stack.add_entry(openid, {"name": "赵六", "title": "匠心"})
    assert _screen(stack.client("org"), entry.id, "approve").status_code == 302
    stack.run_worker()
    (message,) = stack.pushed(openid)
    assert "已通过" in message and "网络投票时间：2020年8月1日至2020年8月10日" in message
    assert "投票 101" in message


def test_a_decision_replaced_before_the_worker_ran_is_not_sent(console):  # noqa: F811
    stack = console()
    stack.user("org", "organizer")
    openid = stack.follower("oChanged")
    stack.say(openid, "我的作品")
    entry = stack.add_entry(openid, {"name": "钱七", "title": "改判"})
    client = stack.client("org")
    _screen(client, entry.id, "reject", "误判")
    _screen(client, entry.id, "approve", "复核后通过")
    stack.run_worker()
    (message,) = stack.pushed(openid)
    assert "已通过" in message and "审核意见：复核后通过" in message


def test_screening_refusals_change_nothing(console):  # noqa: F811
    stack = console()
    stack.user("org", "organizer")
    a, b, c = _three(stack)
    client = stack.client("org")
    no_reason = _screen(client, a.id, "reject", "  ")
    assert no_reason.status_code == 400 and "请填写理由" in no_reason.get_data(as_text=True)
    assert _screen(client, b.id, "approve").status_code == 400  # a refused video needs a reason
    waiting = _screen(client, c.id, "approve", "好")
    assert waiting.status_code == 409 and "待提交视频" in waiting.get_data(as_text=True)
    assert _screen(client, a.id, "maybe", "x").status_code == 400
    assert _screen(client, a.id, "reject", "长" * 201).status_code == 400
    assert [stack.entry(e.id).state for e in (a, b, c)] == ["valid", "video_refused",
                                                            "awaiting_video"]
    assert _screen(client, c.id, "reject", "逾期未提交视频").status_code == 302
    no_video = _screen(client, c.id, "approve", "好")
    assert no_video.status_code == 409 and "还没有视频" in no_video.get_data(as_text=True)
    assert _screen(client, b.id, "approve", "人工复核：分辨率满足要求").status_code == 302
    again = _screen(client, b.id, "approve", "再来一次")
    assert again.status_code == 409 and "初审通过" in again.get_data(as_text=True)


def test_finalists_are_marked_by_hand_only_where_the_contest_selects_them(console):  # noqa: F811
    stack = console(contest="shandong-2021-housing", now="2021-09-25T10:00:00")
    stack.user("org", "organizer")
    entry = stack.add_entry("oUnit", {"unit_name": "某建设集团", "title": "质量样板"}, kind="unit",
                            category="t01_standardization", state="approved")
    client = stack.client("org")
    assert client.post(f"/console/entries/{entry.id}/finalist", data={"mark": "1"}).status_code == 302
    assert stack.entry(entry.id).state == "finalist"
    assert client.post(f"/console/entries/{entry.id}/finalist", data={"mark": "1"}).status_code == 409
    assert client.post(f"/console/entries/{entry.id}/finalist", data={"mark": "0"}).status_code == 302
    assert stack.entry(entry.id).state == "approved"
