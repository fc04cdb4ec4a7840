"""A client that posts to a bot's webhook exactly as WeChat's servers do for one follower."""
import time
from dataclasses import dataclass, field

import requests
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException

from simulator.xmlmsg import new_msg_id, new_nonce, parse_xml, render_fields, sign

MODES = ("safe", "compatible", "plain")


class ReplyRejected(Exception):
    """WeChat would drop this passive reply (bad signature, wrong appid, unparsable XML)."""

    def __init__(self, reason: str, response=None):
        super().__init__(reason)
        self.reason = reason
        self.response = response


@dataclass
class Delivery:
    """One message as WeChat built it: retries re-post the same MsgId and CreateTime."""

    msg_type: str
    fields: dict
    create_time: int
    msg_id: int | None

    @property
    def xml(self) -> str:
        """The plaintext inner XML."""
        return "<xml>" + render_fields(self.fields) + "</xml>"


@dataclass
class Reply:
    """The bot's passive reply as WeChat reads it."""

    status_code: int
    text: str
    fields: dict = field(default_factory=dict)
    encrypted: bool = False

    @property
    def content(self) -> str | None:
        """The reply's Content text, if any."""
        return self.fields.get("Content")

    @property
    def msg_type(self) -> str | None:
        """The reply's MsgType, if any."""
        return self.fields.get("MsgType")


