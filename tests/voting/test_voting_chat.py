"""Voting in chat, as a voter reads it: 投票, 投票 <编号>, 排行, through the real webhook."""
import pytest

from bot.contest.clock import ContestClock
from tests.voting_helpers import (
    VOTING_DAY,
    add_entries,
    add_followers,
    contest_yaml,
    start_voting_bot,
    votes_in_db,
)


@pytest.fixture
def voting_bot(start_bot):
    bot = start_voting_bot(start_bot)
    add_entries(bot.services)
    return bot


def _follower(bot, openid="oVoter1"):
    user = bot.user(openid=openid)
    user.subscribe()
    return user


def test_vote_word_explains_how_with_the_window_and_the_gallery_link(voting_bot):
    reply = _follower(voting_bot).send_text("投票").content
    assert "2020年8月1日至2020年8月10日" in reply
    assert "http://127.0.0.1:5000/h5/gallery" in reply
    assert "投票 101" in reply and "每人共可投1票" in reply
    assert "请先关注" not in reply  # whoever writes to the account in chat already follows it


def test_a_vote_is_recorded_and_confirmed_with_the_title(voting_bot):
    user = _follower(voting_bot)
    reply = user.send_text("投票 101").content
    assert "投票成功" in reply and "101号作品《匠心侨都》" in reply
    [vote] = votes_in_db(voting_bot.services)
    assert (vote.voter_openid, vote.channel, vote.period) == ("oVoter1", "chat", "contest")
    assert vote.voter_followed_at is not None and vote.client_ip is None


@pytest.mark.parametrize("text", ["投票101", "投票　１０２", "投票：102", "投票 第102号", "投票 ＃102"])
def test_the_code_may_be_written_many_ways(voting_bot, text):
    reply = _follower(voting_bot).send_text(text).content
    assert "投票成功" in reply, reply


def test_a_second_vote_says_which_entry_got_the_vote_and_that_no_more_are_left(voting_bot):
    user = _follower(voting_bot)
    user.send_text("投票 101")
    reply = user.send_text("投票 102").content
    assert "您已经投过票了" in reply and "101号作品《匠心侨都》" in reply
    assert "2020年8月3日 10:0" in reply and "不能再投" in reply
    assert "您已经投过票了" in user.send_text("投票 101").content
    assert len(votes_in_db(voting_bot.services)) == 1


def test_unknown_and_unvotable_codes_get_their_own_answers(voting_bot):
    user = _follower(voting_bot)
    assert "没有编号为“999”的作品" in user.send_text("投票 999").content
    rejected = user.send_text("投票 103").content
    assert "103号作品不在网络投票作品之列" in rejected and "被淘汰" not in rejected
    assert "不在网络投票作品之列" in user.send_text("投票 104").content
    assert "没有看懂“投票规则”中的作品编号" in user.send_text("投票规则").content
    assert votes_in_db(voting_bot.services) == []


def test_a_voter_never_seen_following_is_a_follower_since_wechat_sends_only_theirs(voting_bot):
    user = voting_bot.user(openid="oStranger")  # followed before the bot: no subscribe event
    reply = user.send_text("投票 101").content
    assert "投票成功" in reply and "请先关注" not in reply
    [vote] = votes_in_db(voting_bot.services)
    assert vote.voter_openid == "oStranger" and vote.voter_followed_at is None  # filled later


def test_follow_not_required_lets_anyone_vote(start_bot, tmp_path):
    bot = start_voting_bot(start_bot, CONTEST=contest_yaml(tmp_path, follow_required=False))
    add_entries(bot.services)
    assert "投票成功" in bot.user(openid="oStranger").send_text("投票 101").content
    assert "投票前请先关注本公众号" not in bot.user(openid="oOther").send_text("投票").content


@pytest.mark.parametrize("now, accepted, expected", [
    ("2020-07-31T23:59:59", False, "投票将于2020年8月1日 00:00开始"),
    ("2020-08-01T00:00:00", True, "投票成功"),
    ("2020-08-10T23:59:59", True, "投票成功"),
    ("2020-08-11T00:00:00", False, "投票已于2020年8月10日 23:59结束"),
])
def test_the_window_edges_on_the_contest_clock(start_bot, now, accepted, expected):
    bot = start_voting_bot(start_bot, CONTEST_NOW=now)
    # Frozen at the edge: a slow machine must not carry 23:59:59 over midnight mid-test.
    bot.services.clock = ContestClock(bot.services.contest.timezone, now, real_time=lambda: 0.0)
    add_entries(bot.services)
    add_followers(bot.services, ["oEdge"])
    reply = bot.user(openid="oEdge").send_text("投票 101").content
    assert expected in reply, reply
    assert "2020年8月1日至2020年8月10日" in reply or accepted
    assert len(votes_in_db(bot.services)) == (1 if accepted else 0)


