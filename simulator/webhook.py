"""What a simulated user does in the WeChat app, delivered to the bot's webhook as WeChat does.

WeChat waits 5 s for a passive reply and otherwise delivers the same message again (3 deliveries
in all). A reply it cannot read (bad signature, wrong appid, not XML, HTTP error) or no reply at
all shows the user "该公众号暂时无法提供服务，请稍后再试".
"""
from typing import Any

import requests

from simulator.state import PlatformState
from simulator.wechat_user import Delivery, ReplyRejected, WeChatUser

SERVICE_UNAVAILABLE = "该公众号暂时无法提供服务，请稍后再试"
MESSAGE_KINDS = {"text", "image", "voice", "video", "shortvideo", "location", "link"}
EVENT_TRIGGERS = {"click": "CLICK", "scan": "SCAN", "view": "VIEW"}
MEDIA_KINDS = {"image": "image", "voice": "voice", "video": "video", "shortvideo": "video"}


class ActionRefused(Exception):
    """The WeChat app would not let the user do this (chat without following, follow twice);
    the text is what the app shows, in Chinese like the chat page."""


def wechat_user_for(config: dict, openid: str, http=None) -> WeChatUser:
    """A WeChatUser posting to the configured webhook with the account's credentials."""
    mode = config["MODE"] if config["AES_KEY"] else "plain"
    return WeChatUser(config["WEBHOOK_URL"], openid, token=config["TOKEN"],
                      app_id=config["APP_ID"], aes_key=config["AES_KEY"] or None, mode=mode,
                      account_id=config["ACCOUNT_ID"], http=http,
                      clock=config["WEBHOOK_CLOCK"], timeout=config["WEBHOOK_TIMEOUT"])


def _attempt(user: WeChatUser, delivery: Delivery) -> dict:
    try:
        reply = user.deliver(delivery)
    except requests.Timeout:
        return {"error": "timeout", "retry": True}
    except requests.ConnectionError as error:
        return {"error": f"connection failed: {error}", "retry": True}
    except ReplyRejected as error:
        return {"error": error.reason, "status": error.response.status_code,
                "raw": error.response.text}
    if reply.status_code != 200:
        return {"error": f"HTTP {reply.status_code}", "status": reply.status_code,
                "raw": reply.text}
    return {"status": 200, "raw": reply.text, "reply": reply.fields,
            "content": reply.content, "msg_type": reply.msg_type}


def deliver(state: PlatformState, config: dict, openid: str, delivery: Delivery) -> dict:
    """Post one delivery with WeChat's retries; record it and the passive reply."""
    outcome: dict[str, Any] = {"msg_id": delivery.msg_id, "create_time": delivery.create_time,
               "msg_type": delivery.msg_type, "attempts": 0}
    state.record_sent(openid, delivery.fields)
    if not config.get("WEBHOOK_URL"):
        outcome.update(error="no webhook configured", user_sees=None)
        return outcome
    with requests.Session() as http:
        user = wechat_user_for(config, openid, http)
        for _ in range(max(1, int(config["WEBHOOK_DELIVERIES"]))):
            outcome["attempts"] += 1
            result = _attempt(user, delivery)
            if not result.pop("retry", False):
                break
    outcome.update(result)
    outcome["user_sees"] = SERVICE_UNAVAILABLE if "error" in result else result.get("content")
    if result.get("reply"):
        state.push(openid, "passive", result["msg_type"] or "", result["reply"])
    with state.lock:
        state.webhook_log.append({"openid": openid, "time": state.now(), **outcome,
                                  "sent": delivery.fields})
    return outcome


def follow(state: PlatformState, config: dict, openid: str, scene: str = "") -> dict:
    """The user follows the account: WeChat posts a subscribe event."""
    if state.user(openid).subscribed:
        raise ActionRefused("你已经关注了这个公众号")
    state.set_following(openid, True)
    state.record_interaction(openid, "subscribe")
    user = wechat_user_for(config, openid)
    key = f"qrscene_{scene}" if scene else ""
    return deliver(state, config, openid, user.build("event", Event="subscribe", EventKey=key))


def unfollow(state: PlatformState, config: dict, openid: str) -> dict:
    """The user unfollows: WeChat posts an unsubscribe event (no reply reaches the user)."""
    if not state.user(openid).subscribed:
        raise ActionRefused("你还没有关注这个公众号")
    state.set_following(openid, False)
    user = wechat_user_for(config, openid)
    return deliver(state, config, openid, user.build("event", Event="unsubscribe", EventKey=""))


def _build(state, config, openid: str, kind: str, params: dict) -> Delivery:
    user = wechat_user_for(config, openid)
    if kind in MEDIA_KINDS:
        with state.lock:
            media = state.media.add(MEDIA_KINDS[kind], params["data"],
                                    params.get("filename", ""), state.now(), owner=openid,
                                    answer=params.get("answer"))
        if kind == "image":
            return user.build("image", PicUrl=f"http://mmbiz.qpic.cn/sim/{media.media_id}",
                              MediaId=media.media_id)
        if kind == "voice":
            return user.build("voice", MediaId=media.media_id, Format="amr")
        return user.build(kind, MediaId=media.media_id, ThumbMediaId=params.get("thumb", "thumb0"))
    builders = {
        "text": lambda: user.build("text", Content=params["content"]),
        "location": lambda: user.build("location", Location_X=params["x"],
                                       Location_Y=params["y"], Scale=15,
                                       Label=params.get("label", "")),
        "link": lambda: user.build("link", Title=params["title"],
                                   Description=params.get("description", ""), Url=params["url"]),
        "click": lambda: user.build("event", Event="CLICK", EventKey=params["key"]),
        "view": lambda: user.build("event", Event="VIEW", EventKey=params["url"]),
        "scan": lambda: user.build("event", Event="SCAN", EventKey=params["scene"],
                                   Ticket="sim"),
    }
    if kind not in builders:
        raise ValueError(f"unknown message kind {kind!r}")
    return builders[kind]()


def act(state: PlatformState, config: dict, openid: str, kind: str, **params) -> dict:
    """The user sends a message or clicks; the grant it opens is recorded before delivery."""
    user = state.user(openid)
    if not user.subscribed:
        raise ActionRefused("未关注：关注公众号后才能聊天")
    delivery = _build(state, config, openid, kind, params)
    if kind in MESSAGE_KINDS:
        state.record_interaction(openid, "message")
    elif kind in EVENT_TRIGGERS:
        state.record_interaction(openid, EVENT_TRIGGERS[kind])
    outcome = deliver(state, config, openid, delivery)
    if delivery.fields.get("MediaId"):
        outcome["media_id"] = delivery.fields["MediaId"]
    return outcome
