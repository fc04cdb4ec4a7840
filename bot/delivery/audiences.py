"""Who a broadcast or notice is for: each audience is one SQL query of (openid, following).

followers: everyone known to follow the account; entrants: owners of a confirmed entry;
entrants_without_video: owners of an entry still waiting for its video; refused: owners of an
entry whose video was refused; voters: anyone who voted in the contest; finalists: owners of a
finalist entry (or of an approved one when the contest's finalists are all approved entries).
Unfollowed people stay in the entrant audiences so their delivery records say why they got nothing.
"""
from collections.abc import Iterable

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.contest import Contest
from bot.entries import CONFIRMED, judged_states
from bot.models import AUDIENCES, Entrant, Entry, EntryState, QuizParticipant, Vote


def _owners(contest_id: str, states: Iterable[EntryState]) -> Select:
    return (select(Entrant.openid, Entrant.subscribed)
            .where(Entrant.id.in_(select(Entry.entrant_id).where(
                Entry.contest_id == contest_id, Entry.state.in_(sorted(states))))))


def _finalist_states(contest: Contest) -> frozenset:
    return judged_states(contest) or frozenset({EntryState.FINALIST})


def audience_query(contest: Contest, audience: str) -> Select:
    """(openid, subscribed) of every member of the audience, ordered by openid."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}; one of {', '.join(AUDIENCES)}")
    if audience == "followers":
        query = select(Entrant.openid, Entrant.subscribed).where(Entrant.subscribed.is_(True))
    elif audience == "voters":
        query = select(Entrant.openid, Entrant.subscribed).where(Entrant.openid.in_(
            select(Vote.voter_openid).where(Vote.contest_id == contest.id)))
    elif audience == "quiz_participants":
        query = select(Entrant.openid, Entrant.subscribed).where(Entrant.openid.in_(
            select(QuizParticipant.openid).where(QuizParticipant.contest_id == contest.id)))
    else:
        states = {"entrants": CONFIRMED, "entrants_without_video": {EntryState.AWAITING_VIDEO},
                  "refused": {EntryState.VIDEO_REFUSED}, "finalists": _finalist_states(contest)}
        query = _owners(contest.id, states[audience])
    return query.order_by(Entrant.openid)


def audience_size(session: Session, contest: Contest, audience: str) -> dict[str, int]:
    """How many people the audience holds, and how many of them follow the account."""
    members = audience_query(contest, audience).order_by(None).subquery()
    total, following = session.execute(select(
        func.count(), func.count().filter(members.c.subscribed.is_(True)))
        .select_from(members)).one()
    return {"total": total, "following": following}
