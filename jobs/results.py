"""RQ job: after publication, each entrant is told their own result once per entry."""
from bot.results.publication import tell_personal_results
from jobs.context import job_services


def tell_results(sheet_id: int) -> dict:
    """Deliver every personal result of the sheet (bot.results.publication); counts by outcome."""
    return tell_personal_results(job_services(), sheet_id)
