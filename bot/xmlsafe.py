"""Parsing untrusted XML bodies: no DTDs, no entities, no external references."""
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
        return {child.tag: _text_of(child, depth + 1) for child in element}
    return element.text or ""
