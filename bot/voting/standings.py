"""Counting public votes: the votable entries, valid votes per entry, and the standings.

Invalidated votes (a VoteInvalidation row) are left out of every count.
"""
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.contest import Contest
from bot.models import Entry, Vote, VoteInvalidation
from bot.voting.rules import VOTABLE_STATES, EntryRef, valid_code


@dataclass(frozen=True)
class Standing:
    """One line of the standings."""

    rank: int
    entry: EntryRef
    votes: int


# -- entries ----------------------------------------------------------------------------------

def _entry_ref(entry: Entry) -> EntryRef:
    return EntryRef(id=entry.id, code=entry.code or "", title=entry.title or "")


def votable_entries(session: Session, contest_id: str) -> list[Entry]:
    """Entries that passed screening, by code (numeric codes in numeric order)."""
    entries = session.scalars(select(Entry).where(
        Entry.contest_id == contest_id, Entry.state.in_(sorted(VOTABLE_STATES)),
        Entry.code.is_not(None))).all()
    # cast: the query leaves out entries without a code
    return sorted(entries, key=lambda e: _code_key(cast(str, e.code)))


def _code_key(code: str) -> tuple[int, int, str]:
    return (0, int(code), "") if code.isdigit() else (1, 0, code)


def find_entry(session: Session, contest_id: str, code: str) -> Entry | None:
    """The confirmed entry with that code in the contest, or None."""
    if not valid_code(code):
        return None
    return session.scalars(select(Entry).where(Entry.contest_id == contest_id,
                                               Entry.code == code)).first()


# -- counting ---------------------------------------------------------------------------------

def _valid_votes(contest_id: str) -> Select[tuple[int, int]]:
    return (select(Vote.entry_id, func.count(Vote.id).label("votes"))
            .outerjoin(VoteInvalidation, VoteInvalidation.vote_id == Vote.id)
            .where(Vote.contest_id == contest_id, VoteInvalidation.id.is_(None))
            .group_by(Vote.entry_id))


def vote_counts(session: Session, contest_id: str) -> dict[int, int]:
    """Valid (not invalidated) votes per entry id; entries without votes are absent."""
    return {entry_id: votes for entry_id, votes in session.execute(_valid_votes(contest_id))}


def count_for(session: Session, contest_id: str, entry_id: int) -> int:
    """Valid votes of one entry."""
    return vote_counts(session, contest_id).get(entry_id, 0)


def standings(session: Session, contest: Contest, limit: int | None = None) -> list[Standing]:
    """Votable entries by valid votes, most first; equal votes share a rank (1, 2, 2, 4)."""
    counts = vote_counts(session, contest.id)
    entries = votable_entries(session, contest.id)
    ordered = sorted(entries, key=lambda e: (-counts.get(e.id, 0),  # votable: with a code
                                             _code_key(cast(str, e.code))))
    lines: list[Standing] = []
    rank, previous = 0, None
    for position, entry in enumerate(ordered, 1):
        votes = counts.get(entry.id, 0)
        if votes != previous:
            rank, previous = position, votes
        lines.append(Standing(rank, _entry_ref(entry), votes))
    return lines[:limit] if limit else lines

