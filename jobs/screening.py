"""RQ job: tell an entrant the screening (初审) decision on their entry, with the reason."""
from bot.delivery.tell import tell_screening_decision
from jobs.context import job_services


def push_screening_decision(entry_id: int, decision: str, reason: str, submission: str) -> str:
    """Send the decision once (per audit line); skipped when a later decision replaced it."""
    return tell_screening_decision(job_services(), entry_id, decision, reason, submission)