def test_vote_word_before_and_after_the_window_gives_the_dates(start_bot):
    before = start_voting_bot(start_bot, CONTEST_NOW="2020-07-20T09:00:00")
    assert "投票将于2020年8月1日开始" in before.user().send_text("投票").content
    after = start_voting_bot(start_bot, CONTEST_NOW="2020-08-12T09:00:00")
    assert "投票已于2020年8月10日结束" in after.user().send_text("投票").content


def test_one_vote_a_day_across_local_midnight(start_bot, tmp_path):
    bot = start_voting_bot(start_bot, CONTEST=contest_yaml(tmp_path, per="day"),
                           CONTEST_NOW="2020-08-03T23:59:58")
    add_entries(bot.services)
    user = _follower(bot, "oDaily")
    assert "每人每天可投1票" in user.send_text("投票").content
    first = user.send_text("投票 101").content
    assert "投票成功" in first and "2020年8月4日起可以再投" in first
    again = user.send_text("投票 102").content
    assert "您今天已经投过票了" in again and "2020年8月4日零点起可以再投" in again
    bot.services.clock.jump_to("2020-08-04T00:00:00")
    assert "投票成功" in user.send_text("投票 102").content
    assert "您今天已经投过票了" in user.send_text("投票 101").content
    periods = [vote.period for vote in votes_in_db(bot.services)]
    assert periods == ["2020-08-03", "2020-08-04"]


def test_on_the_last_day_a_daily_voter_is_told_voting_ends(start_bot, tmp_path):
    bot = start_voting_bot(start_bot, CONTEST=contest_yaml(tmp_path, per="day"),
                           CONTEST_NOW="2020-08-10T20:00:00")
    add_entries(bot.services)
    user = _follower(bot, "oLast")
    user.send_text("投票 101")
    assert "今天是投票的最后一天" in user.send_text("投票 101").content


def test_several_votes_a_day_use_numbered_period_keys(start_bot, tmp_path):
    bot = start_voting_bot(start_bot, CONTEST=contest_yaml(tmp_path, per="day", votes_per_user=3))
    add_entries(bot.services)
    user = _follower(bot, "oTriple")
    assert "今天您还可以再投2票" in user.send_text("投票 101").content
    assert "今天您还可以再投1票" in user.send_text("投票 101").content
    assert "投票成功" in user.send_text("投票 102").content
    third = user.send_text("投票 102").content
    assert "您今天已经投过票了" in third and third.count("投给了") == 3
    periods = [vote.period for vote in votes_in_db(bot.services)]
    assert periods == ["2020-08-03", "2020-08-03#2", "2020-08-03#3"]


def test_standings_count_valid_votes_and_rank_ties(voting_bot):
    add_followers(voting_bot.services, ["oA", "oB", "oC"])
    for openid, code in [("oA", "102"), ("oB", "102"), ("oC", "101")]:
        voting_bot.user(openid=openid).send_text(f"投票 {code}")
    reply = voting_bot.user(openid="oA").send_text("排行").content
    assert "第1名 102号《我身边的质检员》 2票" in reply
    assert "第2名 101号《匠心侨都》 1票" in reply
    assert "103" not in reply  # unvotable entries are not ranked


def test_standings_hidden_when_the_contest_says_so(start_bot, tmp_path):
    bot = start_voting_bot(start_bot, CONTEST=contest_yaml(tmp_path, show_standings=False))
    add_entries(bot.services)
    reply = bot.user().send_text("排行").content
    assert "不公开网络投票的排行和票数" in reply and "票数排行" not in bot.user().send_text(
        "投票").content


@pytest.mark.parametrize("contest, now", [
    ("shandong-2021-housing", "2021-09-10T10:00:00"),
    ("gansu-2023", "2023-04-20T09:00:00"),
    ("guangxi-2022", "2022-09-10T15:00:00"),
    ("shandong-2024-quality-month", "2024-09-05T10:00:00"),
])
def test_contests_without_a_public_vote_say_so(start_bot, contest, now):
    bot = start_voting_bot(start_bot, CONTEST=contest, CONTEST_NOW=now)
    user = bot.user()
    for text in ("投票", "投票 101", "排行"):
        assert "不设网络投票" in user.send_text(text).content
    assert votes_in_db(bot.services) == []


def test_a_menu_click_on_vote_answers_like_the_word(voting_bot):
    reply = _follower(voting_bot).click("MENU_VOTE").content
    assert "投票 101" in reply and "/h5/gallery" in reply
    assert VOTING_DAY  # the clock is inside the window
