"""XML and signature helpers shared by the simulated WeChat servers and their tests."""
import hashlib
import secrets
import string

from defusedxml import ElementTree

NONCE_ALPHABET = string.digits


def sign(*parts) -> str:
    """WeChat's signature: sha1 over the sorted parts joined without separator."""
    joined = "".join(sorted(str(part) for part in parts))
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()


def new_nonce() -> str:
    """A nonce shaped like WeChat's (a run of digits)."""
    return "".join(secrets.choice(NONCE_ALPHABET) for _ in range(10))


def new_msg_id() -> int:
    """A fresh 64-bit-ish message id like WeChat's MsgId."""
    return (1 << 62) | secrets.randbits(61)


def cdata(value) -> str:
    """Wrap text in CDATA, splitting any ']]>' the text itself contains."""
    return "<![CDATA[" + str(value).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_fields(fields: dict) -> str:
    """Render an ordered mapping as WeChat XML elements: numbers bare, text in CDATA."""
    parts = []
    for name, value in fields.items():
        if isinstance(value, dict):
            parts.append(f"<{name}>{render_fields(value)}</{name}>")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            parts.append(f"<{name}>{value}</{name}>")
        else:
            parts.append(f"<{name}>{cdata(value)}</{name}>")
    return "".join(parts)


def render_xml(fields: dict) -> str:
    """A whole `<xml>...</xml>` document from an ordered mapping."""
    return "<xml>" + render_fields(fields) + "</xml>"


def _element_to_value(element):
    children = list(element)
    if not children:
        return element.text or ""
    result: dict = {}
    for child in children:
        value = _element_to_value(child)
        if child.tag in result:
            if not isinstance(result[child.tag], list):
                result[child.tag] = [result[child.tag]]
            result[child.tag].append(value)
        else:
            result[child.tag] = value
    return result


def parse_xml(text: str | bytes) -> dict:
    """Parse a WeChat XML document into a dict, refusing DTDs and entities (defusedxml)."""
    root = ElementTree.fromstring(text, forbid_dtd=True)
    value = _element_to_value(root)
    return value if isinstance(value, dict) else {}
