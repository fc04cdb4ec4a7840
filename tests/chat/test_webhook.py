"""The webhook over real HTTP: handshake, signatures, the three encryption modes, refusals."""
import time

import pytest
import requests

from tests.bot_fixtures import AES_KEY, PREVIOUS_AES_KEY


def test_handshake_echoes_echostr_verbatim(bot):
    response = bot.user().verify_url("1234567890abc+/=")
    assert response.status_code == 200
    assert response.text == "1234567890abc+/="


def test_handshake_with_forged_signature_is_refused(bot):
    response = requests.get(bot.webhook_url, params={
        "signature": "0" * 40, "timestamp": str(int(time.time())), "nonce": "1", "echostr": "x"})
    assert response.status_code == 403
    assert "x" not in response.text


@pytest.mark.parametrize("mode", ["safe", "compatible", "plain"])
def test_each_encryption_mode_gets_a_readable_reply(start_bot, mode):
    overrides = {"WECHAT_ENCODING_AES_KEY": ""} if mode == "plain" else {}
    bot = start_bot(**overrides)
    reply = bot.user(mode=mode).send_text("帮助")
    assert reply.status_code == 200
    assert reply.encrypted is (mode != "plain")
    assert "报名" in reply.content and "取消" in reply.content
    assert reply.fields["ToUserName"] == "oUserA"


@pytest.mark.parametrize("forge", ["signature", "msg_signature", "missing"])
def test_forged_or_missing_signature_is_403(bot, forge):
    user = bot.user()
    delivery = user.build("text", Content="帮助")
    if forge == "missing":
        response = requests.post(bot.webhook_url, data=delivery.xml.encode())
    else:
        response = _raw_post(bot, user, delivery, **{forge: "f" * 40})
    assert response.status_code == 403
    assert "报名" not in response.text


def _raw_post(bot, user, delivery, signature=None, msg_signature=None, timestamp=None):
    from simulator.xmlmsg import new_nonce, sign

    timestamp = timestamp or str(int(time.time()))
    nonce = new_nonce()
    body, encrypt = user.wire_body(delivery)
    params = {"signature": signature or sign(user.token, timestamp, nonce),
              "timestamp": timestamp, "nonce": nonce, "encrypt_type": "aes",
              "msg_signature": msg_signature or sign(user.token, timestamp, nonce, encrypt)}
    return requests.post(bot.webhook_url, params=params, data=body.encode())


def test_stale_timestamp_is_refused_and_tolerance_is_configurable(start_bot):
    strict = start_bot(WECHAT_TIMESTAMP_TOLERANCE="300")
    user = strict.user()
    old = int(time.time()) - 301
    assert _raw_post(strict, user, user.build("text", Content="帮助"),
                     timestamp=str(old)).status_code == 403
    lenient = start_bot(WECHAT_TIMESTAMP_TOLERANCE="3600")
    assert _raw_post(lenient, lenient.user(), lenient.user().build("text", Content="帮助"),
                     timestamp=str(old)).status_code == 200


def test_key_rotation_accepts_the_previous_key_and_answers_in_it(start_bot):
    bot = start_bot(WECHAT_ENCODING_AES_KEY=AES_KEY, WECHAT_PREVIOUS_AES_KEY=PREVIOUS_AES_KEY)
    old_key_user = bot.user(openid="oOld", aes_key=PREVIOUS_AES_KEY)
    assert "报名" in old_key_user.send_text("帮助").content
    new_key_user = bot.user(openid="oNew", aes_key=AES_KEY)
    assert "报名" in new_key_user.send_text("帮助").content


