"""RQ job: after publication, each entrant is told their own result once per entry."""
import logging
from functools import lru_cache

from rq import Retry

from bot.chat.render import make_chat_environment, render_chat
from jobs.context import job_services

log = logging.getLogger(__name__)

RETRY = Retry(max=3, interval=[10, 60, 300])


@lru_cache(maxsize=1)
def _chat_env():
    return make_chat_environment()


def queue_personal_results(queue, sheet_id: int) -> None:
    """Queue the personal results of a published sheet (one job id per sheet)."""
    from jobs.broadcast import enqueue_once

    enqueue_once(queue, tell_results, sheet_id, job_id=f"results-{sheet_id}", retry=RETRY,
                 job_timeout=6 * 3600)


def tell_results(sheet_id: int) -> dict:
    """Deliver every personal result of the sheet; counts by outcome."""
    return tell_results_with(job_services(), sheet_id)


def tell_results_with(services, sheet_id: int) -> dict:
    """tell_results on given services."""
    from bot.delivery.send import deliver
    from bot.results.publication import personal_results
    from bot.wechat.client import make_api

    api, outcomes = make_api(services), {}
    for item in personal_results(services, sheet_id):
        template = "result_personal" if item["row"] else "result_not_finalist"
        text = render_chat(_chat_env(), template, {"contest": services.contest, **item})
        outcome = deliver(services, api, item["openid"], text,
                          purpose=f"result:{sheet_id}", key=f"result:{sheet_id}:{item['entry_id']}",
                          title=services.contest.name, template_kind="result")
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    log.info("personal results of sheet %s: %s", sheet_id, outcomes)
    return outcomes
