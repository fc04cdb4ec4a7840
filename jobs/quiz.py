"""RQ job: a quiz attempt at its time limit is closed, and its taker told once."""
from bot.quiz.closing import close_expired_attempt as close
from jobs.context import job_services


def close_expired_attempt(attempt_id: int) -> str:
    """Close the attempt if its time is up (bot.quiz.closing)."""
    return close(job_services(), attempt_id)
