"""The quiz rankings: people by the attempt that counts (best or first), units by the average
or total of their members' counted scores (with a minimum of members), cities by average.

Offline scores (the organizer's import) stand in the same tables, marked offline. Ties: the
higher score first, then the shorter time; the same score and time share a place.
"""
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from bot.models.quiz import AttemptState, QuizAttempt, QuizParticipant

PLACES = Decimal("0.1")
NO_TIME = Decimal("1e9")  # offline scores have no time: after every timed one of their score


@dataclass(frozen=True)
class Standing:
    """One person's place."""

    rank: int
    participant_id: int
    name: str
    unit: str
    city: str
    score: Decimal
    duration_s: Decimal | None
    offline: bool
    attempt_id: int

    @property
    def public_name(self) -> str:
        """The name as public rankings show it (masked)."""
        return masked_name(self.name)


@dataclass(frozen=True)
class GroupStanding:
    """A unit's or a city's place."""

    rank: int
    name: str
    members: int
    score: Decimal  # average or total of the members' counted scores


def people(session: Session, contest) -> list[Standing]:
    """Everyone with an ended attempt, best first, each by the attempt that counts."""
    rows = session.execute(
        select(QuizAttempt.id, QuizAttempt.participant_id, QuizAttempt.score,
               QuizAttempt.duration_s, QuizAttempt.started_at, QuizAttempt.state,
               QuizParticipant.name, QuizParticipant.unit, QuizParticipant.city)
        .join(QuizParticipant, QuizParticipant.id == QuizAttempt.participant_id)
        .where(QuizAttempt.contest_id == contest.id,
               QuizAttempt.state != AttemptState.IN_PROGRESS.value)).all()
    counted: dict[int, Row] = {}
    for row in rows:
        held = counted.get(row.participant_id)
        if held is None or _better(row, held, contest.quiz.counts):
            counted[row.participant_id] = row
    ordered = sorted(counted.values(), key=_order)
    return [Standing(rank, row.participant_id, row.name, row.unit, row.city,
                     row.score or Decimal(0), row.duration_s,
                     row.state == AttemptState.OFFLINE.value, row.id)
            for rank, row in _ranked(ordered, _order)]


def _better(row, held, counts: str) -> bool:
    if counts == "first":
        return (row.started_at, row.id) < (held.started_at, held.id)
    return _order(row) < _order(held)


def _order(row) -> tuple:
    duration = row.duration_s if row.duration_s is not None else NO_TIME
    return (-(row.score or Decimal(0)), duration, row.id)


def _ranked(ordered: list, key) -> list[tuple[int, Any]]:
    """Competition ranking: equal keys (without the id) share a place."""
    ranked, previous, rank = [], None, 0
    for index, row in enumerate(ordered, 1):
        tie = key(row)[:-1]
        if tie != previous:
            rank, previous = index, tie
        ranked.append((rank, row))
    return ranked


def units(standings: list[Standing], rule) -> list[GroupStanding]:
    """Units with at least rule.min_members members, by average or total of their scores."""
    return _groups(standings, "unit", rule.by, rule.min_members)


def cities(standings: list[Standing]) -> list[GroupStanding]:
    """Cities by their members' average score."""
    return _groups(standings, "city", "average", 1)


def _groups(standings: list[Standing], key: str, by: str, least: int) -> list[GroupStanding]:
    members: dict[str, list[Decimal]] = defaultdict(list)
    for standing in standings:
        name = getattr(standing, key)
        if name:
            members[name].append(standing.score)
    rows = []
    for name, scores in members.items():
        if len(scores) >= least:
            total = sum(scores, Decimal(0))
            rows.append((total if by == "total" else total / len(scores), name, len(scores)))
    return rank_groups(rows)


def rank_groups(rows: list[tuple[Decimal, str, int]]) -> list[GroupStanding]:
    """(score, name, members) rows ranked: the higher score first; equal scores share a place."""
    rounded = [(value.quantize(PLACES, rounding=ROUND_HALF_UP), name, count)
               for value, name, count in rows]
    rounded.sort(key=lambda row: (-row[0], -row[2], row[1]))
    ranked = _ranked(rounded, lambda row: (-row[0], row[1]))
    return [GroupStanding(rank, name, count, value) for rank, (value, name, count) in ranked]


def place_of(standings: list, participant_id: int) -> Standing | None:
    """The person's standing, if they have one."""
    return next((s for s in standings if s.participant_id == participant_id), None)


def group_place(groups: list[GroupStanding], name: str) -> GroupStanding | None:
    """A unit's or a city's standing, if it is ranked."""
    return next((group for group in groups if group.name == name), None)


def masked_name(name: str) -> str:
    """A name as public rankings show it: 张*明, 李*."""
    if len(name) <= 1:
        return name + "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
