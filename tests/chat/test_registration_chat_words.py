"""Chat words inside the entry conversation, and the answers that need a clear word: a name that
is a number, consent, a failed eligibility question, the progress counter, 改 N out of range."""
import re

import pytest
from sqlalchemy import select

from bot.models import Entry
from tests.registration_scripts import GANSU_ANIMATION_UNIT, JIANGMEN_INDIVIDUAL, converse

GANSU_NOW = "2023-04-20T09:00:00"
TO_NAME = JIANGMEN_INDIVIDUAL[:5]  # the next question is 姓名
PENDING = "接着刚才的步骤，请继续回答"


def _entries(bot) -> list:
    with bot.services.db() as session:
        return session.scalars(select(Entry).order_by(Entry.id)).all()


def _up_to(script, label: str) -> list:
    """The script's lines until the one whose reply asks `label` (that one included)."""
    head = []
    for line, expected in script:
        head.append((line, expected))
        if expected == label:
            return head
    raise AssertionError(f"{label} is not asked in the script")


@pytest.mark.parametrize("word, answered", [
    ("规则", "作品征集：2020年6月15日—2020年7月15日（进行中）"),
    ("我的作品", "还没有报名作品"),
    ("投票", "投票将于2020年8月1日开始"),
    ("投票 101", "投票将于2020年8月1日"),
    ("排行", "目前还没有票数"),
    ("结果", "评审结果尚未公布"),
    ("上传", "您还没有报名作品"),
    ("帮助", "请按上一条消息的提示回复"),
])
@pytest.mark.parametrize("step, asked", [("第1问", "【参赛资格 第1问】"),
                                         ("参赛类型", "请选择参赛类型"),
                                         ("姓名", "】姓名"),
                                         ("版权承诺", "同意请回复“同意”"),
                                         ("请核对报名信息", "请核对报名信息")])
def test_a_chat_word_at_any_step_is_answered_then_the_question_is_asked_again(
        bot, word, answered, step, asked):
    user = bot.user()
    converse(user, _up_to(JIANGMEN_INDIVIDUAL, step))
    reply = user.send_text(word).content
    assert answered in reply, reply
    assert asked in reply, reply
    assert reply.index(answered) < reply.rindex(asked)  # the question comes last


def test_my_entries_at_the_name_prompt_is_not_stored_as_the_name(bot):
    user = bot.user()
    converse(user, TO_NAME)
    assert "还没有报名作品" in user.send_text("我的作品").content
    converse(user, JIANGMEN_INDIVIDUAL[5:])
    summary = user.send_text("帮助").content
    assert "姓名：李四" in summary and "我的作品" not in summary.split("请核对")[1]
    assert "报名成功" in user.send_text("确认").content
    assert _entries(bot)[0].form["name"] == "李四"


def test_rules_at_a_yes_no_question_answers_the_rules_and_keeps_the_place(bot):
    user = bot.user()
    converse(user, [("报名", "第1问")])
    reply = user.send_text("规则").content
    assert "请回复“是”或“否”" not in reply
    assert "【作品格式】" in reply and "【参赛资格 第1问】" in reply
    assert "第2问" in user.send_text("是").content


def test_a_menu_click_inside_the_form_is_answered_and_the_field_asked_again(bot):
    user = bot.user()
    converse(user, TO_NAME)
    reply = user.click("MENU_RULES").content
    assert "【作品格式】" in reply and PENDING in reply and reply.rstrip().endswith("（2至20字）")
    converse(user, [("李四", "联系电话")])


def test_a_vote_with_a_code_inside_the_form_is_a_vote_not_an_answer(start_bot):
    user = start_bot(CONTEST_NOW="2020-07-10T10:00:00").user()
    converse(user, TO_NAME)
    reply = user.send_text("投票 101").content
    assert "投票将于" in reply and "】姓名" in reply


@pytest.mark.parametrize("typed, reason", [
    ("440701199001011234", "不要填写身份证号码"),
    ("44070119900101123x", "不要填写身份证号码"),
    ("13800138000", "不能只有数字"),
    ("１２３", "不能只有数字"),
])
def test_a_name_field_refuses_numbers_with_the_reason(bot, typed, reason):
    user = bot.user()
    converse(user, TO_NAME)
    reply = user.send_text(typed).content
    assert reason in reply and "】姓名" not in reply.split(reason)[0]
    assert "联系电话" not in reply
    converse(user, [("李四", "联系电话")])


@pytest.mark.parametrize("typed", ["嗯", "好", "是", "ok", "同意吗？", "看过了"])
def test_consent_is_only_the_word_the_pledge_names(bot, typed):
    user = bot.user()
    converse(user, _up_to(JIANGMEN_INDIVIDUAL, "版权承诺"))
    reply = user.send_text(typed).content
    assert "没有识别出您的回答" in reply and "同意请回复“同意”" in reply
    assert "请核对报名信息" not in reply


@pytest.mark.parametrize("typed", ["同意", "同意。", "我同意！", "我同意", " 同意 "])
def test_consent_accepts_the_named_word_and_its_obvious_variants(bot, typed):
    user = bot.user()
    converse(user, _up_to(JIANGMEN_INDIVIDUAL, "版权承诺"))
    assert "请核对报名信息" in user.send_text(typed).content


def test_a_failed_eligibility_answer_says_the_entrant_is_not_eligible(bot):
    user = bot.user()
    converse(user, [("报名", "第1问")])
    reply = user.send_text("否").content
    assert reply.startswith("很抱歉，您不符合本次大赛的参赛条件：本次大赛只接受原创")
    assert "报名已结束" not in reply and "很抱歉，很抱歉" not in reply


def test_the_form_counter_never_changes_its_total(start_bot):
    user = start_bot(CONTEST="gansu-2023", CONTEST_NOW=GANSU_NOW).user()
    replies = converse(user, GANSU_ANIMATION_UNIT)
    counters = re.findall(r"【报名表 ([^】]+)】", "\n".join(replies))
    totals = {c.split("/")[1] for c in counters if "/" in c}
    assert counters[0] == "第1项" and len(totals) == 1, counters
    numbers = [int(re.search(r"\d+", c).group()) for c in counters]
    assert numbers == list(range(1, len(numbers) + 1))
    assert int(totals.pop()) == len(numbers)  # every field of the form was asked


def test_edit_out_of_range_names_the_valid_range(bot):
    user = bot.user()
    summary = converse(user, JIANGMEN_INDIVIDUAL)[-1]
    items = len(re.findall(r"^\d+\. ", summary, re.M))
    reply = user.send_text(f"改 {items + 1}").content
    assert f"没有第{items + 1}项" in reply and f"请回复“改 1”到“改 {items}”" in reply
    assert "修改“" in user.send_text(f"改 {items}").content


def test_a_chat_word_while_cancelling_is_answered_and_the_cancel_question_asked_again(bot):
    user = bot.user()
    converse(user, TO_NAME)
    assert "确定要放弃本次报名吗" in user.send_text("取消").content
    reply = user.send_text("我的作品").content
    assert "还没有报名作品" in reply and reply.rstrip().endswith("回复其他任意内容继续填写。")
    kept = user.send_text("不").content
    assert "继续填写" in kept and "】姓名" in kept
