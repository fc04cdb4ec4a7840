"""Notices that cannot go now are kept and come with the reply to the user's next message;
the delivery planner's choices per account type and window."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.delivery.notices import send_notice
from bot.delivery.planner import Reach, choose, custom_left
from bot.delivery.send import deliver, take_deferred
from bot.models import Delivery
from bot.wechat.client import make_api

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def test_custom_budget_follows_the_two_grants():
    assert custom_left(NOW - timedelta(hours=1), None, [], NOW) == 5
    assert custom_left(NOW - timedelta(hours=49), None, [], NOW) == 0
    sent = [NOW - timedelta(minutes=30 - i) for i in range(4)]
    assert custom_left(NOW - timedelta(hours=1), None, sent, NOW) == 1
    # A click 10 s ago: 3 more, spent first; the message grant keeps its 5.
    click = NOW - timedelta(seconds=10)
    assert custom_left(NOW - timedelta(hours=1), click, [NOW - timedelta(seconds=5)], NOW) == 7
    assert custom_left(None, NOW - timedelta(seconds=61), [], NOW) == 0


def test_channels_depend_on_the_account_type():
    closed = Reach("o", True, True, 0, 4)
    assert choose(closed, account_type="service", has_template=True, bulk=True) == "mass"
    assert choose(closed, account_type="service", has_template=True, bulk=False) == "template"
    assert choose(closed, account_type="subscription", has_template=True, bulk=True) == "mass"
    assert choose(closed, account_type="subscription", has_template=True, bulk=False) == \
        "deferred"  # no template messages on subscription accounts
    spent = Reach("o", True, True, 0, 0)
    assert choose(spent, account_type="service", has_template=False, bulk=True) == "deferred"
    assert choose(Reach("o", True, True, 2, 0), account_type="subscription",
                  has_template=False, bulk=True) == "custom"
    assert choose(Reach("o", True, False, 5, 4), account_type="service",
                  has_template=True, bulk=True) == "skipped"


def test_a_notice_outside_the_window_comes_with_the_next_reply(notice_stack):
    stack = notice_stack(contest="jiangmen-2020", now="2020-07-31T09:00:00")
    stack.people(["oLater"])
    stack.platform.state.add_user("oLater", subscribed=True)
    send_notice(stack.services, "jiangmen-2020", "voting_open")
    assert stack.received("oLater") == []
    with stack.services.db() as session:
        kept = session.scalars(select(Delivery).where(Delivery.openid == "oLater")).one()
    assert (kept.status, kept.channel) == ("deferred", "next_reply")

    reply = stack.platform.sim("POST", "/users/oLater/send",
                               json={"type": "text", "content": "帮助"})["reply"]["Content"]
    assert reply.startswith("【网络投票开始】") and "可以回复以下指令" in reply
    with stack.services.db() as session:
        kept = session.get(Delivery, kept.id)
    assert (kept.status, kept.channel) == ("sent", "next_reply")
    again = stack.platform.sim("POST", "/users/oLater/send",
                               json={"type": "text", "content": "帮助"})["reply"]["Content"]
    assert "网络投票开始" not in again


def test_a_template_message_carries_a_personal_notice_on_a_service_account(notice_stack):
    stack = notice_stack(WECHAT_TEMPLATE_IDS='{"result": "tmpl-result"}')
    stack.platform.sim("POST", "/templates", json={"template_id": "tmpl-result"})
    stack.people(["oTmpl"])
    outcome = deliver(stack.services, make_api(stack.services), "oTmpl",
                      "您的作品获得一等奖，恭喜！请留意后续颁奖通知。", purpose="result:1",
                      key="result:1:1", title="江门市质量故事微视频大赛结果", template_kind="result")
    assert outcome == "sent"
    pushed = stack.received("oTmpl")
    assert len(pushed) == 1 and pushed[0]["channel"] == "template"
    data = pushed[0]["payload"]["data"]
    assert all(len(item["value"]) <= 20 for item in data.values())
    again = deliver(stack.services, make_api(stack.services), "oTmpl", "x", purpose="result:1",
                    key="result:1:1", template_kind="result")
    assert again == "done" and len(stack.received("oTmpl")) == 1


def test_kept_texts_beyond_one_reply_wait_for_the_next(notice_stack):
    stack = notice_stack()
    api = make_api(stack.services)
    stack.people(["oMany"])
    stack.platform.state.add_user("oMany", subscribed=True)
    for n in range(4):
        deliver(stack.services, api, "oMany", f"第{n}条：" + "很长的通知" * 60,
                purpose="test", key=f"long:{n}")
    first = take_deferred(stack.services, "oMany")
    second = take_deferred(stack.services, "oMany")
    assert first and second and len(first) + len(second) <= 4
    assert first[0].startswith("第0条")
