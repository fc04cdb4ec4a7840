"""Every way a registration can be refused, edited, cancelled or resumed, as the entrant reads it."""
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.db import session_scope
from bot.entries import EntryLimitReached, confirm_entry
from bot.models import Entry
from tests.registration_scripts import GANSU_ANIMATION_UNIT, JIANGMEN_TEAM, converse

GANSU_NOW = "2023-04-20T09:00:00"


def _entries(bot) -> list:
    with bot.services.db() as session:
        return session.scalars(select(Entry).order_by(Entry.id)).all()


@pytest.mark.parametrize("now, expected", [
    ("2020-06-14T23:59:59", "作品征集尚未开始：征集时间为2020年6月15日至2020年7月15日"),
    ("2020-07-16T00:00:00", "作品征集已于2020年7月15日截止"),
])
def test_outside_collection_the_answer_gives_the_dates_and_starts_nothing(start_bot, now,
                                                                          expected):
    user = start_bot(CONTEST_NOW=now).user()
    assert expected in user.send_text("报名").content
    assert "没有看懂" in user.send_text("是").content


def test_a_failed_eligibility_answer_ends_with_the_notices_reason(bot):
    user = bot.user()
    user.send_text("报名")
    reply = user.send_text("否").content
    assert "只接受原创且未在报刊、网络等官方媒体公开发表过的作品" in reply
    assert "没有看懂" in user.send_text("是").content
    assert _entries(bot) == []


@pytest.mark.parametrize("answer", ["对", "不是", "y", "N", "1", "２"])
def test_yes_no_accepts_the_usual_spellings(bot, answer):
    user = bot.user()
    user.send_text("报名")
    reply = user.send_text(answer).content
    assert ("第2问" in reply) or ("不符合本次大赛的参赛条件" in reply)


def test_an_unclear_yes_no_is_asked_again_with_the_options(bot):
    user = bot.user()
    user.send_text("报名")
    reply = user.send_text("也许吧").content
    assert "请回复“是”或“否”" in reply and "第1问" in reply and "1. 是" in reply
    assert "第2问" in user.send_text("是").content


def _confirmed(bot, openid, kind, count):
    at = datetime(2020, 6, 20, 2, tzinfo=UTC)
    with session_scope(bot.services.db) as session:
        for n in range(count):
            confirm_entry(session, contest=bot.services.contest, openid=openid, kind=kind,
                          category="micro_video", answers={}, title=f"作品{n}", at=at)


def test_an_individual_may_enter_at_most_two_works_a_team_more(bot):
    _confirmed(bot, "oLimited", "individual", 2)
    user = bot.user(openid="oLimited")
    converse(user, [("报名", "第1问"), ("是", "第2问"), ("是", "参赛类型")])
    reply = user.send_text("1").content
    assert "以“个人”身份已报名2个作品" in reply and "最多2个作品" in reply
    converse(user, [("报名", "第1问"), ("是", "第2问"), ("是", "参赛类型"), ("2", "第3问")])


def test_a_unit_the_notice_leaves_unlimited_stops_at_the_default_cap_of_20(bot):
    _confirmed(bot, "oFactory", "team", 20)
    user = bot.user(openid="oFactory")
    converse(user, [("报名", "第1问"), ("是", "第2问"), ("是", "参赛类型")])
    reply = user.send_text("2").content
    assert "以“单位或团体”身份已报名20个作品" in reply and "本赛不限单位或团体投稿数量" in reply
    assert "最多报名20个作品" in reply and "联系主办方" in reply
    assert len(_entries(bot)) == 20


def test_the_cap_for_unlimited_kinds_comes_from_the_contest_yaml(start_bot, tmp_path):
    import yaml

    from bot.contest import contest_path

    data = yaml.safe_load(contest_path("jiangmen-2020").read_text(encoding="utf-8"))
    data["entrant_limits"] = {"max_entries": 3}
    path = tmp_path / "jiangmen-2020.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    bot = start_bot(CONTEST=str(path))
    _confirmed(bot, "oSmallUnit", "team", 3)
    user = bot.user(openid="oSmallUnit")
    converse(user, [("报名", "第1问"), ("是", "第2问"), ("是", "参赛类型")])
    assert "最多报名3个作品" in user.send_text("2").content
    with session_scope(bot.services.db) as session, pytest.raises(EntryLimitReached):
        confirm_entry(session, contest=bot.services.contest, openid="oSmallUnit", kind="team",
                      category="micro_video", answers={}, title="第四部",
                      at=datetime(2020, 6, 20, 2, tzinfo=UTC))