class WeChatUser:
    """One follower of the account, as seen by the bot's webhook."""

    def __init__(self, webhook_url: str, openid: str, *, token: str, app_id: str,
                 aes_key: str | None = None, mode: str = "safe",
                 account_id: str = "gh_contestbot0001", http=None,
                 clock=time.time, timeout: float = 10.0):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        if mode != "plain" and not aes_key:
            raise ValueError("safe and compatible modes need an EncodingAESKey")
        self.webhook_url = webhook_url
        self.openid = openid
        self.token = token
        self.app_id = app_id
        self.aes_key = aes_key
        self.mode = mode
        self.account_id = account_id
        self.http = http or requests.Session()
        self.clock = clock
        self.timeout = timeout

    # -- messages -------------------------------------------------------------------------
    def send_text(self, content: str) -> Reply:
        """Send a text message."""
        return self.deliver(self.build("text", Content=content))

    def send_image(self, media_id: str) -> Reply:
        """Send a picture."""
        pic_url = f"http://mmbiz.qpic.cn/sim/{media_id}/0"
        return self.deliver(self.build("image", PicUrl=pic_url, MediaId=media_id))

    def send_voice(self, media_id: str) -> Reply:
        """Send a voice message."""
        return self.deliver(self.build("voice", MediaId=media_id, Format="amr"))

    def send_video(self, media_id: str, thumb_media_id: str = "thumb0") -> Reply:
        """Send a video (MsgType video)."""
        return self.deliver(self.build("video", MediaId=media_id, ThumbMediaId=thumb_media_id))

    def send_shortvideo(self, media_id: str, thumb_media_id: str = "thumb0") -> Reply:
        """Send a short video (MsgType shortvideo)."""
        return self.deliver(self.build("shortvideo", MediaId=media_id,
                                       ThumbMediaId=thumb_media_id))

    def send_link(self, title: str, url: str, description: str = "") -> Reply:
        """Share a link."""
        return self.deliver(self.build("link", Title=title, Description=description, Url=url))

    def send_location(self, x: float, y: float, scale: int = 15, label: str = "") -> Reply:
        """Share a location."""
        return self.deliver(self.build("location", Location_X=x, Location_Y=y,
                                       Scale=scale, Label=label))

    # -- events ---------------------------------------------------------------------------
    def subscribe(self, scene: str = "") -> Reply:
        """Follow the account (optionally through a QR code scene)."""
        key = f"qrscene_{scene}" if scene else ""
        return self.deliver(self.build("event", Event="subscribe", EventKey=key))

    def unsubscribe(self) -> Reply:
        """Unfollow the account."""
        return self.deliver(self.build("event", Event="unsubscribe", EventKey=""))

    def click(self, key: str) -> Reply:
        """Click a menu button of type click."""
        return self.deliver(self.build("event", Event="CLICK", EventKey=key))

    def view(self, url: str) -> Reply:
        """Open a menu link (the browser opens; the bot only hears of it)."""
        return self.deliver(self.build("event", Event="VIEW", EventKey=url))

    def scan(self, scene: str) -> Reply:
        """Scan a parametric QR code while already following."""
        return self.deliver(self.build("event", Event="SCAN", EventKey=scene, Ticket="sim"))

    # -- wire -----------------------------------------------------------------------------
    def build(self, msg_type: str, **fields) -> Delivery:
        """Build a message like WeChat does; events get no MsgId."""
        create_time = int(self.clock())
        msg_id = None if msg_type == "event" else new_msg_id()
        ordered = {"ToUserName": self.account_id, "FromUserName": self.openid,
                   "CreateTime": create_time, "MsgType": msg_type, **fields}
        if msg_id is not None:
            ordered["MsgId"] = msg_id
        return Delivery(msg_type, ordered, create_time, msg_id)

    def wire_body(self, delivery: Delivery) -> tuple[str, str | None]:
        """The POST body for this mode and the Encrypt field it carries (None in plain mode)."""
        if self.mode == "plain":
            return delivery.xml, None
        encrypt = PrpCrypto(self._key()).encrypt(delivery.xml, self.app_id).decode()
        encrypted = render_fields({"Encrypt": encrypt})
        if self.mode == "safe":
            to_user = render_fields({"ToUserName": self.account_id})
            return f"<xml>{to_user}{encrypted}</xml>", encrypt
        return "<xml>" + render_fields(delivery.fields) + encrypted + "</xml>", encrypt

    def deliver(self, delivery: Delivery, *, signature=None, timestamp=None, nonce=None,
                body=None, msg_signature=None) -> Reply:
        """Post a delivery with a fresh query; overrides forge the signature, time or body."""
        timestamp = str(int(self.clock())) if timestamp is None else str(timestamp)
        nonce = new_nonce() if nonce is None else nonce
        wire, encrypt = self.wire_body(delivery)
        params = {"signature": signature or sign(self.token, timestamp, nonce),
                  "timestamp": timestamp, "nonce": nonce, "openid": self.openid}
        if encrypt is not None:
            params["encrypt_type"] = "aes"
            params["msg_signature"] = msg_signature or sign(self.token, timestamp, nonce, encrypt)
        payload = wire if body is None else body
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        response = self.http.post(self.webhook_url, params=params, data=payload,
                                  headers={"Content-Type": "text/xml", "User-Agent": "Mozilla/4.0"},
                                  timeout=self.timeout)
        return self.read_reply(response)

    def verify_url(self, echostr: str) -> requests.Response:
        """The signed GET handshake WeChat sends when the server URL is configured."""
        timestamp, nonce = str(int(self.clock())), new_nonce()
        params = {"signature": sign(self.token, timestamp, nonce), "timestamp": timestamp,
                  "nonce": nonce, "echostr": echostr}
        return self.http.get(self.webhook_url, params=params, timeout=self.timeout)

    def read_reply(self, response) -> Reply:
        """Read a passive reply like WeChat: verify and decrypt in safe/compatible mode."""
        text = response.text
        if response.status_code != 200 or text.strip() in ("", "success"):
            return Reply(response.status_code, text)
        fields = self._parse(text, response)
        if "Encrypt" not in fields:
            if self.mode == "safe":
                raise ReplyRejected("plaintext reply in safe mode", response)
            return Reply(response.status_code, text, fields)
        if self.mode == "plain":
            raise ReplyRejected("encrypted reply in plaintext mode", response)
        return Reply(response.status_code, text, self._decrypt(fields, response), encrypted=True)

    def _decrypt(self, envelope: dict, response) -> dict:
        expected = sign(self.token, envelope.get("TimeStamp", ""), envelope.get("Nonce", ""),
                        envelope["Encrypt"])
        if envelope.get("MsgSignature") != expected:
            raise ReplyRejected("bad MsgSignature on reply", response)
        try:
            inner = PrpCrypto(self._key()).decrypt(envelope["Encrypt"], self.app_id)
        except InvalidAppIdException:
            raise ReplyRejected("reply encrypted for another appid", response) from None
        except Exception as error:  # noqa: BLE001 - any decryption failure drops the reply
            raise ReplyRejected(f"reply does not decrypt: {error}", response) from None
        return self._parse(inner, response)

    @staticmethod
    def _parse(text, response) -> dict:
        try:
            return parse_xml(text)
        except Exception as error:  # noqa: BLE001 - defusedxml and expat raise many kinds
            raise ReplyRejected(f"reply is not valid XML: {error}", response) from None

    def _key(self) -> bytes:
        return WeChatCrypto(self.token, self.aes_key, self.app_id).key
