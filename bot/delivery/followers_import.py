"""Import the account's followers (user/get, 10,000 a page by next_openid) as Entrant rows, so
audiences such as "all followers" include the ones who never wrote to the bot.

Rows the bot already has are left as they are (a follow or unfollow it saw is better known),
except rows marked not following without any unfollow seen (written by releases that took a
first message for a stranger's): WeChat lists them as following, so they are. New rows are
following "since unknown" (bot.delivery.followers fills the time when it matters).
user/get has a small daily quota (500 calls on a new account): on 45009 the import stops and
says which next_openid to continue from.
"""
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from wechatpy.exceptions import WeChatClientException

from bot.db import session_scope
from bot.models import Entrant, utc_now
from bot.sqlbits import dialect_insert
from bot.wechat.client import WeChatApi

if TYPE_CHECKING:  # annotations only
    from bot.services import Services

PAGE_SIZE = 10_000  # user/get's page
INSERT_CHUNK = 2_000


class ImportStopped(RuntimeError):
    """WeChat refused a page (45009: quota spent); `next_openid` continues the import."""

    def __init__(self, errcode: int, next_openid: str, progress: dict[str, Any]) -> None:
        super().__init__(f"user/get answered errcode {errcode}")
        self.errcode, self.next_openid, self.progress = errcode, next_openid, progress


def import_followers(services: "Services", api: WeChatApi, start: str = "",
                     on_page: Callable[[dict[str, Any]], object] | None = None) -> dict[str, Any]:
    """Page through user/get from `start`; {'total', 'pages', 'seen', 'added'}."""
    progress: dict[str, Any] = {"total": None, "pages": 0, "seen": 0, "added": 0}
    next_openid = start or None
    while True:
        try:
            answer = api.user.get_followers(next_openid)
        except WeChatClientException as error:
            raise ImportStopped(error.errcode, next_openid or "", progress) from error
        openids = (answer.get("data") or {}).get("openid") or []
        progress["total"] = answer.get("total", progress["total"])
        if not openids:
            return progress
        progress["pages"] += 1
        progress["seen"] += len(openids)
        progress["added"] += add_followers(services, openids)
        if on_page:
            on_page(progress)
        next_openid = answer.get("next_openid") or ""
        if not next_openid or len(openids) < PAGE_SIZE:
            return progress


def add_followers(services: "Services", openids: list[str]) -> int:
    """Record the openids as following since unknown where the bot knew no better; how many
    rows that changed."""
    now = utc_now()
    added = 0
    with session_scope(services.db) as session:
        for start in range(0, len(openids), INSERT_CHUNK):
            rows = [{"openid": openid, "subscribed": True, "first_seen_at": now}
                    for openid in openids[start:start + INSERT_CHUNK]]
            statement = dialect_insert(session, Entrant).values(rows)
            result = session.execute(statement.on_conflict_do_update(
                index_elements=["openid"], set_={"subscribed": True},
                where=Entrant.subscribed.is_(False) & Entrant.unsubscribed_at.is_(None))
                .returning(Entrant.id))
            added += len(result.all())
    return added
