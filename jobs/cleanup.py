"""RQ job: the hourly media cleanup (bot.video.cleanup), each run planning the next."""
from bot.video.cleanup import clean_and_plan_next
from jobs.context import job_services


def clean_media(contest_id: str) -> dict:
    """Remove the files nobody needs any more; what was removed, by kind."""
    return clean_and_plan_next(job_services(), contest_id)
