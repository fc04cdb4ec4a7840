"""RQ job: fill in the follow time of followers the bot never saw follow (bot.delivery.followers)."""
from bot.delivery.followers import fill_follow_times as fill
from bot.wechat.client import make_api
from jobs.context import job_services


def fill_follow_times() -> int:
    """Drain the pending follow-time lookups through the shared WeChat client."""
    services = job_services()
    return fill(services, make_api(services))
