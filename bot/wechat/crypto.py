"""WeChat safe-mode message encryption: AES-256-CBC with the EncodingAESKey, key rotation aware."""
import base64
import binascii
import struct
import time

from wechatpy.crypto import PrpCrypto
from wechatpy.exceptions import InvalidAppIdException

from bot.wechat.signing import sign
from bot.wechat.xmlsafe import cdata


class DecryptError(ValueError):
    """The Encrypt field could not be decrypted with any configured key."""


def aes_key_bytes(encoding_aes_key: str) -> bytes:
    """Decode a 43-character EncodingAESKey into the 32-byte AES key."""
    if len(encoding_aes_key) != 43:
        raise ValueError("EncodingAESKey must be 43 characters")
    key = base64.b64decode(encoding_aes_key + "=")
    if len(key) != 32:
        raise ValueError("EncodingAESKey must decode to 32 bytes")
    return key


class MessageCipher:
    """Decrypts with the current or previous key; encrypts replies with the current key."""

    def __init__(self, token: str, app_id: str, aes_key: str, previous_aes_key: str = ""):
        self.token = token
        self.app_id = app_id
        self.keys = [aes_key_bytes(aes_key)]
        if previous_aes_key:
            self.keys.append(aes_key_bytes(previous_aes_key))

    def decrypt(self, encrypted: str) -> tuple[str, bytes]:
        """Plaintext XML of an Encrypt field and the key that opened it; DecryptError if none."""
        for key in self.keys:
            try:
                return PrpCrypto(key).decrypt(encrypted, self.app_id), key
            except (InvalidAppIdException, ValueError, UnicodeDecodeError, binascii.Error,
                    IndexError, TypeError, struct.error):  # a wrong key yields any garbage
                continue
        raise DecryptError("no configured EncodingAESKey decrypts this message")

    def encrypt_reply(self, reply_xml: str, nonce: str, key: bytes | None = None,
                      timestamp: str | None = None) -> str:
        """The encrypted, signed reply envelope; during a key rotation, in the sender's key."""
        timestamp = timestamp or str(int(time.time()))
        encrypted = PrpCrypto(key or self.keys[0]).encrypt(reply_xml, self.app_id)
        encrypted = encrypted.decode() if isinstance(encrypted, bytes) else encrypted
        signature = sign(self.token, timestamp, nonce, encrypted)
        # base64 and hex need no escaping; the nonce comes from the query string
        return (f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
                f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
                f"<TimeStamp>{int(timestamp)}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>")
