"""WeChatUser posts what WeChat posts and reads replies the way WeChat does."""
import pytest
import requests
from flask import Flask, request
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

from simulator.wechat_user import ReplyRejected, WeChatUser
from simulator.xmlmsg import parse_xml, sign
from tests.platform_fixtures import serve_wsgi

TOKEN = "echo-token"
APP_ID = "wx1234567890abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

# The published vector of wechatpy's own crypto tests (tests/test_crypto.py).
VECTOR_TOKEN = "123456"
VECTOR_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
VECTOR_APP_ID = "wx49f0ab532d5d035a"
VECTOR_ENCRYPT = (
    "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrlu"
    "LBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkM"
    "KCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnw"
    "KKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vW"
    "wi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3"
)
VECTOR_REPLY = f"""<xml>
<Encrypt><![CDATA[{VECTOR_ENCRYPT}]]></Encrypt>
<MsgSignature><![CDATA[407518b7649e86ef23978113f92d27afa9296533]]></MsgSignature>
<TimeStamp>1411525903</TimeStamp>
<Nonce><![CDATA[461056294]]></Nonce>
</xml>"""


def make_echo_app() -> Flask:
    """A minimal bot built on wechatpy: verifies, decrypts, echoes, encrypts its reply."""
    app = Flask(__name__)
    app.config.update(REPLY_TOKEN=TOKEN, REPLY_APP_ID=APP_ID)
    app.received = []

    @app.route("/wechat", methods=["GET", "POST"])
    def wechat():
        args = request.args
        try:
            check_signature(TOKEN, args["signature"], args["timestamp"], args["nonce"])
        except InvalidSignatureException:
            return "bad signature", 403
        if request.method == "GET":
            return args["echostr"]
        xml = request.data
        encrypted = args.get("encrypt_type") == "aes"
        if encrypted:
            try:
                xml = WeChatCrypto(TOKEN, AES_KEY, APP_ID).decrypt_message(
                    request.data, args["msg_signature"], args["timestamp"], args["nonce"])
            except (InvalidSignatureException, InvalidAppIdException):
                return "bad msg_signature", 403
        message = parse_message(xml)
        app.received.append({"args": dict(args), "body": request.data.decode(), "msg": message})
        # wechatpy's renderer does not split "]]>" inside CDATA, so the echo avoids it.
        content = (getattr(message, "content", "") or "").replace("]]>", "]] >")
        text = f"echo: {content}" if message.type == "text" else f"got {message.type}"
        reply = create_reply(text, message).render()
        if not encrypted:
            return reply
        crypto = WeChatCrypto(app.config["REPLY_TOKEN"], AES_KEY, app.config["REPLY_APP_ID"])
        return crypto.encrypt_message(reply, args["nonce"], args["timestamp"])

    return app


@pytest.fixture
def echo_bot():
    app = make_echo_app()
    with serve_wsgi(app) as url:
        app.webhook = f"{url}/wechat"
        yield app


def user_for(echo_bot, mode: str) -> WeChatUser:
    return WeChatUser(echo_bot.webhook, "oUser0000000000000000000001", token=TOKEN,
                      app_id=APP_ID, aes_key=None if mode == "plain" else AES_KEY, mode=mode)


def test_safe_mode_hides_the_message_and_round_trips_an_encrypted_reply(echo_bot):
    reply = user_for(echo_bot, "safe").send_text("报名 <&> ]]> 中文")

    assert reply.encrypted and reply.msg_type == "text"
    assert reply.content == "echo: 报名 <&> ]] > 中文"
    seen = echo_bot.received[-1]
    assert seen["msg"].content == "报名 <&> ]]> 中文"
    assert seen["args"]["encrypt_type"] == "aes" and "msg_signature" in seen["args"]
    assert seen["args"]["openid"] == "oUser0000000000000000000001"
    assert "报名" not in seen["body"] and "<Encrypt>" in seen["body"]
    assert set(parse_xml(seen["body"])) == {"ToUserName", "Encrypt"}


def test_compatible_mode_sends_plaintext_fields_and_the_encrypted_copy(echo_bot):
    reply = user_for(echo_bot, "compatible").send_video("media-1", "thumb-1")

    body = parse_xml(echo_bot.received[-1]["body"])
    assert body["MediaId"] == "media-1" and body["MsgType"] == "video" and "Encrypt" in body
    assert echo_bot.received[-1]["msg"].media_id == "media-1"
    assert reply.content == "got video" and reply.encrypted