def test_the_limit_is_checked_again_at_confirmation(bot):
    user = bot.user(openid="oRacer")
    converse(user, [("报名", "第1问"), ("是", "第2问"), ("是", "参赛类型"), ("1", "第3问")])
    _confirmed(bot, "oRacer", "individual", 2)  # entered elsewhere meanwhile
    script = [("是", "姓名"), ("李四", "联系电话"), ("13800138000", "电子信箱"),
              ("lisi@example.cn", "单位地址"), ("江门", "邮政编码"), ("529000", "视频题目"),
              ("题目", "作品主题"), ("1", "内容简介"), ("这是一个十个字以上的简介。", "承诺"),
              ("同意", "核对")]
    converse(user, script)
    assert "最多2个作品" in user.send_text("确认").content
    assert len(_entries(bot)) == 2


def _to_gansu_field(start_bot, label: str):
    bot = start_bot(CONTEST="gansu-2023", CONTEST_NOW=GANSU_NOW)
    user = bot.user()
    script = []
    for line, expected in GANSU_ANIMATION_UNIT:
        script.append((line, expected))
        if expected == label:
            break
    converse(user, script)
    return bot, user


@pytest.mark.parametrize("label, bad, why, good", [
    ("作品名称", "一二三四五六七八九十一二三四五六", "最多15个字，您输入了16个字", "质量强国在陇原"),
    ("片长", "58", "请写明单位", "58秒"),
    ("片长", "很短", "没有识别出时长", "1:02"),
    ("联系电话", "12345", "请输入11位手机号码", "13800138000"),
    ("完成时间", "2023-02-30", "2023年2月没有30日", "2023年3月20日"),
    ("完成时间", "2023-02-28", "不能早于“拍摄时间”", "2023/3/2"),
    ("视频简介", "动画讲述一件兰州产品走向全国的质量之路。", "括号",
     "动画讲述一件兰州产品走向全国的质量之路。（甘肃省某某传媒中心）"),
])
def test_each_field_rule_refuses_with_a_specific_reason(start_bot, label, bad, why, good):
    bot, user = _to_gansu_field(start_bot, label)
    reply = user.send_text(bad).content
    assert why in reply, reply
    assert "请完整阅读" not in reply and "【报名表" not in reply  # the same field is asked again
    moved_on = user.send_text(good).content
    assert why not in moved_on and ("【报名表" in moved_on or "承诺" in moved_on)


def test_a_finish_date_before_the_contests_earliest_date_is_refused(start_bot):
    bot, user = _to_gansu_field(start_bot, "拍摄时间")
    converse(user, [("2019-12-01", "完成时间")])
    reply = user.send_text("2019-12-31").content
    assert "2020年1月1日" in reply


def test_kind_and_category_decide_which_fields_are_asked(start_bot):
    bot = start_bot(CONTEST="gansu-2023", CONTEST_NOW=GANSU_NOW)
    user = bot.user()
    converse(user, [("报名", "第1问"), ("是", "第2问"), ("是", "第3问"), ("是", "第4问"),
                    ("是", "参赛类型"), ("个人会员", "作品类别")])
    assert "姓名" in user.send_text("微视频").content
    converse(user, [("张三", "工作单位"), ("跳过", "作品名称")])


def test_changing_the_category_at_the_summary_asks_the_new_categorys_fields(start_bot):
    bot, user = _to_gansu_field(start_bot, "请核对报名信息")
    summary = user.send_text("帮助").content
    assert "视频简介" in summary and "视频文案" not in summary
    converse(user, [("改 1", "修改“作品类别”"), ("1", "作品名称")])
    converse(user, [("陇原质量故事微视频", "视频文案")])
    summary = user.send_text("在兰州，一群质检员守护着百姓的放心消费。").content
    assert "视频文案" in summary and "视频简介" not in summary
    assert "作品名称：陇原质量故事微视频" in summary


