"""RQ job: one scheduled notice of the contest YAML goes out as a broadcast, once ever."""
from bot.delivery import notices
from jobs.context import job_services


def send_notice(contest_id: str, notice_id: str) -> dict | None:
    """Make (once) and fan out the notice's broadcast (bot.delivery.notices)."""
    return notices.send_notice(job_services(), contest_id, notice_id)
