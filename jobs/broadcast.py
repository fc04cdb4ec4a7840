"""RQ job: fan out one confirmed broadcast (bot.delivery.fanout), retried without doubling anything."""
from bot.delivery.fanout import fan_out
from bot.wechat.client import make_api
from jobs.context import job_services


def send_broadcast(broadcast_id: int) -> dict:
    """Send every pending recipient of the broadcast; returns the final counters."""
    services = job_services()
    return fan_out(services, make_api(services), broadcast_id)
