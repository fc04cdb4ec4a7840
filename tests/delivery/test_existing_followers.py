"""Followers from before the bot was switched on (no subscribe event ever seen), end to end:
the fake WeChat holds them as followers, they write through the webhook, a real RQ worker
validates videos, delivers verdicts and fills their follow time from /cgi-bin/user/info."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db import session_scope
from bot.delivery.audiences import audience_size
from bot.models import Delivery, Entrant, Vote
from bot.queueing import TELL_SCREENING
from bot.voting import fraud as vote_fraud
from tests.intake_fixtures import entry_for, reply_text
from tests.platform_fixtures import FakeClock
from tests.registration_scripts import JIANGMEN_TEAM
from tests.video_fixtures import make_video
from tests.voting_helpers import VOTING_DAY, add_entries, csrf_of, login, oauth_bot, votes_in_db

VOTE_AT = datetime(2020, 8, 3, 2, 0, tzinfo=UTC)  # VOTING_DAY, 10:00 China time


def _old_follower(stack, openid: str, since: datetime) -> str:
    """A user who follows the account since `since`; the bot was not running then."""
    stack.platform.sim("POST", "/users", json={
        "openid": openid, "subscribed": True, "subscribe_time": int(since.timestamp())})
    return openid


def _voting_stack(stack, **platform):
    stack = stack(now=VOTING_DAY, CLOCK=FakeClock(VOTE_AT.timestamp()), **platform)
    add_entries(stack.services)
    return stack


def _user_info_calls(stack) -> list:
    return [call for call in stack.platform.state.calls
            if call["path"].startswith("/cgi-bin/user/info")]


def _votes(stack) -> dict:
    with stack.services.db() as session:
        return {vote.voter_openid: vote for vote in session.scalars(select(Vote))}


def _quick_follow_openids(stack) -> set:
    with stack.services.db() as session:
        signals = vote_fraud.quick_follow_signals(session, stack.services.contest)
    return {vote.voter_openid for signal in signals for vote in signal.votes}


def test_an_old_follower_votes_and_their_follow_time_comes_later_from_wechat(stack):
    stack = _voting_stack(stack)
    recent = _old_follower(stack, "oRecentFollower", VOTE_AT - timedelta(seconds=60))
    loyal = _old_follower(stack, "oLoyalFollower", VOTE_AT - timedelta(days=400))
    for openid in (recent, loyal):
        reply = reply_text(stack.send_text(openid, "投票 101"))
        assert "投票成功" in reply and "请先关注" not in reply, reply
    assert _user_info_calls(stack) == []  # the replies did not wait for WeChat
    assert {v.voter_followed_at for v in _votes(stack).values()} == {None}
    assert _quick_follow_openids(stack) == set()

    stack.run_worker()
    calls = _user_info_calls(stack)
    assert [call["path"] for call in calls] == ["/cgi-bin/user/info/batchget"]
    votes = _votes(stack)
    assert votes[recent].voter_followed_at == VOTE_AT - timedelta(seconds=60)
    assert votes[loyal].voter_followed_at == VOTE_AT - timedelta(days=400)
    assert _quick_follow_openids(stack) == {recent}
    with stack.services.db() as session:
        entrant = session.scalars(select(Entrant).filter_by(openid=loyal)).one()
    assert entrant.subscribed and entrant.subscribed_at == VOTE_AT - timedelta(days=400)

    reply_text(stack.send_text(recent, "排行"))
    stack.run_worker()
    assert len(_user_info_calls(stack)) == 1  # asked once, not at every message


def _register(stack, openid: str) -> None:
    for line, expected in JIANGMEN_TEAM + [("确认", "报名成功！作品编号：101")]:
        reply = reply_text(stack.send_text(openid, line))
        assert expected in reply, f"after {line!r} expected {expected!r} in:\n{reply}"


def test_an_old_follower_registers_sends_a_video_and_gets_the_verdict_by_message(stack,
                                                                                   tmp_path):
    stack = stack()
    openid = _old_follower(stack, "oOldEntrant", datetime(2019, 1, 1, tzinfo=UTC))
    _register(stack, openid)
    video = make_video(tmp_path, "good.mp4", seconds=4, width=1280, height=720)
    assert "正在检查格式" in reply_text(stack.send_video(openid, video))
    stack.run_worker()
    assert stack.entry().state == "valid"
    [verdict] = stack.pushed(openid)
    assert "通过" in verdict and "101" in verdict
    with stack.services.db() as session:
        [delivery] = session.scalars(select(Delivery).where(Delivery.openid == openid)).all()
    assert (delivery.status, delivery.channel) == ("sent", "custom")


def test_an_old_follower_who_unfollowed_is_still_gone(stack, tmp_path):
    stack = stack()
    openid = _old_follower(stack, "oLeaver", datetime(2019, 1, 1, tzinfo=UTC))
    _register(stack, openid)
    video = make_video(tmp_path, "good.mp4", seconds=4, width=1280, height=720)
    stack.send_video(openid, video)
    stack.platform.sim("POST", f"/users/{openid}/unfollow")
    stack.run_worker()
    assert stack.entry().state == "valid"
    assert stack.pushed(openid) == []
    with stack.services.db() as session:
        entrant = session.scalars(select(Entrant).filter_by(openid=openid)).one()
        [delivery] = session.scalars(select(Delivery).where(Delivery.openid == openid)).all()
    assert not entrant.subscribed
    assert (delivery.status, delivery.errmsg) == ("skipped", "not following")


def test_with_the_user_info_quota_spent_votes_still_count_and_lookups_wait(stack):
    stack = _voting_stack(stack, USER_INFO_PER_DAY=0, USER_BATCHGET_PER_DAY=0)
    openid = _old_follower(stack, "oQuotaFollower", VOTE_AT - timedelta(seconds=30))
    assert "投票成功" in reply_text(stack.send_text(openid, "投票 101"))
    stack.run_worker()
    assert [call["errcode"] for call in _user_info_calls(stack)] == [45009]
    assert _votes(stack)[openid].voter_followed_at is None
    assert stack.services.redis.sismember("followers:since-unknown", openid)


def test_an_old_follower_who_never_wrote_votes_on_the_page(start_bot, fake_platform):
    since = VOTE_AT - timedelta(days=30)
    fake_platform.sim("POST", "/users", json={
        "openid": "oPageOnly", "subscribed": True, "subscribe_time": int(since.timestamp())})
    fake_platform.sim("POST", "/users", json={"openid": "oNotFollowing"})
    bot = oauth_bot(start_bot, fake_platform)
    add_entries(bot.services)
    outcomes = {}
    for openid in ("oPageOnly", "oNotFollowing"):
        browser = login(bot, openid, "/h5/entries/101")
        outcomes[openid] = browser.post(f"{bot.url}/h5/entries/101/vote", timeout=10, data={
            "csrf": csrf_of(browser, bot, "101")}, allow_redirects=False)
    assert outcomes["oPageOnly"].status_code == 200 and "投票成功" in outcomes["oPageOnly"].text
    assert outcomes["oNotFollowing"].status_code == 403
    assert "关注" in outcomes["oNotFollowing"].text
    [vote] = votes_in_db(bot.services)
    assert vote.voter_openid == "oPageOnly" and vote.voter_followed_at == since


def test_importing_followers_puts_those_who_never_wrote_in_the_follower_audience(stack):
    stack = stack()
    for number in range(10_050):
        stack.platform.state.add_user(f"oFan{number:05d}", subscribed=True)
    stack.follower("oSeen")  # the bot saw this one follow: the import leaves the row alone
    with stack.services.db() as session:
        seen_since = session.scalars(select(Entrant).filter_by(openid="oSeen")).one().subscribed_at
    stack.platform.sim("POST", "/users", json={"openid": "oGuest"})
    _old_follower(stack, "oLegacyRow", datetime(2019, 1, 1, tzinfo=UTC))
    with session_scope(stack.services.db) as session:  # as releases before this one stored it
        session.add(Entrant(openid="oLegacyRow", subscribed=False,
                            first_seen_at=datetime(2020, 1, 1, tzinfo=UTC)))
    stack.platform.configure(USER_GET_PER_DAY=1)
    runner = stack.bot.app.test_cli_runner()
    stopped = runner.invoke(args=["followers", "import"])
    assert stopped.exit_code == 1 and "45009" in stopped.output
    assert "--from 'oFan09999'" in stopped.output and "10000 newly recorded" in stopped.output
    stack.platform.clock.advance(86400)
    done = runner.invoke(args=["followers", "import", "--from", "oFan09999"])
    assert done.exit_code == 0 and "52 followers listed, 51 newly recorded" in done.output, done.output
    with stack.services.db() as session:
        size = audience_size(session, stack.services.contest, "followers")
        seen = session.scalars(select(Entrant).filter_by(openid="oSeen")).one()
    assert size == {"total": 10_052, "following": 10_052}
    assert seen_since is not None and seen.subscribed_at == seen_since


def test_a_menu_click_from_an_old_follower_also_says_they_follow(stack):
    stack = _voting_stack(stack)
    since = VOTE_AT - timedelta(days=3)
    openid = _old_follower(stack, "oClicker", since)
    stack.platform.sim("POST", f"/users/{openid}/send", json={"type": "click",
                                                               "key": "MENU_STANDINGS"})
    with stack.services.db() as session:
        entrant = session.scalars(select(Entrant).filter_by(openid=openid)).one()
    assert entrant.subscribed and entrant.subscribed_at is None
    stack.run_worker()
    with stack.services.db() as session:
        entrant = session.scalars(select(Entrant).filter_by(openid=openid)).one()
    assert entrant.subscribed_at == since


def test_an_openid_wechat_does_not_know_does_not_hold_up_the_others(stack):
    stack = _voting_stack(stack)
    since = VOTE_AT - timedelta(days=3)
    openid = _old_follower(stack, "oRealOne", since)
    stack.bot.user(openid="oGhost").send_text("排行")  # straight to the webhook: not on WeChat
    reply_text(stack.send_text(openid, "排行"))
    stack.run_worker()
    paths = [(call["path"], call["errcode"]) for call in _user_info_calls(stack)]
    assert paths[0] == ("/cgi-bin/user/info/batchget", 40003)
    assert sorted(paths[1:]) == [("/cgi-bin/user/info", 0), ("/cgi-bin/user/info", 40003)]
    with stack.services.db() as session:
        entrant = session.scalars(select(Entrant).filter_by(openid=openid)).one()
    assert entrant.subscribed_at == since


def test_a_follower_recorded_as_not_following_without_an_unfollow_still_gets_messages(stack):
    """Rows written before this release: a follower from before the bot who wrote was stored
    as not following; only an unfollow the bot saw may stop a message."""
    stack = stack()
    openid = _old_follower(stack, "oLegacy", datetime(2019, 1, 1, tzinfo=UTC))
    stack.platform.configure(WEBHOOK_URL="")  # wrote while the old release answered
    stack.send_text(openid, "你好")
    stack.platform.configure(WEBHOOK_URL=stack.bot.webhook_url)
    entry_for(stack, openid, state="approved")
    with session_scope(stack.services.db) as session:
        legacy = session.scalars(select(Entrant).filter_by(openid=openid)).one()
        legacy.subscribed, legacy.last_message_at = False, datetime.now(UTC)
    stack.services.jobs.enqueue(TELL_SCREENING, stack.entry().id, "approved", "", "s1",
                                job_id="screening-s1")
    stack.run_worker()
    assert len(stack.pushed(openid)) == 1 and "101" in stack.pushed(openid)[0]


def test_a_page_login_whose_lookup_failed_asks_again_at_the_next_login(start_bot, fake_platform):
    since = VOTE_AT - timedelta(days=30)
    fake_platform.sim("POST", "/users", json={
        "openid": "oUnlucky", "subscribed": True, "subscribe_time": int(since.timestamp())})
    fake_platform.sim("POST", "/faults", json={"path": "/cgi-bin/user/info", "kind": "http500"})
    bot = oauth_bot(start_bot, fake_platform)
    add_entries(bot.services)
    statuses = []
    for _ in range(2):
        browser = login(bot, "oUnlucky", "/h5/entries/101")
        statuses.append(browser.post(f"{bot.url}/h5/entries/101/vote", timeout=10, data={
            "csrf": csrf_of(browser, bot, "101")}, allow_redirects=False).status_code)
    assert statuses == [403, 200]
    assert votes_in_db(bot.services)[0].voter_followed_at == since
