"""Which channel each outbound message takes, from what we know of WeChat's budgets.

Channels, in the order tried for one recipient:

* ``custom`` (客服消息): only while the user's window allows. A user message grants 5 messages
  within 48 h, a follow / menu click / scan grants 3 within 60 s; a new action replaces its grant;
  a send spends the event grant first. We rebuild the grants from Entrant.last_message_at /
  last_event_at and count the custom Delivery rows sent since (our own sends are the only ones).
* ``template``: service accounts only, when a template id is configured for the purpose
  (setting WECHAT_TEMPLATE_IDS, JSON: {"notice": "<template id>", ...}).
* ``mass``: bulk sends (broadcasts): by openid list on service accounts (each user at most 4 a
  China month, counted from our mass Delivery rows); on subscription accounts by a temporary tag
  (bot.delivery.tag_mass), one sendall a day for the account (45028 after: kept for the next reply).
* ``deferred``: nothing can go now: kept and prepended to the reply to the user's next message.

The estimate can be wrong (another system sent, clocks differ): the platform's answer decides,
and 45015/45047 move the message on to the next channel (see bot.delivery.send).
"""
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.models import Delivery, Entrant
from bot.sqlbits import among

MESSAGE_GRANT = (5, timedelta(hours=48))
EVENT_GRANT = (3, timedelta(seconds=60))
MASS_PER_MONTH = 4
CHINA = timezone(timedelta(hours=8))


@dataclass(slots=True)
class Reach:
    """What we know of one recipient: following, and the custom messages the window still allows."""

    openid: str
    known: bool
    following: bool
    custom_left: int
    mass_left: int


def custom_left(last_message_at: datetime | None, last_event_at: datetime | None,
                sent_times: list[datetime], now: datetime) -> int:
    """Customer-service messages the user's live grants still allow (0 when none is open)."""
    grants: list[list[Any]] = []  # [granted at, messages left]
    if last_event_at and now < last_event_at + EVENT_GRANT[1]:
        grants.append([last_event_at, EVENT_GRANT[0]])
    if last_message_at and now < last_message_at + MESSAGE_GRANT[1]:
        grants.append([last_message_at, MESSAGE_GRANT[0]])
    for sent_at in sorted(sent_times):
        for grant in grants:  # the event grant first, as WeChat spends it
            if sent_at >= grant[0] and grant[1] > 0:
                grant[1] -= 1
                break
    return sum(left for _, left in grants)


def month_start(now: datetime) -> datetime:
    """The start of the current calendar month in China, as an aware UTC datetime."""
    local = now.astimezone(CHINA)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def reach_of(session: Session, openids: list[str], now: datetime) -> dict[str, Reach]:
    """Reach for a batch of openids in three queries (entrants, custom sends, mass sends)."""
    if not openids:
        return {}
    people = {row.openid: row for row in session.execute(select(
        Entrant.openid, Entrant.subscribed, Entrant.unsubscribed_at, Entrant.last_message_at,
        Entrant.last_event_at)
        .where(among(session, Entrant.openid, openids)))}
    sent = _custom_sent_times(session, openids, now)
    mass = dict(session.execute(select(Delivery.openid, func.count()).where(
        Delivery.channel == "mass", Delivery.status == "sent",
        among(session, Delivery.openid, openids),
        Delivery.sent_at >= month_start(now)).group_by(Delivery.openid)).tuples().all())
    return {openid: _reach(openid, people.get(openid), sent.get(openid, []),
                           mass.get(openid, 0), now) for openid in openids}


def pending_reach(session: Session, broadcast_id: int, now: datetime,
                  limit: int) -> list[tuple[int, Reach]]:
    """The next `limit` pending recipients of a broadcast as (delivery id, Reach): one query for
    the recipients, their follow state, whether a window is open and their mass sends this
    month; reach_of for the few whose window is open."""
    earlier = aliased(Delivery)
    mass_this_month = select(func.count()).where(
        earlier.channel == "mass", earlier.status == "sent", earlier.openid == Delivery.openid,
        earlier.sent_at >= month_start(now)).scalar_subquery()
    window_open = or_(Entrant.last_message_at > now - MESSAGE_GRANT[1],
                      Entrant.last_event_at > now - EVENT_GRANT[1])
    rows = session.execute(select(
        Delivery.id, Delivery.openid, Entrant.id.is_not(None), Entrant.subscribed,
        func.coalesce(window_open, False), mass_this_month)
        .outerjoin(Entrant, Entrant.openid == Delivery.openid)
        .where(Delivery.broadcast_id == broadcast_id, Delivery.status == "pending",
               Delivery.batch_key.is_(None))
        .order_by(Delivery.id).limit(limit)).tuples().all()
    windowed = reach_of(session, [row[1] for row in rows if row[4]], now)
    return [(delivery_id, windowed.get(openid) or Reach(
        openid, known, bool(subscribed), 0, MASS_PER_MONTH - mass))
        for delivery_id, openid, known, subscribed, _, mass in rows]


def _custom_sent_times(session: Session, openids: list[str],
                       now: datetime) -> dict[str, list[datetime]]:
    sent: dict[str, list[datetime]] = {}
    for openid, sent_at in session.execute(select(Delivery.openid, Delivery.sent_at).where(
            Delivery.channel == "custom", Delivery.status == "sent",
            among(session, Delivery.openid, openids),
            Delivery.sent_at >= now - MESSAGE_GRANT[1])):
        sent.setdefault(openid, []).append(sent_at)
    return sent


def _reach(openid: str, person: Row[Any] | None, sent_times: list[datetime], mass_sent: int,
           now: datetime) -> Reach:
    left = custom_left(person.last_message_at, person.last_event_at, sent_times,
                       now) if person else 0
    # Gone only after an unfollow we saw: a row without one is a follower from before the bot
    # (rows written before a first message counted as a follow); the platform decides (43004).
    following = bool(person and (person.subscribed or person.unsubscribed_at is None))
    return Reach(openid, person is not None, following, left, MASS_PER_MONTH - mass_sent)


def template_id(settings: dict, purpose_kind: str) -> str | None:
    """The template id configured for a kind of message, on service accounts only."""
    if settings.get("WECHAT_ACCOUNT_TYPE") != "service":
        return None
    ids = settings.get("WECHAT_TEMPLATE_IDS") or {}
    if isinstance(ids, str):
        ids = json.loads(ids) if ids.strip() else {}
    return ids.get(purpose_kind) or None


def choose(reach: Reach, *, account_type: str, has_template: bool, bulk: bool) -> str:
    """The channel for one recipient: custom, mass (bulk only), template, or deferred."""
    if reach.known and not reach.following:
        return "skipped"
    if reach.custom_left > 0:
        return "custom"
    if bulk and reach.mass_left > 0:
        return "mass"  # by openid list (service) or by a temporary tag (subscription)
    if has_template and account_type == "service":
        return "template"
    return "deferred"

