"""Entrant records: create on first contact, follow and unfollow, last-contact times.

A follower the bot never saw follow (they followed before it was switched on) is recorded as
following by their first message, with `subscribed_at` None ("since unknown") until
bot.delivery.followers fills it from WeChat's user/info.

Each function works inside the caller's session and transaction (the caller commits). The row is
created with INSERT ... ON CONFLICT DO NOTHING and then read back locked (SELECT ... FOR UPDATE on
PostgreSQL), or, for the contact time of every message, written by one INSERT ... ON CONFLICT DO
UPDATE with GREATEST (SQLite: max), so simultaneous first messages from one openid never collide
and out-of-order or retried events never move a timestamp backwards.
"""
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from bot.models import Entrant
from bot.sqlbits import dialect_insert


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"timestamps must be timezone-aware, got {at!r}")


def _later(current: datetime | None, at: datetime) -> datetime:
    return at if current is None or at > current else current


def _insert_if_missing(session: Session, openid: str, at: datetime) -> None:
    statement = (dialect_insert(session, Entrant)
                 .values(openid=openid, subscribed=False, first_seen_at=at)
                 .on_conflict_do_nothing(index_elements=["openid"]))
    session.execute(statement)


def _fetch(session: Session, openid: str, *, lock: bool) -> Entrant:
    statement = select(Entrant).where(Entrant.openid == openid).execution_options(
        populate_existing=True)
    if lock:
        statement = statement.with_for_update()
    return session.scalars(statement).one()


def _locked_entrant(session: Session, openid: str, at: datetime) -> Entrant:
    _require_aware(at)
    _insert_if_missing(session, openid, at)
    return _fetch(session, openid, lock=True)


def get_or_create_entrant(session: Session, openid: str, at: datetime) -> Entrant:
    """The entrant for this openid, created (first seen at `at`) when it is new."""
    _require_aware(at)
    _insert_if_missing(session, openid, at)
    return _fetch(session, openid, lock=False)


def record_follow(session: Session, openid: str, at: datetime) -> Entrant:
    """Mark the openid as following since `at` unless a later unfollow is already recorded."""
    entrant = record_follow_time(session, openid, at)
    entrant.last_event_at = _later(entrant.last_event_at, at)
    session.flush()
    return entrant


def record_follow_time(session: Session, openid: str, at: datetime) -> Entrant:
    """Like record_follow, from WeChat's user/info subscribe_time: no event, so no window."""
    entrant = _locked_entrant(session, openid, at)
    if entrant.unsubscribed_at is None or at >= entrant.unsubscribed_at:
        entrant.subscribed = True
    entrant.subscribed_at = _later(entrant.subscribed_at, at)
    session.flush()
    return entrant


def record_unfollow(session: Session, openid: str, at: datetime) -> Entrant:
    """Mark the openid as no longer following unless a later follow is already recorded."""
    entrant = _locked_entrant(session, openid, at)
    if entrant.subscribed_at is None or at >= entrant.subscribed_at:
        entrant.subscribed = False
    entrant.unsubscribed_at = _later(entrant.unsubscribed_at, at)
    session.flush()
    return entrant


class Contact(NamedTuple):
    """The follow state of a sender after their message or event was recorded."""

    subscribed: bool
    subscribed_at: datetime | None


def touch_message(session: Session | Connection, openid: str, at: datetime, is_event: bool,
                  proves_follow: bool = False) -> Contact:
    """Record a user message (opens the 48 h window) or an event (menu click, scan: 1 min),
    as one INSERT ... ON CONFLICT DO UPDATE (the hot path's only database statement).

    `proves_follow`: WeChat delivers chat messages and menu actions only from followers, so the
    sender follows at `at` (since an unknown time, unless a follow was recorded) unless an
    unfollow at or after `at` is already recorded (events can arrive out of order).
    """
    _require_aware(at)
    table = Entrant.__table__
    column = table.c.last_event_at if is_event else table.c.last_message_at
    dialect = _dialect_name(session)
    later = func.greatest if dialect == "postgresql" else func.max  # SQLite: max(a, b)
    follows = and_(literal(proves_follow), table.c.subscribed.is_(False),
                   or_(table.c.unsubscribed_at.is_(None), table.c.unsubscribed_at < at))
    refollow_unseen = and_(follows, table.c.subscribed_at.is_not(None),
                           table.c.unsubscribed_at.is_not(None),
                           table.c.subscribed_at <= table.c.unsubscribed_at)
    insert = dialect_insert(session, table).values(
        openid=openid, subscribed=proves_follow, first_seen_at=at, **{column.name: at})
    statement = insert.on_conflict_do_update(index_elements=["openid"], set_={
        column.name: later(func.coalesce(column, at), at),
        "subscribed": case((follows, True), else_=table.c.subscribed),
        "subscribed_at": case((refollow_unseen, None), else_=table.c.subscribed_at),
    }).returning(table.c.subscribed, table.c.subscribed_at)
    subscribed, subscribed_at = session.execute(statement).one()
    return Contact(subscribed, subscribed_at)


def _dialect_name(session: Session | Connection) -> str:
    return (session if isinstance(session, Connection) else session.get_bind()).dialect.name
