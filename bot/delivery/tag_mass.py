"""Mass send on a subscription account: WeChat has no send-by-openid-list there, so a batch is
sent to a temporary tag (sendall with filter.tag_id), then the tag is deleted.

Tag names are the batch's clientmsgid, so a retried job finds and reuses its own tag, and
sendall with the same clientmsgid answers 45065 instead of sending twice. A subscription account
may mass-send once a day: WeChat answers 45028 after that, and the caller keeps the messages for
each user's next reply.
"""
import logging

from wechatpy.exceptions import WeChatClientException

from bot.wechat.client import WeChatApi
from bot.wechat.errors import TAG_NAME_TAKEN

log = logging.getLogger(__name__)

TAGGING_MAX = 50  # openids per batchtagging call


def send_to_tagged(api: WeChatApi, key: str, openids: list[str], text: str) -> dict:
    """Tag the openids with a tag named after the batch, sendall to it, delete the tag."""
    tag_id = _tag_named(api, key)
    try:
        for start in range(0, len(openids), TAGGING_MAX):
            api.post("tags/members/batchtagging",
                     data={"openid_list": openids[start:start + TAGGING_MAX], "tagid": tag_id})
        answer: dict = api.post("message/mass/sendall", data={
            "filter": {"is_to_all": False, "tag_id": tag_id}, "msgtype": "text",
            "text": {"content": text}, "clientmsgid": key, "send_ignore_reprint": 0})
        return answer
    finally:
        _delete_tag(api, tag_id)


def _tag_named(api: WeChatApi, name: str) -> int:
    try:
        return int(api.post("tags/create", data={"tag": {"name": name}})["tag"]["id"])
    except WeChatClientException as error:
        if error.errcode != TAG_NAME_TAKEN:
            raise
    for tag in api.get("tags/get").get("tags", []):
        if tag.get("name") == name:
            return int(tag["id"])
    raise WeChatClientException(TAG_NAME_TAKEN, f"tag {name} could not be created or found")


def _delete_tag(api: WeChatApi, tag_id: int) -> None:
    try:
        api.post("tags/delete", data={"tag": {"id": tag_id}})
    except WeChatClientException as error:  # a stale tag only uses one of the 100 slots
        log.warning("could not delete temporary tag %s: %s", tag_id, error.errcode)
