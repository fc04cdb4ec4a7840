"""GET/POST /wechat: verify, decrypt, parse, reply, encrypt (wechatpy's echo-encrypted order).

This module is only HTTP: what a message means is decided in bot.chat.dispatch.
"""
import logging
import time
from typing import TYPE_CHECKING, cast

from flask import Blueprint, Response, abort, current_app, request

from bot.chat.dedupe import Replayed
from bot.chat.dispatch import UnreadableMessage, handle_inbound
from bot.wechat.crypto import DecryptError, MessageCipher
from bot.wechat.signing import signature_matches, timestamp_is_fresh
from bot.wechat.xmlsafe import BadXml, parse_flat_xml

if TYPE_CHECKING:  # annotations only: bot.services imports bot.chat
    from bot.services import Services

log = logging.getLogger(__name__)
webhook = Blueprint("webhook", __name__)


def _services() -> "Services":
    services: Services = current_app.extensions["contestbot"]
    return services


def _cipher() -> MessageCipher | None:
    settings = _services().settings
    if not settings["WECHAT_ENCODING_AES_KEY"]:
        return None
    cipher: MessageCipher = current_app.extensions["contestbot.cipher"]
    return cipher


def _verify_request() -> None:
    """403 unless the query is signed with our token and its timestamp is fresh."""
    settings = _services().settings
    args = request.args
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    if not settings["WECHAT_TOKEN"]:  # sha1 over an empty token is anyone's to compute
        log.warning("refused %s /wechat: WECHAT_TOKEN is not set", request.method)
        abort(403)
    if not signature_matches(args.get("signature"), settings["WECHAT_TOKEN"], timestamp, nonce):
        log.warning("refused %s /wechat: bad or missing signature", request.method)
        abort(403)
    if not timestamp_is_fresh(timestamp, time.time(), settings["WECHAT_TIMESTAMP_TOLERANCE"]):
        log.warning("refused %s /wechat: stale timestamp", request.method)
        abort(403)


@webhook.get("/wechat")
def handshake() -> Response:
    """WeChat's URL verification: echo `echostr` verbatim after the signature check."""
    _verify_request()
    return Response(request.args.get("echostr", ""), mimetype="text/plain")


@webhook.post("/wechat")
def receive() -> Response:
    """One message from WeChat: answer with the passive reply (encrypted in safe mode)."""
    _verify_request()
    envelope = _parse_or_400(request.get_data())
    encrypted = request.args.get("encrypt_type", "raw").lower() == "aes"
    if not encrypted and _plaintext_refused():
        log.warning("refused POST /wechat: plaintext message while safe mode is configured")
        abort(403)
    inner_xml, key = (_decrypt_or_refuse(envelope) if encrypted
                      else (request.get_data(as_text=True), None))
    message = envelope if not encrypted else _parse_or_400(inner_xml)
    if not message.get("MsgType") or not message.get("FromUserName"):
        log.warning("refused POST /wechat: not a WeChat message")
        abort(400)
    try:
        reply_xml = handle_inbound(_services(), inner_xml, message, _request_id())
    except UnreadableMessage as error:
        log.warning("refused POST /wechat: message unreadable (%s)", error)
        abort(400)
    except Replayed:
        log.warning("refused POST /wechat: signed query replayed with another message")
        abort(403)
    if not reply_xml:
        return Response("success", mimetype="text/plain")
    if encrypted:
        cipher = cast(MessageCipher, _cipher())  # _decrypt_or_refuse refused it otherwise
        reply_xml = cipher.encrypt_reply(reply_xml, request.args.get("nonce", ""), key)
    return Response(reply_xml, mimetype="application/xml")


def _plaintext_refused() -> bool:
    """Safe mode: with an AES key, only encrypted bodies, unless compatible mode is configured."""
    settings = _services().settings
    return bool(settings["WECHAT_ENCODING_AES_KEY"]) and settings["WECHAT_MESSAGE_MODE"] != "compatible"


def _request_id() -> str:
    """The signed part of the query: the same triple may not carry two different messages."""
    args = request.args
    return "{}:{}:{}".format(args.get("timestamp", ""), args.get("nonce", ""),
                             args.get("signature", ""))


def _parse_or_400(body: bytes | str) -> dict:
    try:
        return parse_flat_xml(body)
    except BadXml as error:
        log.warning("refused POST /wechat: malformed XML (%s)", error)
        abort(400)


def _decrypt_or_refuse(envelope: dict) -> tuple[str, bytes]:
    """Check msg_signature over the Encrypt field, then decrypt with the current or previous key."""
    cipher = _cipher()
    encrypted = envelope.get("Encrypt")
    if cipher is None:
        log.warning("refused POST /wechat: encrypted message but no key configured")
        abort(400)
    if not isinstance(encrypted, str) or not encrypted:
        log.warning("refused POST /wechat: encrypt_type=aes without an Encrypt field")
        abort(403)  # nothing that msg_signature could cover: an unsigned body
    args = request.args
    if not signature_matches(args.get("msg_signature"), cipher.token, args.get("timestamp", ""),
                             args.get("nonce", ""), encrypted):
        log.warning("refused POST /wechat: bad msg_signature")
        abort(403)
    try:
        return cipher.decrypt(encrypted)
    except DecryptError:
        log.warning("refused POST /wechat: Encrypt field does not decrypt with our keys")
        abort(400)
