"""Every answer fits the phase: the welcome, 帮助, 报名, 投票, 我的作品 and the menu, walked through
every phase of every seed contest on the contest clock (CONTEST_NOW), through the webhook."""
import pytest

from bot.db import session_scope
from bot.models import ResultSheet
from tests.voting_helpers import add_entries

CLOSED = "作品征集已于{}截止"
NO_VOTE = "不设网络投票"

# contest, contest time, stage, what the stage is (said by the welcome and 帮助, and by the other
# answers when they cannot act now), then the key sentence of 报名, 投票 and 我的作品.
PHASES = [
    ("jiangmen-2020", "2020-06-01T10:00", "before",
     ["作品征集将于2020年6月15日开始", "届时回复“报名”参赛"],
     "作品征集尚未开始", "投票将于2020年8月1日开始", "还没有报名作品"),
    ("jiangmen-2020", "2020-06-20T10:00", "collection",
     ["正在征集中（截止时间为2020年7月15日 23:59）", "回复“报名”参赛"],
     "【参赛资格 第1问】", "投票将于2020年8月1日开始", "回复“报名”开始参赛"),
    ("jiangmen-2020", "2020-07-20T10:00", "screening",
     ["现为初选阶段", "网络投票将于2020年8月1日开始", "回复“投票 作品编号”"],
     CLOSED.format("2020年7月15日"), "投票将于2020年8月1日开始", "没有报名作品"),
    ("jiangmen-2020", "2020-08-03T10:00", "voting",
     ["网络投票进行中（2020年8月1日至2020年8月10日）", "回复“投票 作品编号”为喜欢的作品投票"],
     CLOSED.format("2020年7月15日"), "投票方法：回复“投票 作品编号”", "没有报名作品"),
    ("jiangmen-2020", "2020-08-12T10:00", "between",
     ["网络投票已于2020年8月10日结束", "专业评审将于2020年8月15日开始"],
     CLOSED.format("2020年7月15日"), "投票已于2020年8月10日结束", "没有报名作品"),
    ("jiangmen-2020", "2020-08-16T10:00", "judging",
     ["现为专业评审阶段", "获奖结果将于2020年8月21日起公布"],
     CLOSED.format("2020年7月15日"), "投票已于2020年8月10日结束", "没有报名作品"),
    ("jiangmen-2020", "2020-08-25T10:00", "results",
     ["现为获奖公布与作品展示阶段", "获奖名单公布后会通知参赛者"],
     CLOSED.format("2020年7月15日"), "投票已于2020年8月10日结束", "没有报名作品"),
    ("jiangmen-2020", "2020-10-15T10:00", "after",
     ["已于2020年9月30日结束"],
     CLOSED.format("2020年7月15日"), "投票已于2020年8月10日结束", "没有报名作品"),
    ("gansu-2023", "2023-04-01T10:00", "before",
     ["作品征集将于2023年4月17日开始"], "作品征集尚未开始", NO_VOTE, "还没有报名作品"),
    ("gansu-2023", "2023-04-20T10:00", "collection",
     ["正在征集中（截止时间为2023年5月10日 23:59）"], "【参赛资格 第1问】", NO_VOTE,
     "回复“报名”开始参赛"),
    ("gansu-2023", "2023-05-12T10:00", "screening",
     ["现为协会初审阶段", "评选推荐将于2023年5月16日开始"],
     CLOSED.format("2023年5月10日"), NO_VOTE, "没有报名作品"),
    ("gansu-2023", "2023-05-18T10:00", "judging",
     ["现为评选推荐阶段", "获奖结果将于2023年5月21日起公布"],
     CLOSED.format("2023年5月10日"), NO_VOTE, "没有报名作品"),
    ("gansu-2023", "2023-06-01T10:00", "results",
     ["现为展播与发布阶段", "获奖名单公布后会通知参赛者"],
     CLOSED.format("2023年5月10日"), NO_VOTE, "没有报名作品"),
    ("gansu-2023", "2023-10-10T10:00", "after",
     ["已于2023年9月30日结束"], CLOSED.format("2023年5月10日"), NO_VOTE, "没有报名作品"),
    ("guangxi-2022", "2022-09-01T10:00", "before",
     ["作品征集将于2022年9月8日开始"], "作品征集尚未开始", NO_VOTE, "还没有报名作品"),
    ("guangxi-2022", "2022-09-10T10:00", "collection",
     ["正在征集中（截止时间为2022年9月20日 23:59）"], "【参赛资格 第1问】", NO_VOTE,
     "回复“报名”开始参赛"),
    ("guangxi-2022", "2022-09-22T10:00", "screening",
     ["现为作品审核阶段", "专家评比将于2022年9月24日开始"],
     CLOSED.format("2022年9月20日"), NO_VOTE, "没有报名作品"),
    ("guangxi-2022", "2022-09-25T10:00", "judging",
     ["现为专家评比阶段", "获奖结果将于2022年9月28日起公布"],
     CLOSED.format("2022年9月20日"), NO_VOTE, "没有报名作品"),
    ("guangxi-2022", "2022-10-05T10:00", "results",
     ["现为优秀作品线上展播阶段", "获奖名单公布后会通知参赛者"],
     CLOSED.format("2022年9月20日"), NO_VOTE, "没有报名作品"),
    ("guangxi-2022", "2022-11-05T10:00", "after",
     ["已于2022年10月31日结束"], CLOSED.format("2022年9月20日"), NO_VOTE, "没有报名作品"),
    ("shandong-2021-housing", "2021-08-20T10:00", "before",
     ["作品征集将于2021年9月1日开始"], "作品征集尚未开始", NO_VOTE, "还没有报名作品"),
    ("shandong-2021-housing", "2021-09-10T10:00", "collection",
     ["正在征集中（截止时间为2021年9月20日 23:59）"], "【参赛资格 第1问】", NO_VOTE,
     "回复“报名”开始参赛"),
    ("shandong-2021-housing", "2021-09-22T10:00", "screening",
     ["现为初审（形式审查）阶段", "复审将于2021年9月26日开始"],
     CLOSED.format("2021年9月20日"), NO_VOTE, "没有报名作品"),
    ("shandong-2021-housing", "2021-09-28T10:00", "judging",
     ["现为复审阶段", "获奖结果将于2021年10月1日起公布"],
     CLOSED.format("2021年9月20日"), NO_VOTE, "没有报名作品"),
    ("shandong-2021-housing", "2021-10-10T10:00", "results",
     ["现为结果公布与展示阶段", "获奖名单公布后会通知参赛者"],
     CLOSED.format("2021年9月20日"), NO_VOTE, "没有报名作品"),
    ("shandong-2021-housing", "2021-11-10T10:00", "after",
     ["已于2021年10月31日结束"], CLOSED.format("2021年9月20日"), NO_VOTE, "没有报名作品"),
    ("shandong-2024-quality-month", "2024-08-20T10:00", "before",
     ["“质量月”活动将于2024年9月1日开始"], "不设作品征集", NO_VOTE, "不征集作品"),
    ("shandong-2024-quality-month", "2024-09-05T10:00", "activity",
     ["“质量月”活动进行中（2024年9月1日至2024年9月30日）"], "不设作品征集", NO_VOTE,
     "不征集作品"),
    ("shandong-2024-quality-month", "2024-10-05T10:00", "after",
     ["已于2024年9月30日结束"], "不设作品征集", NO_VOTE, "不征集作品"),
]

