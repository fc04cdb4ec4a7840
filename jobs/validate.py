"""RQ job: probe a stored video, check it against the contest's rules, tell the entrant."""
from bot.video import validation
from jobs.context import job_services


def validate_media(media_file_id: int, submission: str) -> str:
    """The verdict on one stored file for one submission (bot.video.validation)."""
    return validation.validate_media(job_services(), media_file_id, submission)
