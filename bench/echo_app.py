"""The baseline of the webhook benchmark: a bare wechatpy + Flask echo app in safe mode.

It follows wechatpy's `examples/echo-encrypted/app.py` step for step: `check_signature` on the
query, `WeChatCrypto.decrypt_message` (msg_signature + AES), `parse_message`, `create_reply` with
the message's own text, `encrypt_message`. The differences are only what a benchmark needs: no
`print` of every request (the bot logs at WARNING too), the settings come from the environment when
the factory is called (not at import), and the `WeChatCrypto` object is built once per process
instead of once per request (it only base64-decodes the key).

Serve it like the bot: `gunicorn 'bench.echo_app:create_echo_app()'` from the project root.
"""
import os

from flask import Flask, abort, request
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature


def create_echo_app(environ=None) -> Flask:
    """The echo app, configured from WECHAT_TOKEN / WECHAT_ENCODING_AES_KEY / WECHAT_APP_ID."""
    environ = os.environ if environ is None else environ
    token = environ.get("WECHAT_TOKEN", "123456")
    aes_key = environ.get("WECHAT_ENCODING_AES_KEY", "")
    app_id = environ.get("WECHAT_APP_ID", "")
    crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None

    app = Flask(__name__)

    @app.route("/wechat", methods=["GET", "POST"])
    def wechat():
        signature = request.args.get("signature", "")
        timestamp = request.args.get("timestamp", "")
        nonce = request.args.get("nonce", "")
        echo_str = request.args.get("echostr", "")
        msg_signature = request.args.get("msg_signature", "")
        try:
            check_signature(token, signature, timestamp, nonce)
        except InvalidSignatureException:
            abort(403)
        if request.method == "GET":
            return echo_str
        if crypto is None:
            abort(400)
        try:
            xml = crypto.decrypt_message(request.data, msg_signature, timestamp, nonce)
        except (InvalidSignatureException, InvalidAppIdException):
            abort(403)
        msg = parse_message(xml)
        if msg.type == "text":
            reply = create_reply(msg.content, msg)
        else:
            reply = create_reply("Sorry, can not handle this for now", msg)
        return crypto.encrypt_message(reply.render(), nonce, timestamp)

    return app
