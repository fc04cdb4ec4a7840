"""Which users have messages kept for their next reply: a Redis set in front of the database,
so the reply path asks Redis (one SISMEMBER) instead of the database on every message.

The set is rebuilt from the deliveries table when Redis has lost it (a restart), so a kept
message is never forgotten; a stale member only costs one database query.
"""
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.db import session_scope
from bot.models import Delivery
from bot.sqlbits import among

if TYPE_CHECKING:  # annotations only
    from bot.services import Services

USERS_KEY = "deferred:users"
BUILT_KEY = "deferred:users:built"


def note_deferred(services: "Services", openids: Iterable[str | None]) -> None:
    """Remember that these users have a message kept for their next reply."""
    known = [openid for openid in set(openids) if openid]
    if known:
        services.redis.sadd(USERS_KEY, *known)


def note_deferred_ids(services: "Services", delivery_ids: list[int]) -> None:
    """Remember the recipients of these deliveries (after a bulk deferral)."""
    if not delivery_ids:
        return
    with session_scope(services.db) as session:
        openids = session.scalars(select(Delivery.openid).where(
            among(session, Delivery.id, delivery_ids))).all()
    note_deferred(services, openids)


def may_have_deferred(services: "Services", openid: str) -> bool:
    """False only when the user certainly has nothing kept."""
    pipe = services.redis.pipeline(transaction=False)
    pipe.sismember(USERS_KEY, openid)
    pipe.exists(BUILT_KEY)
    member, built = pipe.execute()
    if built:
        return bool(member)
    return openid in _rebuild(services)


def forget(services: "Services", openid: str) -> None:
    """The user's kept messages have all gone out."""
    services.redis.srem(USERS_KEY, openid)


def _rebuild(services: "Services") -> set[str]:
    with session_scope(services.db) as session:
        openids = set(session.scalars(select(Delivery.openid).where(
            Delivery.status == "deferred").distinct()).all())
    pipe = services.redis.pipeline()
    if openids:
        pipe.sadd(USERS_KEY, *openids)
    pipe.set(BUILT_KEY, 1)
    pipe.execute()
    return openids
