"""Public votes (the public API): casting (chat and page share one function), counting, standings,
invalidation. The code lives in bot.voting.rules, bot.voting.casting, bot.voting.standings and
bot.voting.invalidation; import it from here.

The rules come from the contest's `voting` section:

- the window is the phase named by `voting.phase`, on the contest clock, both edges inclusive
  (`Phase.contains`);
- votable entries are those that passed screening: state `approved` or `finalist`;
- `follow_required`: the voter must currently follow the account (`Entrant.subscribed`); the
  follow time is kept on the vote (`voter_followed_at`) for the fraud signals;
- `votes_per_user` votes per period, the period being the whole contest (`per: contest`) or the
  voter's local calendar day in the contest's time zone (`per: day`).

One vote per period is the database's unique constraint on (contest_id, voter_openid, period):
casting INSERTs and lets the constraint decide (ON CONFLICT DO NOTHING on PostgreSQL and SQLite,
a savepoint and the IntegrityError elsewhere); it never reads first. The period key is
`contest` or the local date (`2020-08-03`) for the first vote of a period; when a contest gives
more than one vote per period, the k-th vote (k ≥ 2) uses the key `<period>#<k>`
(`2020-08-03#2`, `contest#3`), and casting tries the slots in order, so the constraint still caps
a voter at `votes_per_user` rows per period whatever the concurrency. Such votes may go to any
votable entry, the same one included.

Votes are never edited or deleted. An organizer invalidates one by adding a VoteInvalidation
(with an audit-log line); counts and standings leave invalidated votes out. An invalidated vote
still uses its slot: the voter does not get it back.
"""
from bot.voting.casting import cast_vote, votes_in_period
from bot.voting.invalidation import AlreadyInvalidated, VoteNotFound, invalidate_vote
from bot.voting.rules import (
                            ALREADY_VOTED,
                            CHANNELS,
                            CLOSED,
                            NO_VOTING,
                            NOT_FOLLOWING,
                            NOT_VOTABLE,
                            NOT_YET,
                            RECORDED,
                            UNKNOWN_ENTRY,
                            VOTABLE_STATES,
                            CastVote,
                            EntryRef,
                            VoteOutcome,
                            WindowInfo,
                            next_period_start,
                            normalize_code,
                            period_of,
                            period_slots,
                            valid_code,
                            window,
)
from bot.voting.standings import (
                            Standing,
                            count_for,
                            find_entry,
                            standings,
                            votable_entries,
                            vote_counts,
)

__all__ = [
    # rules
    "VOTABLE_STATES", "CHANNELS", "RECORDED", "ALREADY_VOTED", "NO_VOTING", "NOT_YET", "CLOSED",
    "NOT_FOLLOWING", "UNKNOWN_ENTRY", "NOT_VOTABLE", "EntryRef", "CastVote", "VoteOutcome",
    "WindowInfo", "normalize_code", "window", "period_of", "period_slots", "next_period_start",
    "valid_code",
    # casting
    "cast_vote", "votes_in_period",
    # counting and standings
    "Standing", "votable_entries", "find_entry", "vote_counts", "count_for", "standings",
    # invalidation
    "VoteNotFound", "AlreadyInvalidated", "invalidate_vote",
]
