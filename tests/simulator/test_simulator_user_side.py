"""Simulated users act through /sim/: the platform posts to the bot's webhook like WeChat."""
import base64
import time

import pytest
import requests
from flask import Flask, request
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import check_signature

from tests.platform_fixtures import serve_wsgi, sim_wechat_client

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def make_bot(platform) -> Flask:
    """A tiny bot: replies to text, fetches videos, pushes a customer-service message."""
    app = Flask(__name__)
    app.config.update(SLOW_FIRST=0.0)
    app.seen = []
    config = platform.app.config

    def answer(message) -> str:
        if message.type in ("video", "shortvideo"):
            client = sim_wechat_client(platform)
            fetched = client.media.download(message.media_id)
            if isinstance(fetched, dict):
                fetched = requests.get(fetched["video_url"], timeout=10)
            return f"收到视频 {len(fetched.content)} 字节"
        if message.type == "text" and message.content == "推送":
            sim_wechat_client(platform).message.send_text(message.source, "客服消息")
        return f"你说: {getattr(message, 'content', message.type)}"

    @app.post("/wechat")
    def wechat():
        args = request.args
        check_signature(config["TOKEN"], args["signature"], args["timestamp"], args["nonce"])
        crypto = WeChatCrypto(config["TOKEN"], AES_KEY, config["APP_ID"])
        encrypted = args.get("encrypt_type") == "aes"
        xml = crypto.decrypt_message(request.data, args["msg_signature"], args["timestamp"],
                                     args["nonce"]) if encrypted else request.data
        message = parse_message(xml)
        app.seen.append(message)
        if len(app.seen) == 1 and app.config["SLOW_FIRST"]:
            time.sleep(app.config["SLOW_FIRST"])
        if message.type == "event" and message.event == "unsubscribe":
            return "success"
        reply = create_reply(answer(message), message).render()
        return crypto.encrypt_message(reply, args["nonce"]) if encrypted else reply

    return app


@pytest.fixture(params=["plain", "safe"])
def wired(request, fake_platform_factory):
    """A platform whose webhook is a running bot, in plaintext and in safe mode."""
    mode = request.param
    platform = fake_platform_factory(MODE=mode, AES_KEY=AES_KEY if mode == "safe" else "",
                                     WEBHOOK_TIMEOUT=2.0)
    bot = make_bot(platform)
    with serve_wsgi(bot) as url:
        platform.configure(WEBHOOK_URL=f"{url}/wechat")
        platform.bot = bot
        yield platform


def new_user(platform) -> str:
    return platform.sim("POST", "users", json={"nickname": "小明"})["openid"]


def test_follow_posts_subscribe_and_returns_the_welcome(wired):
    openid = new_user(wired)
    outcome = wired.sim("POST", f"users/{openid}/follow")

    assert outcome["user_sees"] == "你说: event" and outcome["attempts"] == 1
    assert wired.bot.seen[-1].event == "subscribe" and wired.bot.seen[-1].source == openid
    assert wired.state.users[openid].subscribed
    assert [m["channel"] for m in wired.sim("GET", f"inbox/{openid}")["messages"]] == ["passive"]


def test_a_text_opens_the_window_before_the_bot_handles_it(wired):
    openid = wired.sim("POST", "users", json={"subscribed": True})["openid"]  # no follow event
    outcome = wired.sim("POST", f"users/{openid}/send", json={"type": "text", "content": "推送"})

    assert outcome["content"] == "你说: 推送" and outcome["msg_id"] == wired.bot.seen[-1].id
    pushed = [(m["channel"], m["content"], m.get("grant")) for m in wired.state.inbox_of(openid)]
    assert pushed == [("custom", "客服消息", "message"), ("passive", "你说: 推送", None)]
    quota = wired.sim("GET", f"quota/{openid}")["customer_service"]
    assert quota["grants"]["message"]["used"] == 1 and quota["remaining"] == 4


def test_a_video_is_uploaded_as_the_users_media_and_the_bot_can_fetch_it(wired):
    openid = new_user(wired)
    wired.sim("POST", f"users/{openid}/follow")
    outcome = wired.sim("POST", f"users/{openid}/send", data={"type": "video"},
                        files={"media": ("entry.mp4", b"0" * 1234, "video/mp4")})

    assert outcome["content"] == "收到视频 1234 字节"
    assert wired.bot.seen[-1].media_id == outcome["media_id"]
    as_json = wired.sim("POST", f"users/{openid}/send", json={
        "type": "shortvideo", "data_base64": base64.b64encode(b"abc").decode()})
    assert as_json["content"] == "收到视频 3 字节"


def test_a_slow_bot_gets_the_same_message_again(wired):
    wired.bot.config["SLOW_FIRST"] = 2.5
    openid = wired.sim("POST", "users", json={"subscribed": True})["openid"]
    outcome = wired.sim("POST", f"users/{openid}/send", json={"type": "text", "content": "慢"})

    assert outcome["attempts"] == 2 and outcome["content"] == "你说: 慢"
    assert wired.bot.seen[0].id == wired.bot.seen[1].id == outcome["msg_id"]


def test_unfollowed_users_cannot_chat_and_lose_their_window(wired):
    openid = new_user(wired)
    wired.sim("POST", f"users/{openid}/follow")
    outcome = wired.sim("POST", f"users/{openid}/unfollow")
    assert outcome["user_sees"] is None and wired.bot.seen[-1].event == "unsubscribe"
    again = requests.post(f"{wired.url}/sim/users/{openid}/unfollow", timeout=10)
    assert again.status_code == 409 and len(wired.bot.seen) == 2

    refused = requests.post(f"{wired.url}/sim/users/{openid}/send", json={"content": "hi"},
                            timeout=10)
    assert refused.status_code == 409
    assert wired.sim("GET", f"quota/{openid}")["customer_service"]["remaining"] == 0


def test_a_dead_webhook_shows_the_user_the_service_error(fake_platform):
    fake_platform.configure(WEBHOOK_URL="http://127.0.0.1:9/wechat", WEBHOOK_DELIVERIES=2)
    openid = new_user(fake_platform)
    outcome = fake_platform.sim("POST", f"users/{openid}/follow")
    assert outcome["attempts"] == 2 and "connection failed" in outcome["error"]
    assert outcome["user_sees"] == "该公众号暂时无法提供服务，请稍后再试"
