"""Suspicious voting made visible: per entry, the votes that form a signal, with the thresholds of
the contest's `voting.fraud` section. Votes are never refused for these; the console shows them
and an organizer may invalidate votes (bot.voting.invalidate_vote).

Signals (each lists the votes involved):

- `burst`: at least `burst_count` votes for one entry within `burst_window_s` seconds (runs of
  overlapping such windows are merged into one burst);
- `quick_follow`: votes cast less than `follow_then_vote_minutes` after the voter followed the
  account (the follow time is the one recorded on the vote when it was cast);
- `address`: at least `votes_per_address` votes for one entry from one client address (page votes:
  chat votes have no address).

Invalidated votes are left out by default: they no longer count, so they need no more attention.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.contest import Contest
from bot.contest.rules import Fraud
from bot.models import Entry, Vote, VoteInvalidation

BURST = "burst"
QUICK_FOLLOW = "quick_follow"
ADDRESS = "address"


@dataclass(frozen=True)
class FlaggedVote:
    """A vote as a signal shows it (the console masks the openid when it displays it)."""

    id: int
    voter_openid: str
    cast_at: datetime
    channel: str
    voter_followed_at: datetime | None
    client_ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class Signal:
    """One suspicious pattern on one entry, and the votes in it."""

    kind: str  # burst, quick_follow, address
    entry_id: int
    entry_code: str
    entry_title: str
    votes: tuple[FlaggedVote, ...]  # earliest first
    detail: dict = field(default_factory=dict)

    @property
    def vote_ids(self) -> list[int]:
        """The ids of the votes involved."""
        return [vote.id for vote in self.votes]


def _thresholds(contest: Contest) -> Fraud | None:
    if contest.voting is None:
        return None
    return contest.voting.fraud


def _votes_by_entry(session: Session, contest_id: str, include_invalidated: bool
                    ) -> tuple[dict[int, list[FlaggedVote]], dict[int, tuple[str, str]]]:
    statement = (select(Vote, Entry.code, Entry.title)
                 .join(Entry, Vote.entry_id == Entry.id)
                 .where(Vote.contest_id == contest_id)
                 .order_by(Vote.entry_id, Vote.cast_at, Vote.id))
    if not include_invalidated:
        statement = (statement.outerjoin(VoteInvalidation, VoteInvalidation.vote_id == Vote.id)
                     .where(VoteInvalidation.id.is_(None)))
    grouped: defaultdict[int, list[FlaggedVote]] = defaultdict(list)
    entries: dict[int, tuple[str, str]] = {}
    for vote, code, title in session.execute(statement):
        grouped[vote.entry_id].append(_flagged(vote))
        entries[vote.entry_id] = (code or "", title or "")
    return grouped, entries


def _flagged(vote: Vote) -> FlaggedVote:
    return FlaggedVote(vote.id, vote.voter_openid, vote.cast_at, vote.channel,
                       vote.voter_followed_at, vote.client_ip, vote.user_agent)


def bursts_in(votes: list[FlaggedVote], window_s: int,
              count: int) -> list[list[FlaggedVote]]:
    """Runs of votes (sorted by time) where some `window_s`-second window holds ≥ `count`."""
    flagged = [False] * len(votes)
    start = 0
    span = timedelta(seconds=window_s)
    for end, vote in enumerate(votes):
        while vote.cast_at - votes[start].cast_at > span:
            start += 1
        if end - start + 1 >= count:
            for index in range(start, end + 1):
                flagged[index] = True
    runs: list[list[FlaggedVote]] = []
    current: list[FlaggedVote] = []
    for index, vote in enumerate(votes):
        if not flagged[index]:
            if current:
                runs.append(current)
                current = []
            continue
        if current and vote.cast_at - current[-1].cast_at > span:
            runs.append(current)
            current = []
        current.append(vote)
    if current:
        runs.append(current)
    return runs


def burst_signals(session: Session, contest: Contest,
                  include_invalidated: bool = False) -> list[Signal]:
    """Entries whose votes come in bursts: ≥ burst_count votes within burst_window_s."""
    fraud = _thresholds(contest)
    if fraud is None:
        return []
    grouped, entries = _votes_by_entry(session, contest.id, include_invalidated)
    signals = []
    for entry_id, votes in grouped.items():
        for run in bursts_in(votes, fraud.burst_window_s, fraud.burst_count):
            seconds = (run[-1].cast_at - run[0].cast_at).total_seconds()
            signals.append(Signal(BURST, entry_id, *entries[entry_id], tuple(run), {
                "count": len(run), "first": run[0].cast_at, "last": run[-1].cast_at,
                "seconds": seconds, "window_s": fraud.burst_window_s,
                "threshold": fraud.burst_count}))
    return _ordered(signals)


def quick_follow_signals(session: Session, contest: Contest,
                         include_invalidated: bool = False) -> list[Signal]:
    """Entries with votes cast less than follow_then_vote_minutes after the voter followed."""
    fraud = _thresholds(contest)
    if fraud is None:
        return []
    limit = timedelta(minutes=fraud.follow_then_vote_minutes)
    grouped, entries = _votes_by_entry(session, contest.id, include_invalidated)
    signals = []
    for entry_id, votes in grouped.items():
        quick = [vote for vote in votes if vote.voter_followed_at is not None
                 and timedelta(0) <= vote.cast_at - vote.voter_followed_at < limit]
        if quick:
            signals.append(Signal(QUICK_FOLLOW, entry_id, *entries[entry_id], tuple(quick), {
                "count": len(quick), "of": len(votes),
                "minutes": fraud.follow_then_vote_minutes}))
    return _ordered(signals)


def address_signals(session: Session, contest: Contest,
                    include_invalidated: bool = False) -> list[Signal]:
    """Entries with ≥ votes_per_address votes from one client address (one signal per address)."""
    fraud = _thresholds(contest)
    if fraud is None:
        return []
    grouped, entries = _votes_by_entry(session, contest.id, include_invalidated)
    signals = []
    for entry_id, votes in grouped.items():
        by_address: defaultdict[str, list[FlaggedVote]] = defaultdict(list)
        for vote in votes:
            if vote.client_ip:
                by_address[vote.client_ip].append(vote)
        for address, same in sorted(by_address.items()):
            if len(same) >= fraud.votes_per_address:
                signals.append(Signal(ADDRESS, entry_id, *entries[entry_id], tuple(same), {
                    "address": address, "count": len(same),
                    "threshold": fraud.votes_per_address}))
    return _ordered(signals)


def _ordered(signals: list[Signal]) -> list[Signal]:
    return sorted(signals, key=lambda s: (-len(s.votes), s.entry_code, s.kind))


def fraud_report(session: Session, contest: Contest,
                 include_invalidated: bool = False) -> dict[int, list[Signal]]:
    """Every signal, grouped by entry id: {entry_id: [Signal, ...]} (entries with none absent)."""
    report: defaultdict[int, list[Signal]] = defaultdict(list)
    for finder in (burst_signals, quick_follow_signals, address_signals):
        for signal in finder(session, contest, include_invalidated):
            report[signal.entry_id].append(signal)
    return dict(report)
