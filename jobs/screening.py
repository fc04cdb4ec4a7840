"""RQ job: tell an entrant the screening (初审) decision on their entry, with the reason."""
import logging

from bot.db import session_scope
from bot.models import Entry
from jobs.context import job_services
from jobs.outcome import tell

log = logging.getLogger(__name__)

TEMPLATES = {"approved": "screening_approved", "rejected": "screening_rejected"}
STILL_STANDS = {"approved": ("approved", "finalist"), "rejected": ("rejected",)}


def push_screening_decision(entry_id: int, decision: str, reason: str, submission: str) -> str:
    """Send the decision once (per audit line); skipped when a later decision replaced it."""
    services = job_services()
    with session_scope(services.db) as session:
        state = session.get(Entry, entry_id).state
    if state not in STILL_STANDS[decision]:
        log.info("screening message for entry %s skipped: the entry is now %s", entry_id, state)
        return "superseded"
    contest = services.contest
    return tell(services, entry_id, f"screening-{submission}", TEMPLATES[decision], {
        "reason": reason, "voting": contest.phase(contest.voting.phase) if contest.voting else None,
        "judging": contest.phase("judging"), "results": contest.phase("results")})
