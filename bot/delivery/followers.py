"""Followers the bot never saw follow: their follow time from WeChat, off the reply's path.

An account is normally switched on with tens of thousands of followers whose subscribe event
the bot never received. Their first message records them as following "since unknown"
(bot.entrants.touch_message); `note_since_unknown` then puts the openid in a Redis set and,
unless a drain is already queued, queues `fill_follow_times` (one Redis round trip per new
follower, one job per drain: the 2,000 first messages of a busy minute cost one enqueue), which
drains the set 100 at a time through /cgi-bin/user/info/batchget (user/info for one) and
records WeChat's subscribe_time on the entrant and on the votes cast meanwhile (the
"votes soon after following" signal of bot.voting.fraud reads it there). An openid is asked at
most once a day; 45009 (the day's quota spent) keeps the rest for the next China day.
A page voter proves nothing by logging in: `learn_follow_state` asks user/info once then.
"""
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, cast

from redis.exceptions import RedisError
from sqlalchemy import update
from sqlalchemy.orm import Session
from wechatpy.exceptions import WeChatClientException

from bot.db import session_scope
from bot.delivery.planner import CHINA
from bot.entrants import record_follow_time, record_unfollow
from bot.models import Entrant, Vote, utc_now
from bot.queueing import FILL_FOLLOW_TIMES
from bot.wechat import errors
from bot.wechat.client import WeChatApi, make_api

if TYPE_CHECKING:  # annotations only
    from bot.services import Services

log = logging.getLogger(__name__)

PENDING_KEY = "followers:since-unknown"
DRAIN_QUEUED_KEY = "followers:drain-queued"  # a drain job is queued or running
DRAIN_COUNTER_KEY = "followers:drains"  # numbers the drain jobs (their deterministic ids)
DRAIN_QUEUED_TTL_S = 3600  # a drain lost with its worker is queued again after this
# Mark one follower asked today, add them to the pending set and, if no drain is queued, number
# a new one: the job's id. 0: asked already today; -1: a drain is already queued. A Lua function,
# so bot.chat.scripts' END runs it in the reply's own round trip.
NOTE_FUNCTION = """
local function note_since_unknown(asked, pending, queued, counter, again_s, openid, queued_s)
  if not redis.call('SET', asked, 1, 'NX', 'EX', again_s) then return 0 end
  redis.call('SADD', pending, openid)
  if redis.call('SET', queued, 1, 'NX', 'EX', queued_s) then return redis.call('INCR', counter) end
  return -1
end
"""
NOTE = NOTE_FUNCTION + """
return note_since_unknown(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2], ARGV[3])
"""
ASKED_KEY = "followers:asked:{}"  # one lookup per openid a day, whatever WeChat answered
QUOTA_SPENT_KEY = "followers:user-info-quota-spent"
ASK_AGAIN_AFTER_S = 86400
BATCH = 100  # user/info/batchget takes at most 100 openids


def note_keys(openid: str) -> list[str]:
    """The NOTE function's keys for one follower."""
    return [ASKED_KEY.format(openid), PENDING_KEY, DRAIN_QUEUED_KEY, DRAIN_COUNTER_KEY]


def note_args(openid: str) -> list:
    """The NOTE function's arguments for one follower."""
    return [ASK_AGAIN_AFTER_S, openid, DRAIN_QUEUED_TTL_S]


def note_since_unknown(services: "Services", openid: str) -> None:
    """Queue the follow-time lookup of one follower: one script call, an enqueue per drain
    (the webhook runs the same function inside its END script instead)."""
    try:
        drain = services.redis.eval(NOTE, 4, *note_keys(openid), *note_args(openid))
    except RedisError:
        log.warning("follow-time lookup not queued: redis unavailable")
        return
    queue_drain(services, drain)


def queue_drain(services: "Services", drain: int) -> None:
    """Queue drain number `drain` of the pending lookups (a NOTE's answer; <= 0: none new)."""
    if drain <= 0:
        return
    try:
        services.jobs.enqueue(FILL_FOLLOW_TIMES, job_id=f"follow-since-{drain}")
    except RedisError:  # the openid stays pending; the drain is queued again after its TTL
        log.warning("follow-time drain %s not queued: redis unavailable", drain)


