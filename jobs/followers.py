"""RQ job: fill in the follow time of followers the bot never saw follow (see bot.delivery.followers)."""
from jobs.context import job_services


def fill_follow_times() -> int:
    """Drain the pending follow-time lookups through the shared WeChat client."""
    from bot.delivery.followers import fill_follow_times as fill
    from bot.wechat.client import make_api

    services = job_services()
    return fill(services, make_api(services))