# Where an answer acts now, it need not repeat the stage (报名 before collection gives the dates
# itself, 报名 during collection starts the entry, 投票 during the vote explains how).
ACTS_NOW = {("报名", "before"), ("报名", "collection"), ("投票", "voting"),
            ("我的作品", "collection")}
MENU = {"报名": "MENU_ENTER", "投票": "MENU_VOTE", "我的作品": "MENU_MY_ENTRIES",
        "帮助": "MENU_HELP", "排行": "MENU_STANDINGS"}


def _ids(row) -> str:
    return f"{row[0]}-{row[2]}"


@pytest.mark.parametrize("contest, now, stage, said, enter, vote, mine", PHASES,
                         ids=[_ids(row) for row in PHASES])
def test_every_answer_says_what_can_be_done_in_this_phase(start_bot, contest, now, stage, said,
                                                          enter, vote, mine):
    bot = start_bot(CONTEST=contest, CONTEST_NOW=now)
    welcome = bot.user(openid="oNewFollower").subscribe().content
    answers = {"欢迎": welcome}
    for word in ("帮助", "报名", "投票", "我的作品", "结果", "排行"):
        answers[word] = bot.user(openid=f"o-{word}").send_text(word).content
    for sentence in said:
        assert sentence in welcome, welcome
        assert sentence in answers["帮助"], answers["帮助"]
    for word, key in (("报名", enter), ("投票", vote), ("我的作品", mine)):
        assert key in answers[word], answers[word]
        if (word, stage) not in ACTS_NOW:
            assert said[0] in answers[word], answers[word]
    awaited = "评审结果尚未公布" if stage == "results" else said[0]  # nothing published here
    assert awaited in answers["结果"], answers["结果"]
    if vote == NO_VOTE:
        assert NO_VOTE in answers["排行"] and said[0] in answers["排行"], answers["排行"]
    for answer in answers.values():
        assert "请先关注" not in answer and "投票前请先关注" not in answer
    if stage not in ("before", "collection"):
        assert "回复“报名”参赛" not in welcome and "回复“报名”" not in answers["帮助"].split("\n")[0]
    for word, key in MENU.items():
        clicked = bot.user(openid=f"o-menu-{word}").click(key).content
        assert clicked == answers[word], (word, clicked)


@pytest.mark.parametrize("now, state, expected", [
    ("2020-07-10T10:00", "awaiting_video", "直接在本对话中发送视频"),
    ("2020-07-20T10:00", "awaiting_video", "未提交合格视频的作品不能参加评选"),
    ("2020-07-20T10:00", "valid", "现为初选阶段"),
    ("2020-08-03T10:00", "approved", "回复“投票 101”，即可为您的作品投票"),
    ("2020-08-16T10:00", "finalist", "获奖结果将于2020年8月21日起公布"),
])
def test_my_entries_says_what_comes_next_for_the_entrants_works(start_bot, now, state, expected):
    bot = start_bot(CONTEST_NOW=now)
    add_entries(bot.services, [("101", "匠心侨都", state)], owner="oEntrant")
    reply = bot.user(openid="oEntrant").send_text("我的作品").content
    assert "101《匠心侨都》" in reply and expected in reply, reply


@pytest.mark.parametrize("now, expected", [("2020-08-25T10:00", "获奖名单已公布，回复“结果”查看"),
                                           ("2020-10-15T10:00", "回复“结果”查看获奖名单")])
def test_once_results_are_published_the_welcome_points_to_them(start_bot, now, expected):
    bot = start_bot(CONTEST_NOW=now)
    with session_scope(bot.services.db) as session:
        session.add(ResultSheet(contest_id="jiangmen-2020", state="published",
                                published_contest_id="jiangmen-2020", computed_by="organizer"))
    welcome = bot.user(openid="oLateFollower").subscribe().content
    assert expected in welcome and "公布后会通知" not in welcome, welcome
