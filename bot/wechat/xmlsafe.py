"""Untrusted XML both ways: parsing bodies (no DTDs, entities or external references) and
writing passive replies that stay well-formed whatever the user text holds."""
import re
import time
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring


class BadXml(ValueError):
    """The body is not a flat WeChat XML document we are willing to read."""


def parse_flat_xml(body: bytes | str) -> dict:
    """Parse `<xml><Key>value</Key>...</xml>` into a dict of text values; refuse anything else."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError, TypeError) as error:
        raise BadXml(type(error).__name__) from error
    if root.tag != "xml":
        raise BadXml("root element is not <xml>")
    return {child.tag: _text_of(child, 1) for child in root}


MAX_DEPTH = 8  # WeChat nests at most two levels (ScanCodeInfo, SendPicsInfo/PicList/item)


def _text_of(element: Element, depth: int):
    if len(element):
        if depth >= MAX_DEPTH:
            raise BadXml("nested too deep")
        nested: dict = {}
        for child in element:  # a repeated tag (SendPicsInfo's PicList items) is a list
            value = _text_of(child, depth + 1)
            if child.tag in nested:
                earlier = nested[child.tag]
                nested[child.tag] = (earlier if isinstance(earlier, list) else [earlier]) + [value]
            else:
                nested[child.tag] = value
        return nested
    return element.text or ""


# Characters XML 1.0 cannot carry at all, even escaped; dropped from replies.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def cdata(text: str) -> str:
    """text as CDATA that any content keeps well-formed: ']]>' split across two sections."""
    clean = _NOT_XML.sub("", str(text))
    return "<![CDATA[" + clean.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(content: str, to_user: str, from_user: str, now: float | None = None) -> str:
    """The passive text reply XML: the one place replies are built, so user text cannot break it."""
    created = int(time.time() if now is None else now)
    return (f"<xml><ToUserName>{cdata(to_user)}</ToUserName>"
            f"<FromUserName>{cdata(from_user)}</FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content>{cdata(content)}</Content></xml>")