def test_plain_mode_posts_plain_xml_and_events_carry_no_msg_id(echo_bot):
    user = user_for(echo_bot, "plain")
    assert user.send_text("hi").content == "echo: hi"
    assert "encrypt_type" not in echo_bot.received[-1]["args"]

    click = user.build("event", Event="CLICK", EventKey="VOTE")
    assert click.msg_id is None and "MsgId" not in parse_xml(click.xml)
    text = user.build("text", Content="x")
    assert text.msg_id > 2 ** 60 and parse_xml(text.xml)["MsgId"] == str(text.msg_id)
    assert user.deliver(click).content == "got event"


def test_a_retry_repeats_msg_id_and_create_time_with_a_new_nonce(echo_bot):
    user = user_for(echo_bot, "safe")
    delivery = user.build("text", Content="twice")
    user.deliver(delivery)
    user.deliver(delivery)

    first, second = echo_bot.received[-2:]
    assert first["msg"].id == second["msg"].id == delivery.msg_id
    assert first["msg"].create_time == second["msg"].create_time
    assert first["args"]["nonce"] != second["args"]["nonce"]


def test_forged_signature_and_forged_msg_signature_are_refused_by_the_bot(echo_bot):
    user = user_for(echo_bot, "safe")
    delivery = user.build("text", Content="forged")

    assert user.deliver(delivery, signature="0" * 40).status_code == 403
    assert user.deliver(delivery, msg_signature="0" * 40).status_code == 403
    assert echo_bot.received == []


def test_the_url_handshake_echoes_echostr(echo_bot):
    response = user_for(echo_bot, "safe").verify_url("echo-123")
    assert response.status_code == 200 and response.text == "echo-123"


def test_a_reply_signed_with_another_token_is_dropped(echo_bot):
    echo_bot.config["REPLY_TOKEN"] = "someone-else"
    with pytest.raises(ReplyRejected, match="MsgSignature"):
        user_for(echo_bot, "safe").send_text("hi")


def test_a_reply_encrypted_for_another_appid_is_dropped(echo_bot):
    echo_bot.config["REPLY_APP_ID"] = "wx0000000000000000"
    with pytest.raises(ReplyRejected, match="appid"):
        user_for(echo_bot, "safe").send_text("hi")


def _response(text: str, status: int = 200) -> requests.Response:
    response = requests.Response()
    response.status_code, response._content, response.encoding = status, text.encode(), "utf-8"
    return response


def test_the_published_wechatpy_vector_verifies_and_decrypts():
    user = WeChatUser("http://unused.invalid/wechat", "messense", token=VECTOR_TOKEN,
                      app_id=VECTOR_APP_ID, aes_key=VECTOR_AES_KEY, mode="safe")
    reply = user.read_reply(_response(VECTOR_REPLY))
    assert reply.content == "test" and reply.fields["ToUserName"] == "messense"

    tampered = VECTOR_REPLY.replace("407518b7", "407518b8")
    with pytest.raises(ReplyRejected):
        user.read_reply(_response(tampered))


def test_signatures_match_the_published_values():
    encrypt = parse_xml(VECTOR_REPLY)["Encrypt"]
    assert sign(VECTOR_TOKEN, "1411525903", "461056294", encrypt) == \
        "407518b7649e86ef23978113f92d27afa9296533"


def test_empty_and_success_replies_have_no_fields_and_safe_mode_refuses_plaintext():
    user = WeChatUser("http://unused.invalid/wechat", "o1", token=TOKEN, app_id=APP_ID,
                      aes_key=AES_KEY, mode="safe")
    assert user.read_reply(_response("success")).fields == {}
    assert user.read_reply(_response("")).content is None
    with pytest.raises(ReplyRejected, match="plaintext"):
        user.read_reply(_response("<xml><Content><![CDATA[x]]></Content></xml>"))
    hostile = '<!DOCTYPE x [<!ENTITY a "b">]><xml><Encrypt>&a;</Encrypt></xml>'
    with pytest.raises(ReplyRejected, match="not valid XML"):
        user.read_reply(_response(hostile))
