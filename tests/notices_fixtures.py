"""Fixtures for notices, broadcasts and results: the bot, the fake platform, many people fast."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from bot.db import session_scope
from bot.models import Broadcast, Delivery, Entrant, Entry, Score, Vote
from tests.stack import Stack


class NoticeStack(Stack):
    """The shared stack, with bulk helpers for broadcasts and their deliveries."""

    def people(self, openids: list, *, window: bool = False, following: bool = True,
               on_platform: bool = True) -> list:
        """Users on the platform and in our database; window: they messaged us just now."""
        now = datetime.now(UTC)
        for openid in openids:
            if on_platform:
                self.platform.state.add_user(openid, subscribed=following)
                if window:
                    self.platform.state.record_interaction(openid, "message")
        with session_scope(self.services.db) as session:
            session.execute(insert(Entrant), [dict(
                openid=openid, subscribed=following, first_seen_at=now, subscribed_at=now,
                last_message_at=now if window else None) for openid in openids])
        return openids

    def deliveries(self, broadcast_id: int) -> list:
        with self.services.db() as session:
            return session.scalars(select(Delivery).where(
                Delivery.broadcast_id == broadcast_id)).all()

    def broadcast(self, broadcast_id: int) -> Broadcast:
        with self.services.db() as session:
            return session.get(Broadcast, broadcast_id)


@pytest.fixture
def notice_stack(make_stack):
    """Start the stack: `notice_stack(contest=..., now=..., account=..., admins=..., routes=...)`."""
    def start(contest="jiangmen-2020", now="2020-06-20T10:00:00", account="service",
              admins="", routes=None, **settings) -> NoticeStack:
        return make_stack(contest, now, stack_class=NoticeStack, routes=routes,
                          platform={"ACCOUNT_TYPE": account}, WECHAT_ACCOUNT_TYPE=account,
                          ADMIN_OPENIDS=admins, **settings)
    return start


def make_entries(services, count: int, state: str, *, prefix: str = "o",
                 first_code: int = 101) -> list[int]:
    """`count` entries in `state`, one entrant each; returns entry ids (codes 101, 102, ...)."""
    start = datetime(2020, 6, 20, 2, tzinfo=UTC)
    ids = []
    with session_scope(services.db) as session:
        for index in range(count):
            entrant = Entrant(openid=f"{prefix}{index:05d}", subscribed=True,
                              first_seen_at=start)
            session.add(entrant)
            session.flush()
            entry = Entry(contest_id=services.contest.id, code=str(first_code + index),
                          entrant_id=entrant.id, title=f"作品{index}", state=state, form={},
                          confirmed_at=start + timedelta(minutes=index))
            session.add(entry)
            session.flush()
            ids.append(entry.id)
    return ids


def add_scores(services, entry_points: dict, judges=("j1", "j2", "j3")) -> None:
    """Each judge gives each entry `points` split evenly over the contest's criteria."""
    criteria = services.contest.scoring.criteria
    with session_scope(services.db) as session:
        for entry_id, points in entry_points.items():
            for offset, judge in enumerate(judges):
                total = Decimal(str(points)) + offset - 1  # judges differ by a point
                for criterion in criteria:
                    share = total * Decimal(str(criterion.max_points)) / Decimal(
                        str(services.contest.scoring.max_points))
                    session.add(Score(entry_id=entry_id, judge=judge, criterion=criterion.id,
                                      points=share.quantize(Decimal("0.01"))))


def add_votes(services, entry_votes: dict) -> None:
    """`votes` distinct voters for each entry."""
    with session_scope(services.db) as session:
        rows = [dict(contest_id=services.contest.id, voter_openid=f"v{entry_id}-{n}",
                     entry_id=entry_id, period="contest", channel="chat",
                     cast_at=datetime.now(UTC))
                for entry_id, votes in entry_votes.items() for n in range(votes)]
        if rows:
            session.execute(insert(Vote), rows)