def learn_follow_state(services: "Services", openid: str) -> None:
    """At a page login (no message proves anything there): a person with no follow record is
    asked about once a day through user/info, so a follower who never wrote can vote."""
    with session_scope(services.db) as session:
        entrant = session.query(Entrant).filter_by(openid=openid).one_or_none()
        if entrant and (entrant.subscribed_at or entrant.unsubscribed_at):
            return  # a follow or an unfollow was seen: the bot knows better than a lookup
    asked = ASKED_KEY.format(openid)
    try:
        if not services.redis.set(asked, 1, nx=True, ex=ASK_AGAIN_AFTER_S):
            return
        record_answers(services, [make_api(services).user.get(openid)], utc_now())
    except Exception as error:  # best effort: the login goes on, the vote rules decide
        log.warning("user/info at page login failed: %s", type(error).__name__)
        _forget(services, asked)  # unanswered: the next login asks again


def _forget(services: "Services", key: str) -> None:
    try:
        services.redis.delete(key)
    except RedisError:
        pass


def fill_follow_times(services: "Services", api: WeChatApi, now: datetime | None = None) -> int:
    """Ask WeChat for every pending follower's subscribe time; how many were answered."""
    # Cleared before draining: a follower noted from now on queues the next drain.
    services.redis.delete(DRAIN_QUEUED_KEY)
    done = 0
    while not services.redis.exists(QUOTA_SPENT_KEY):
        # with a count SPOP answers a list; bytes, as the client does not decode
        popped = cast("list[bytes] | None", services.redis.spop(PENDING_KEY, BATCH))
        openids = [raw.decode() for raw in popped or []]
        if not openids:
            break
        try:
            infos = _ask(api, openids)
        except WeChatClientException as error:
            services.redis.sadd(PENDING_KEY, *openids)
            if error.errcode != errors.QUOTA_SPENT:
                raise
            _wait_for_next_day(services, now or utc_now())
            break
        done += record_answers(services, infos, now or utc_now())
    return done


def _ask(api: WeChatApi, openids: list[str]) -> list[dict]:
    """user/info for one openid, batchget for more; an openid WeChat does not know is dropped."""
    if len(openids) > 1:
        try:
            infos: list[dict] = api.user.get_batch(openids)
            return infos
        except WeChatClientException as error:
            if error.errcode != errors.NOT_A_USER:  # one bad openid fails the batch: ask one by one
                raise
    answers: list[dict] = []
    for openid in openids:
        try:
            answers.append(api.user.get(openid))
        except WeChatClientException as error:
            if error.errcode != errors.NOT_A_USER:
                raise
            log.warning("user/info: an openid is not a user of this account (40003)")
    return answers


def record_answers(services: "Services", infos: list[dict], now: datetime) -> int:
    """Store what WeChat says of each user: following since subscribe_time, or not following."""
    with session_scope(services.db) as session:
        for info in infos:
            openid = info["openid"]
            if info.get("subscribe") and info.get("subscribe_time"):
                since = datetime.fromtimestamp(int(info["subscribe_time"]), UTC)
                entrant = record_follow_time(session, openid, since)
                if entrant.subscribed and entrant.subscribed_at == since:
                    session.execute(update(Vote).where(
                        Vote.voter_openid == openid, Vote.voter_followed_at.is_(None))
                        .values(voter_followed_at=since))
            elif not info.get("subscribe") and _known_following(session, openid):
                record_unfollow(session, openid, now)
    return len(infos)


def _known_following(session: Session, openid: str) -> bool:
    entrant = session.query(Entrant).filter_by(openid=openid).one_or_none()
    return bool(entrant and entrant.subscribed)


def _wait_for_next_day(services: "Services", now: datetime) -> None:
    """45009: no more user/info today; the pending openids wait for the next China day."""
    local = now.astimezone(CHINA)
    tomorrow = (local + timedelta(days=1)).replace(hour=0, minute=5, second=0, microsecond=0)
    services.redis.set(QUOTA_SPENT_KEY, 1, ex=max(60, int((tomorrow - local).total_seconds())))
    services.jobs.enqueue_at(FILL_FOLLOW_TIMES, tomorrow,
                             job_id=f"follow-since-{tomorrow:%Y%m%d}")
    log.warning("user/info daily quota spent; follow times wait until %s", tomorrow.isoformat())
