"""Admins broadcast from chat: 广播 <text> -> preview with the audience size -> 确认; 统计;
anyone else is refused; 结果 shows the published awards."""
from bot.models import Broadcast
from handlers.admin import ADMIN_COMMANDS, BROADCAST, parse_broadcast
from handlers.results import RESULT_COMMANDS
from handlers.routes import build_routes

ADMIN = "oAdmin"


def _routes():
    return build_routes(conversations=[BROADCAST], commands=ADMIN_COMMANDS + RESULT_COMMANDS)


def _say(stack, openid: str, text: str) -> str:
    answer = stack.platform.sim("POST", f"/users/{openid}/send",
                                json={"type": "text", "content": text})
    return answer["reply"]["Content"]


def _stack(notice_stack):
    stack = notice_stack(admins=ADMIN, routes=_routes())
    for openid in (ADMIN, "oFan1", "oFan2"):
        stack.platform.sim("POST", "/users", json={"openid": openid})
        stack.platform.sim("POST", f"/users/{openid}/follow")
    return stack


def test_admin_previews_then_confirms_a_broadcast(notice_stack):
    stack = _stack(notice_stack)
    preview = _say(stack, ADMIN, "广播 投票明天截止，请抓紧投票。")
    assert "共3人" in preview and "投票明天截止" in preview and "确认" in preview
    assert "还没" not in _say(stack, ADMIN, "什么")  # anything else: asked again
    with stack.services.db() as session:
        assert session.query(Broadcast).one().state == "draft"
    done = _say(stack, ADMIN, "确认")
    assert "已确认" in done
    stack.run_worker()
    for openid in ("oFan1", "oFan2"):
        assert [m["content"] for m in stack.received(openid)] == ["投票明天截止，请抓紧投票。"]
    stats = _say(stack, ADMIN, "统计")
    assert "关注用户：3人" in stats and "已发送3" in stats


def test_cancel_leaves_the_draft_unsent(notice_stack):
    stack = _stack(notice_stack)
    _say(stack, ADMIN, "广播 测试")
    _say(stack, ADMIN, "取消")
    stack.run_worker()
    assert stack.received("oFan1") == []


def test_a_non_admin_is_refused(notice_stack):
    stack = _stack(notice_stack)
    assert "仅限管理员" in _say(stack, "oFan1", "广播 大家好")
    assert "仅限管理员" in _say(stack, "oFan1", "统计")
    with stack.services.db() as session:
        assert session.query(Broadcast).count() == 0


def test_results_word_before_publication(notice_stack):
    stack = _stack(notice_stack)
    assert "尚未公布" in _say(stack, "oFan1", "结果")


def test_audience_words():
    assert parse_broadcast("广播 报名者 明天截止") == ("entrants", "明天截止")
    assert parse_broadcast("广播 明天 截止") == ("followers", "明天 截止")
    assert parse_broadcast("广播") == ("followers", "")
