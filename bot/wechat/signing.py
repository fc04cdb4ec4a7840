"""WeChat request signatures, compared in constant time, and timestamp freshness."""
import hashlib
import hmac


def sign(*parts: str) -> str:
    """sha1 over the sorted parts, as WeChat signs callbacks (token, timestamp, nonce[, Encrypt])."""
    joined = "".join(sorted(str(part) for part in parts))
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()


def signature_matches(given: str | None, *parts: str) -> bool:
    """True when the given signature equals ours; constant time so timing leaks nothing."""
    if not given:
        return False
    return hmac.compare_digest(sign(*parts).encode("ascii"), given.encode("utf-8", "replace"))


def timestamp_is_fresh(timestamp: str | None, now: float, tolerance_s: int) -> bool:
    """True when the request's timestamp is a number within tolerance of now (replays refused)."""
    if not timestamp or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return abs(int(timestamp) - now) <= tolerance_s
