"""The broadcast sends that take one call per recipient (customer-service and template messages):
side by side on a few threads, settled in bulk.

WeChat sets no per-second limit on these calls (only each user's window or the template quota),
so the time they take is the platform's round trip; made one after another those round trips
would add up. Recipients go in chunks: the calls of a chunk run on BROADCAST_CUSTOM_WORKERS
threads and the outcomes are written back with one UPDATE per distinct outcome. A customer-service
message has no idempotency key, so its chunk is claimed first (batch_key "custom"): a run that dies
mid-chunk leaves the claim and the next run records those recipients as failed ("interrupted")
rather than risk a double (bot.delivery.fanout). A template message carries client_msg_id, with which
WeChat drops a repeat, so it is simply sent again.
"""
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from wechatpy.exceptions import WeChatClientException

from bot.delivery.broadcasts import mark_recipients
from bot.delivery.send import template_body
from bot.models import utc_now
from bot.wechat import errors
from bot.wechat.client import WeChatApi

if TYPE_CHECKING:  # annotations only
    from bot.services import Services

log = logging.getLogger(__name__)

CUSTOM_CLAIM = "custom"
CHUNK = 200  # recipients per chunk: at most this many end "interrupted" after a crash
EXPECTED_ERRORS = errors.NOT_REACHABLE | errors.KEEP_FOR_NEXT_REPLY
Outcome = tuple[str, str, int | None, str | None]  # (status, channel, errcode, errmsg)


def send_one_by_one(services: "Services", api: WeChatApi, group: list[tuple[int, str]],
                    text: str, *, channel: str, template: str | None = None,
                    renew: Callable[[], object] = lambda: None) -> None:
    """Send `text` to each (delivery id, openid) of the group by `channel` ("custom" or
    "template") and record each outcome; `renew` is called before each chunk."""
    workers = max(1, int(services.settings["BROADCAST_CUSTOM_WORKERS"]))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"{channel}-send") as pool:
        for start in range(0, len(group), CHUNK):
            renew()
            chunk = group[start:start + CHUNK]
            if channel == "custom":
                mark_recipients(services, [delivery_id for delivery_id, _ in chunk],
                                batch_key=CUSTOM_CLAIM, attempts=1)
                outcomes = pool.map(lambda row: custom_outcome(api, row[1], text), chunk)
            else:
                outcomes = pool.map(lambda row: template_outcome(api, row, template, text), chunk)
            settle(services, chunk, list(outcomes))


def custom_outcome(api: WeChatApi, openid: str, text: str) -> Outcome:
    """One customer-service send; its outcome as (status, channel, errcode, errmsg)."""
    try:
        api.message.send_text(openid, text)
    except WeChatClientException as error:
        code = error.errcode
        if code not in EXPECTED_ERRORS:
            log.warning("custom send to broadcast recipient failed: %s", code)
        if code in errors.NOT_REACHABLE:
            return "failed", "none", code, str(error.errmsg)
        return "deferred", "next_reply", code, str(error.errmsg)
    except Exception as error:  # the network: it may or may not have gone, so not retried
        return "failed", "custom", None, f"network: {type(error).__name__}"
    return "sent", "custom", None, None


def template_outcome(api: WeChatApi, recipient: tuple[int, str], template: str | None,
                     text: str) -> Outcome:
    """One template message (client_msg_id "bc<delivery id>"); its outcome as custom_outcome's."""
    delivery_id, openid = recipient
    try:
        api.post("message/template/send",
                 data=template_body(openid, template, "", text, f"bc{delivery_id}"))
    except WeChatClientException as error:  # other errors fail the job: its retry sends again
        return "deferred", "next_reply", error.errcode, str(error.errmsg)
    return "sent", "template", None, None


def settle(services: "Services", chunk: list[tuple[int, str]], outcomes: list[Outcome]) -> None:
    """Write the chunk's outcomes: one UPDATE per distinct outcome."""
    groups: dict[Outcome, list[int]] = {}
    for (delivery_id, _), outcome in zip(chunk, outcomes, strict=True):
        groups.setdefault(outcome, []).append(delivery_id)
    now = utc_now()
    for (status, channel, errcode, errmsg), ids in groups.items():
        values: dict[str, Any] = {"status": status, "channel": channel, "errcode": errcode,
                                  "errmsg": errmsg}
        if status == "sent":
            values["sent_at"] = now
        if errcode is not None:  # the platform refused it: no longer this run's claim
            values["batch_key"] = None
        mark_recipients(services, ids, **values)