def test_a_key_not_configured_is_refused(start_bot):
    bot = start_bot(WECHAT_ENCODING_AES_KEY=AES_KEY)
    stranger = bot.user(aes_key=PREVIOUS_AES_KEY)
    response = _raw_post(bot, stranger, stranger.build("text", Content="帮助"))
    assert response.status_code == 400


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><ToUserName>gh</ToUserName><FromUserName>oX</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol3;</Content><MsgId>1</MsgId></xml>"""
XXE = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh</ToUserName><FromUserName>oX</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE, "<xml><Content>unclosed", "not xml at all",
                                  "<root><MsgType>text</MsgType></root>", "<xml></xml>"])
def test_hostile_or_malformed_xml_is_4xx_and_the_server_stays_healthy(start_bot, body):
    bot = start_bot(WECHAT_ENCODING_AES_KEY="")
    reply = bot.user(mode="plain").deliver(bot.user(mode="plain").build("text"), body=body)
    assert 400 <= reply.status_code < 500
    assert "root:" not in reply.text
    assert requests.get(bot.url + "/healthz").status_code == 200


def test_body_over_the_size_cap_is_413(start_bot):
    bot = start_bot(WECHAT_ENCODING_AES_KEY="", WECHAT_MAX_BODY_BYTES="4096")
    user = bot.user(mode="plain")
    reply = user.deliver(user.build("text", Content="长" * 3000))
    assert reply.status_code == 413
    assert "报名" in user.send_text("帮助").content


def test_reply_in_safe_mode_is_signed_and_encrypted(bot):
    reply = bot.user().send_text("规则")
    assert reply.encrypted
    assert "<Content>" not in reply.text and "江门" not in reply.text
    assert "江门" in reply.content


# WeChat's own published sample for its message encryption (WXBizMsgCrypt demo, 2014).
SAMPLE = {
    "token": "spamtest", "aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "app_id": "wx2c2769f8efd9abc2", "timestamp": "1409735669", "nonce": "1320562132",
    "msg_signature": "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
    "body": (
        "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA["
        "oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime><MsgType>"
        "<![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]></Content><MsgId>6054768590064713728"
        "</MsgId><Encrypt><![CDATA[hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+"
        "LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C"
        "41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4k"
        "w6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1B"
        "D1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2"
        "PE=]]></Encrypt></xml>"),
}


def test_wechats_published_encryption_sample_is_accepted_and_answered(start_bot):
    from simulator.wechat_user import WeChatUser
    from simulator.xmlmsg import sign

    bot = start_bot(WECHAT_TOKEN=SAMPLE["token"], WECHAT_ENCODING_AES_KEY=SAMPLE["aes_key"],
                    WECHAT_APP_ID=SAMPLE["app_id"], WECHAT_TIMESTAMP_TOLERANCE="999999999")
    params = {"signature": sign(SAMPLE["token"], SAMPLE["timestamp"], SAMPLE["nonce"]),
              "timestamp": SAMPLE["timestamp"], "nonce": SAMPLE["nonce"],
              "encrypt_type": "aes", "msg_signature": SAMPLE["msg_signature"]}
    response = requests.post(bot.webhook_url, params=params, data=SAMPLE["body"].encode())
    wechat = WeChatUser(bot.webhook_url, "oyORnuP8q7ou2gfYjqLzSIWZf0rs", token=SAMPLE["token"],
                        app_id=SAMPLE["app_id"], aes_key=SAMPLE["aes_key"], mode="compatible")
    reply = wechat.read_reply(response)
    assert reply.encrypted
    assert reply.fields["ToUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert "没有看懂" in reply.content  # "abcdteT" is no chat word
    params["msg_signature"] = "5d197aaffba7e9b25a30732f161a50dee96bd5fb"
    assert requests.post(bot.webhook_url, params=params,
                         data=SAMPLE["body"].encode()).status_code == 403


def test_healthz_reports_redis_and_database(bot, start_bot):
    healthy = requests.get(bot.url + "/healthz")
    assert healthy.status_code == 200
    assert healthy.json()["redis"] == "ok" and healthy.json()["database"] == "ok"
    broken = start_bot(DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/nowhere",
                       REDIS_URL="redis://127.0.0.1:1/0")
    down = requests.get(broken.url + "/healthz", timeout=30)
    assert down.status_code == 503
    assert down.json()["redis"] == "unreachable" and down.json()["database"] == "unreachable"


def test_with_redis_down_the_user_gets_an_apology_not_a_500(start_bot):
    bot = start_bot(REDIS_URL="redis://127.0.0.1:1/0")
    reply = bot.user().send_text("帮助")
    assert reply.status_code == 200
    assert "抱歉" in reply.content


def _copied_safe_mode_query(bot, user, delivery) -> dict:
    """The query string of a real safe-mode callback, as an eavesdropper copies it."""
    from simulator.xmlmsg import new_nonce, sign

    timestamp, nonce = str(int(time.time())), new_nonce()
    _, encrypt = user.wire_body(delivery)
    return {"signature": sign(user.token, timestamp, nonce), "timestamp": timestamp,
            "nonce": nonce, "openid": user.openid}


def test_safe_mode_refuses_a_plaintext_body_with_a_copied_signature(start_bot):
    bot = start_bot(ADMIN_OPENIDS="oAdmin")
    admin = bot.user(openid="oAdmin")
    query = _copied_safe_mode_query(bot, admin, admin.build("text", Content="帮助"))
    forged = ("<xml><ToUserName>gh</ToUserName><FromUserName>oAdmin</FromUserName>"
              "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>统计</Content>"
              "<MsgId>99</MsgId></xml>")
    answer = requests.post(bot.webhook_url, params=query, data=forged.encode())
    assert answer.status_code == 403
    assert "报名" not in answer.text and "统计" not in answer.text


def test_compatible_mode_must_be_chosen_to_accept_plaintext_beside_a_key(start_bot):
    bot = start_bot(WECHAT_MESSAGE_MODE="compatible")
    plain = bot.user(openid="oPlain", mode="plain")
    assert "报名" in plain.send_text("帮助").content
    assert "报名" in bot.user(openid="oSafe").send_text("帮助").content


def test_a_wrong_key_never_turns_into_a_500():
    # Decrypting with a wrong key yields random bytes; now and then wechatpy's length read
    # raises struct.error, which must be a refusal (400) like every other wrong-key outcome.
    from wechatpy.crypto import PrpCrypto

    from bot.wechat.crypto import DecryptError, MessageCipher, aes_key_bytes

    cipher = MessageCipher("t", "wx1234567890test", AES_KEY)
    stranger = PrpCrypto(aes_key_bytes(PREVIOUS_AES_KEY))
    for _ in range(200):
        encrypted = stranger.encrypt("<xml><Content>x</Content></xml>", "wx1234567890test")
        with pytest.raises(DecryptError):
            cipher.decrypt(encrypted.decode() if isinstance(encrypted, bytes) else encrypted)


def test_aes_claimed_without_an_encrypt_field_is_refused_403(bot):
    from simulator.xmlmsg import new_nonce, sign

    user = bot.user()
    timestamp, nonce = str(int(time.time())), new_nonce()
    params = {"signature": sign(user.token, timestamp, nonce), "timestamp": timestamp,
              "nonce": nonce, "encrypt_type": "aes", "openid": user.openid}
    response = requests.post(bot.webhook_url, params=params,
                             data=user.build("text", Content="帮助").xml.encode())
    assert response.status_code == 403
    assert "报名" not in response.text
