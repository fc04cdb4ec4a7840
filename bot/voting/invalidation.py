"""Invalidating a public vote: an organizer's decision, kept with an audit-log line.

Votes are never edited or deleted; an invalidated vote stops counting (bot.voting.standings) but
still uses its slot.
"""
import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit
from bot.models import Vote, VoteInvalidation

log = logging.getLogger("bot.voting")  # the name these lines have always been logged under


class VoteNotFound(LookupError):
    """No vote with that id (in that contest)."""


class AlreadyInvalidated(Exception):
    """The vote was invalidated before; a vote is invalidated once."""

    def __init__(self, invalidation: VoteInvalidation):
        super().__init__(f"vote {invalidation.vote_id} already invalidated")
        # plain values: the caller's transaction is usually rolled back after this
        self.vote_id = invalidation.vote_id
        self.actor = invalidation.actor
        self.reason = invalidation.reason
        self.created_at = invalidation.created_at


def invalidate_vote(session: Session, vote_id: int, actor: str, reason: str,
                    at: datetime) -> VoteInvalidation:
    """Record that a vote does not count, with who decided and why, and an audit-log line.

    Raises VoteNotFound for an unknown id, ValueError for an empty reason or actor, and
    AlreadyInvalidated when the vote was invalidated before (the unique constraint on vote_id
    decides, so two organizers at once cannot both do it).
    """
    reason, actor = (reason or "").strip(), (actor or "").strip()
    if not reason:
        raise ValueError("an invalidation needs a reason")
    if not actor:
        raise ValueError("an invalidation needs an actor")
    vote = session.get(Vote, vote_id)
    if vote is None:
        raise VoteNotFound(vote_id)
    invalidation = VoteInvalidation(vote_id=vote.id, reason=reason, actor=actor[:128],
                                    created_at=at)
    try:
        with session.begin_nested():
            session.add(invalidation)
    except IntegrityError:
        existing = session.scalars(select(VoteInvalidation).where(
            VoteInvalidation.vote_id == vote_id)).one()
        raise AlreadyInvalidated(existing) from None
    audit.record(session, actor[:128], "vote.invalidated", "vote", vote.id, at,
                 contest=vote.contest_id, entry_id=vote.entry_id, reason=reason)
    log.info("vote %s invalidated by %s", vote.id, actor)
    return invalidation
