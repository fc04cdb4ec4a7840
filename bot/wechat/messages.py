"""The wechatpy message object of an inbound message, from the fields the webhook parsed once.

wechatpy's parse_message parses the XML again (xmltodict); this picks the same class from the
same fields, with the same adjustments, so the request's XML is parsed only once.
"""
from typing import Any

from wechatpy.events import EVENT_TYPES
from wechatpy.messages import MESSAGE_TYPES, BaseMessage, UnknownMessage


def message_from_fields(fields: dict) -> BaseMessage:
    """The message or event wechatpy would parse from the XML that gave `fields`; raises
    AttributeError/TypeError when MsgType or Event is not text, as parse_message does."""
    message: dict[str, Any] = {key: _as_xmltodict(value) for key, value in fields.items()}
    message_type = message["MsgType"].lower()
    if message_type != "event" and not message_type.startswith("device_"):
        return MESSAGE_TYPES.get(message_type, UnknownMessage)(message)
    event_type = message["Event"].lower() if "Event" in message else None
    if event_type is None and message_type.startswith("device_"):
        event_type = message_type
    elif message_type.startswith("device_"):
        event_type = f"device_{event_type}"
    event_key = message.get("EventKey")
    if event_type == "subscribe" and event_key:
        if event_key.startswith(("scanbarcode|", "scanimage|")):
            event_type = message["Event"] = "subscribe_scan_product"
        elif event_key.startswith("qrscene_"):  # a follow by scanning a code with a scene
            event_type = message["Event"] = "subscribe_scan"
            message["EventKey"] = event_key[len("qrscene_"):]
    return EVENT_TYPES.get(event_type, UnknownMessage)(message)


def _as_xmltodict(value: Any) -> Any:
    """xmltodict's shape: text stripped of surrounding whitespace, an empty element None."""
    if isinstance(value, dict):
        return {key: _as_xmltodict(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_as_xmltodict(inner) for inner in value]
    return value.strip() or None
