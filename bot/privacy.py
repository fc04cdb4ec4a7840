"""Keeping personal data out of logs and the audit trail."""
import hashlib


def mask_openid(openid: str | None) -> str:
    """A stable, non-reversible tag for an openid: enough to correlate log lines, not to identify."""
    if not openid:
        return "-"
    return "o~" + hashlib.sha256(openid.encode("utf-8")).hexdigest()[:10]


def mask_phone(phone: str | None) -> str:
    """13800138000 -> 138****8000; landlines keep the area code and the last 2 digits."""
    if not phone:
        return ""
    digits = phone.replace("-", "")
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    return phone[: phone.find("-") + 1] + "*" * max(0, len(digits) - 6) + digits[-2:]
