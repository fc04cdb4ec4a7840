"""Property-based drill of the chat (hypothesis): random text, random message types and random
retries, from every state of a registration and during voting.

Whatever is sent: WeChat never gets a 500 (nor the apology of a crashed handler), no confirmed
entry lacks a required field, and nobody has two votes. Examples are bounded (a few seconds in
all); each example is a fresh user, so examples do not disturb each other.
"""
import itertools
import threading

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.models import Entry, Vote
from tests.registration_scripts import JIANGMEN_INDIVIDUAL, JIANGMEN_TEAM
from tests.voting_helpers import add_entries, add_followers, start_voting_bot

APOLOGY = "系统刚才出了点问题"
DRILL = settings(max_examples=15, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])
_users = itertools.count()

WORDS = ["报名", "取消", "确认", "改 1", "改 3", "改 99", "跳过", "同意", "不同意", "是", "否", "1",
         "2", "3", "帮助", "规则", "我的作品", "投票", "投票 101", "排行", "",
         "江门市某某科技有限公司", "13800138000", "zhangsan@163.com", "529000", "2020-06-01"]
SCRIPT_ANSWERS = [line for line, _ in JIANGMEN_TEAM + JIANGMEN_INDIVIDUAL]
# What WeChat can carry in XML 1.0: no C0 controls but tab/newline (those get a 400: see the fuzz)
XML_CHARS = st.characters(codec="utf-8", blacklist_categories=("Cs",),
                          blacklist_characters=[chr(c) for c in range(32) if c not in (9, 10)])
texts = st.one_of(st.sampled_from(WORDS), st.sampled_from(SCRIPT_ANSWERS),
                  st.text(alphabet=XML_CHARS, max_size=40),
                  st.text(alphabet=XML_CHARS, min_size=300, max_size=700))
actions = st.one_of(
    st.tuples(st.just("text"), texts),
    st.tuples(st.just("retry"), st.integers(0, 50)),
    st.tuples(st.just("other"), st.sampled_from(
        ["image", "voice", "video", "shortvideo", "location", "link", "subscribe",
         "unsubscribe", "click", "view", "scan", "unknown_event", "unknown_type"])),
)


def _other(user, kind: str):
    if kind in ("image", "voice"):
        return user.build(kind, MediaId="m-drill", PicUrl="http://127.0.0.1:9/p.jpg",
                          Format="amr")
    if kind in ("video", "shortvideo"):
        return user.build(kind, MediaId="m-drill", ThumbMediaId="t-drill")
    if kind == "location":
        return user.build("location", Location_X=22.58, Location_Y=113.08, Scale=15,
                          Label="江门")
    if kind == "link":
        return user.build("link", Title="t", Description="d", Url="http://127.0.0.1:9/")
    if kind == "unknown_type":
        return user.build("miniprogrampage", Title="x")
    event = {"subscribe": ("subscribe", ""), "unsubscribe": ("unsubscribe", ""),
             "click": ("CLICK", "ENTER"), "view": ("VIEW", "http://127.0.0.1:9/"),
             "scan": ("SCAN", "42"), "unknown_event": ("weapp_audit_success", "")}[kind]
    return user.build("event", Event=event[0], EventKey=event[1])


def _play(user, prefix, steps) -> list:
    """Send the prefix and the random steps; every reply as WeChat read it."""
    sent, replies = [], []

    def send(delivery):
        sent.append(delivery)
        replies.append(user.deliver(delivery))

    for line in prefix:
        send(user.build("text", Content=line))
    for kind, value in steps:
        if kind == "text":
            send(user.build("text", Content=value))
        elif kind == "retry" and sent:
            send(sent[value % len(sent)])  # WeChat re-posting an earlier message, same MsgId
        elif kind == "other":
            send(_other(user, value))
    return replies


def _assert_answered(replies) -> None:
    for reply in replies:
        assert reply.status_code == 200, reply.text[:300]
        assert APOLOGY not in (reply.content or ""), "a handler crashed"


def _missing_required(contest, entry) -> list:
    fields = contest.fields_for(entry.entrant_kind, entry.category)
    return [f.id for f in fields if f.required and not str(entry.form.get(f.id) or "").strip()]


def test_random_chat_in_every_registration_state_is_answered_and_keeps_entries_whole(bot):
    script = [line for line, _ in JIANGMEN_TEAM]

    @DRILL
    @given(script_choice=st.sampled_from(["team", "individual"]),
           depth=st.integers(0, len(JIANGMEN_TEAM)),
           steps=st.lists(actions, max_size=8))
    def drill(script_choice, depth, steps):
        lines = script if script_choice == "team" else [l for l, _ in JIANGMEN_INDIVIDUAL]
        user = bot.user(openid=f"oProp{next(_users):06d}")
        _assert_answered(_play(user, lines[:depth] + (["确认"] if depth == len(lines) else []),
                               steps))

    drill()
    with bot.services.db() as session:
        entries = session.scalars(select(Entry)).all()
        assert entries, "no example confirmed an entry: the drill reached too few states"
        for entry in entries:
            assert entry.title and not _missing_required(bot.services.contest, entry), entry.id


def test_random_votes_retries_and_bursts_never_give_anyone_two_votes(start_bot):
    bot = start_voting_bot(start_bot)
    add_entries(bot.services)
    voters = [f"oPropVoter{i}" for i in range(6)]
    add_followers(bot.services, voters)
    users = {openid: bot.user(openid) for openid in voters}
    vote_texts = st.sampled_from(["投票 101", "投票 102", "投票102", "投票 103", "投票 999",
                                  "投票", "排行", "投票 第101号", "投票：１０２"])
    steps = st.lists(st.tuples(st.sampled_from(voters),
                               st.sampled_from(["send", "retry", "burst"]), vote_texts),
                     min_size=1, max_size=8)

    @DRILL
    @given(steps=steps)
    def drill(steps):
        sent = {}
        for openid, how, text in steps:
            user = users[openid]
            if how == "retry" and openid in sent:
                deliveries = [sent[openid]] * 3  # WeChat's three deliveries, at once
            elif how == "burst":
                deliveries = [user.build("text", Content=text) for _ in range(3)]
            else:
                deliveries = [user.build("text", Content=text)]
            sent[openid] = deliveries[0]
            replies = []
            threads = [threading.Thread(
                target=lambda d=d, user=user, replies=replies: replies.append(user.deliver(d)))
                       for d in deliveries]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            _assert_answered(replies)
        with bot.services.db() as session:
            doubled = session.execute(select(Vote.voter_openid, func.count()).group_by(
                Vote.voter_openid).having(func.count() > 1)).all()
        assert doubled == []

    drill()
    with bot.services.db() as session:
        assert session.scalar(select(func.count()).select_from(Vote)) >= 1
