"""Customer-service, template and mass sends follow WeChat's quotas."""
import pytest
from wechatpy.exceptions import WeChatClientException

from tests.platform_fixtures import sim_wechat_client


def errcode_of(call) -> int:
    try:
        call()
    except WeChatClientException as error:
        return error.errcode
    return 0


@pytest.fixture
def client(fake_platform):
    return sim_wechat_client(fake_platform)


def follower(platform, trigger="message"):
    user = platform.state.add_user(subscribed=True)
    if trigger:
        platform.state.record_interaction(user.openid, trigger)
    return user.openid


def test_five_messages_within_48_hours_of_a_user_message(fake_platform, client):
    openid = follower(fake_platform)
    for n in range(5):
        client.message.send_text(openid, f"通知 {n}")
    assert errcode_of(lambda: client.message.send_text(openid, "sixth")) == 45047

    inbox = fake_platform.state.inbox_of(openid)
    assert [m["content"] for m in inbox] == [f"通知 {n}" for n in range(5)]
    assert {m["channel"] for m in inbox} == {"custom"}


def test_the_window_closes_48_hours_after_the_last_user_message(fake_platform, client):
    openid = follower(fake_platform)
    fake_platform.clock.advance(47 * 3600)
    client.message.send_text(openid, "still open")
    fake_platform.clock.advance(3600)
    assert errcode_of(lambda: client.message.send_text(openid, "too late")) == 45015

    fake_platform.state.record_interaction(openid, "message")  # the user writes again
    client.message.send_text(openid, "open again")
    assert fake_platform.state.quota(openid)["customer_service"]["remaining"] == 4


def test_three_messages_within_a_minute_of_a_menu_click(fake_platform, client):
    openid = follower(fake_platform, trigger="CLICK")
    for _ in range(3):
        client.message.send_text(openid, "menu answer")
    assert errcode_of(lambda: client.message.send_text(openid, "fourth")) == 45047

    fake_platform.state.record_interaction(openid, "CLICK")
    fake_platform.clock.advance(61)
    assert errcode_of(lambda: client.message.send_text(openid, "late")) == 45015


def test_users_who_never_wrote_or_unfollowed_cannot_be_messaged(fake_platform, client):
    silent = follower(fake_platform, trigger=None)
    assert errcode_of(lambda: client.message.send_text(silent, "hi")) == 45015

    gone = follower(fake_platform)
    fake_platform.state.set_following(gone, False)
    assert errcode_of(lambda: client.message.send_text(gone, "hi")) == 43004
    assert errcode_of(lambda: client.message.send_text("o-unknown", "hi")) == 40003
    assert fake_platform.state.inbox_of(gone) == []


def test_template_messages_need_a_service_account(fake_platform_factory):
    platform = fake_platform_factory(ACCOUNT_TYPE="subscription", TEMPLATES=["tpl-result"])
    openid = follower(platform)
    send = sim_wechat_client(platform).message.send_template
    assert errcode_of(lambda: send(openid, "tpl-result", {"thing1": {"value": "x"}})) == 48001
    assert platform.state.inbox_of(openid) == []


def test_template_send_checks_template_follower_and_field_length(fake_platform, client):
    fake_platform.sim("POST", "templates", json={"template_id": "tpl-result", "title": "结果"})
    openid = follower(fake_platform, trigger=None)  # templates need no customer-service window
    send = client.message.send_template
    assert errcode_of(lambda: send(openid, "tpl-unknown", {})) == 40037
    too_long = {"thing1": {"value": "长" * 21}}
    assert errcode_of(lambda: send(openid, "tpl-result", too_long)) == 47003

    answer = send(openid, "tpl-result", {"thing1": {"value": "作品已通过初审"}})
    inbox = fake_platform.sim("GET", f"inbox/{openid}")["messages"]
    assert [m["msgid"] for m in inbox] == [answer["msgid"]] and inbox[0]["channel"] == "template"
    fake_platform.state.set_following(openid, False)
    assert errcode_of(lambda: send(openid, "tpl-result", {})) == 43004


def test_each_follower_gets_at_most_four_mass_messages_a_month(fake_platform, client):
    fans = [follower(fake_platform, trigger=None) for _ in range(2)]
    for n in range(5):
        client.message.send_mass_text(fans, f"群发 {n}")

    for openid in fans:
        received = fake_platform.state.inbox_of(openid, {"mass"})
        assert [m["content"] for m in received] == [f"群发 {n}" for n in range(4)]
    last_job = fake_platform.sim("GET", "mass")["jobs"][-1]
    assert last_job["sent"] == []
    assert {s["reason"] for s in last_job["skipped"]} == {"monthly quota"}
    fake_platform.clock.advance(32 * 24 * 3600)
    client.message.send_mass_text(fans, "next month")
    assert fake_platform.state.inbox_of(fans[0])[-1]["content"] == "next month"


def test_a_repeated_clientmsgid_sends_nothing_and_returns_the_first_msg_id(fake_platform, client):
    fans = [follower(fake_platform, trigger=None) for _ in range(3)]
    first = client.message.send_mass_text(fans, "投票开始", client_msg_id="vote-open-1")
    with pytest.raises(WeChatClientException) as retried:
        client.message.send_mass_text(fans, "投票开始", client_msg_id="vote-open-1")
    assert retried.value.errcode == 45065
    assert retried.value.response.json()["msg_id"] == first["msg_id"]
    assert all(len(fake_platform.state.inbox_of(o)) == 1 for o in fans)

    fake_platform.clock.advance(24 * 3600)
    client.message.send_mass_text(fans, "投票开始", client_msg_id="vote-open-1")
    assert all(len(fake_platform.state.inbox_of(o)) == 2 for o in fans)


def test_mass_send_by_tag_and_openid_list_rules(fake_platform, client):
    fans = [follower(fake_platform, trigger=None) for _ in range(3)]
    tag_id = client.tag.create("参赛者")["id"]
    client.tag.tag_user(tag_id, fans[:2])
    client.message.send_mass_text(tag_id, "致参赛者")
    assert [len(fake_platform.state.inbox_of(o)) for o in fans] == [1, 1, 0]
    assert errcode_of(lambda: client.message.send_mass_text([fans[0]], "one")) == 40130


def test_subscription_account_mass_sends_once_a_day(fake_platform_factory):
    platform = fake_platform_factory(ACCOUNT_TYPE="subscription")
    client = sim_wechat_client(platform)
    fans = [follower(platform, trigger=None) for _ in range(2)]
    client.message.send_mass_text(None, "今日推送", is_to_all=True)
    assert errcode_of(lambda: client.message.send_mass_text(None, "again", is_to_all=True)) == 45028
    assert errcode_of(lambda: client.message.send_mass_text(fans, "by list")) == 48001
    platform.clock.advance(24 * 3600)
    client.message.send_mass_text(None, "明日推送", is_to_all=True)
    assert [m["content"] for m in platform.state.inbox_of(fans[0])] == ["今日推送", "明日推送"]


def test_more_than_60_mass_calls_a_minute_are_refused(fake_platform, client):
    follower(fake_platform, trigger=None)
    for _ in range(60):
        client.message.send_mass_text(None, "x", is_to_all=True)
    assert errcode_of(lambda: client.message.send_mass_text(None, "x", is_to_all=True)) == 45009