def test_edit_a_field_from_the_summary_and_return_to_it(bot):
    user = bot.user()
    converse(user, JIANGMEN_TEAM)
    converse(user, [("改 3", "修改“联系电话”（当前：0750-3502679）"),
                    ("138 0013 8000", "3. 联系电话：13800138000")])
    assert "报名成功" in user.send_text("确认").content
    assert _entries(bot)[0].form["phone"] == "13800138000"


def test_cancel_asks_first_then_discards_the_draft(bot):
    user = bot.user()
    converse(user, JIANGMEN_TEAM[:6])
    assert "确定要放弃本次报名吗" in user.send_text("取消").content
    kept = user.send_text("不").content
    assert "继续填写" in kept and "团体代表姓名" in kept
    assert "确定要放弃" in user.send_text("取消").content
    assert "已取消" in user.send_text("确认").content
    assert "没有看懂" in user.send_text("张三").content
    assert _entries(bot) == []


def _pause(bot, openid: str, hours: float) -> None:
    """As if the user had gone away: move their session's last activity back in time."""
    key = f"session:{openid}"
    stored = json.loads(bot.services.redis.get(key))
    stored["updated_at"] -= hours * 3600
    bot.services.redis.set(key, json.dumps(stored), keepttl=True)


def test_a_draft_survives_a_long_pause_and_resumes_saying_so(bot):
    user = bot.user()
    converse(user, JIANGMEN_TEAM[:7])
    _pause(bot, user.openid, hours=5)
    reply = user.send_text("0750-3502679").content
    assert "欢迎回来" in reply and "联系电话" in reply
    converse(user, JIANGMEN_TEAM[7:])
    assert "报名成功" in user.send_text("确认").content


def test_sending_the_entry_word_again_resumes_the_draft(bot):
    user = bot.user()
    converse(user, JIANGMEN_TEAM[:8])
    reply = user.send_text("报名").content
    assert "未完成的报名" in reply and "电子信箱" in reply
    assert "单位地址" in user.send_text("a@b.cn").content


def test_retried_deliveries_of_the_confirmation_create_one_entry(bot):
    user = bot.user()
    converse(user, JIANGMEN_TEAM)
    delivery = user.build("text", Content="确认")
    with ThreadPoolExecutor(3) as pool:
        replies = list(pool.map(lambda _: user.deliver(delivery), range(3)))
    assert {r.content for r in replies} == {replies[0].content}
    assert "报名成功！作品编号：101" in replies[0].content
    assert len(_entries(bot)) == 1


def test_two_users_confirming_at_once_get_different_codes(bot):
    users = [bot.user(openid=f"oPair{n}") for n in range(2)]
    for user in users:
        converse(user, JIANGMEN_TEAM)
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda u: u.send_text("确认").content, users))
    codes = sorted(r.split("作品编号：")[1].split("\n")[0] for r in replies)
    assert codes == ["101", "102"]


def test_the_same_user_in_two_contests_keeps_them_apart(start_bot):
    jiangmen = start_bot()
    gansu = start_bot(CONTEST="gansu-2023", CONTEST_NOW=GANSU_NOW)
    converse(jiangmen.user(openid="oBoth"), JIANGMEN_TEAM)
    jiangmen.user(openid="oBoth").send_text("确认")
    assert "还没有报名作品" in gansu.user(openid="oBoth").send_text("我的作品").content
    assert "101《匠心侨都》" in jiangmen.user(openid="oBoth").send_text("我的作品").content
    with gansu.services.db() as session:
        assert session.scalar(select(func.count(Entry.id)).where(
            Entry.contest_id == "gansu-2023")) == 0


def test_the_deadline_is_checked_again_at_confirmation(start_bot):
    bot = start_bot(CONTEST_NOW="2020-07-15T23:00:00")
    user = bot.user()
    converse(user, JIANGMEN_TEAM)
    bot.services.clock.jump_to("2020-07-16T00:00:00")  # midnight passed while they read
    assert "作品征集已于2020年7月15日截止" in user.send_text("确认").content
    assert _entries(bot) == []
