"""RQ job: fetch a video an entrant sent in chat, at once (WeChat keeps media for 3 days)."""
from bot.video import intake
from jobs.context import job_services


def fetch_chat_video(entry_id: int, media_id: str, submission: str) -> int | None:
    """Download, record and queue the checks of one chat video (bot.video.intake)."""
    return intake.fetch_chat_video(job_services(), entry_id, media_id, submission)
