"""Every setting the product reads, with its default, in one place.

Settings are UPPERCASE environment variables. `load_settings()` reads them at call time (never at
import time) and lets tests and the dev stack pass overrides.
"""
import json
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

DEFAULTS = {
    # WeChat account: no defaults (the dev stack generates its own, see bot.ops.devstack)
    "WECHAT_TOKEN": "",
    "WECHAT_APP_ID": "",
    "WECHAT_APP_SECRET": "",
    "WECHAT_ENCODING_AES_KEY": "",
    "WECHAT_PREVIOUS_AES_KEY": "",
    # With an AES key: 'safe' refuses plaintext POSTs; 'compatible' (WeChat's transition mode)
    # also accepts them. Ignored without a key.
    "WECHAT_MESSAGE_MODE": "safe",
    "WECHAT_API_BASE_URL": "https://api.weixin.qq.com",
    "WECHAT_OPEN_BASE_URL": "https://open.weixin.qq.com",
    "WECHAT_ACCOUNT_TYPE": "service",
    "WECHAT_TIMESTAMP_TOLERANCE": "300",
    "WECHAT_HTTP_TIMEOUT": "5",
    "WECHAT_MAX_BODY_BYTES": "65536",
    "WECHAT_TEMPLATE_IDS": "",  # JSON {"notice"|"result"|"broadcast": template id}
    # Where state lives
    "REDIS_URL": "",
    "DATABASE_URL": "",
    "MEDIA_ROOT": str(INSTANCE_DIR / "media"),
    "SECRET_KEY": "",
    "ADMIN_OPENIDS": "",
    # The contest
    "CONTEST": "jiangmen-2020",
    "CONTEST_NOW": "",
    # Conversation sessions and WeChat retries
    "SESSION_TTL": "604800",
    "SESSION_MEMORY_TTL": "2592000",
    "SESSION_RESUME_AFTER": "1800",
    "DEDUPE_TTL": "600",  # never less than 2 x WECHAT_TIMESTAMP_TOLERANCE (enforced in bot.chat.dedupe)
    "DEDUPE_WAIT_SECONDS": "4.0",
    # Public origin of this server, used in links sent to users
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    "LOG_LEVEL": "INFO",
    "CONSOLE_SESSION_HOURS": "8",
    # Session cookie sent only over HTTPS (the dev stack, plain http on 127.0.0.1, sets it to 0)
    "SESSION_COOKIE_SECURE": "1",
    # Customer-service sends of a broadcast made side by side (each waits on WeChat's round trip)
    "BROADCAST_CUSTOM_WORKERS": "8",
    # Chat templates read again when their file changes (the dev stack sets 1); compiled once else
    "TEMPLATES_AUTO_RELOAD": "0",
}

REQUIRED_SECRETS = ("SECRET_KEY", "WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET")
MIN_SECRET_KEY_BYTES = 32
# The public defaults of earlier releases: a deployment that still carries one is refused.
PUBLIC_VALUES = frozenset({"dev-only-secret-key-change-me", "contestbot-dev-token",
                           "wxd0000000000dev", "dev-secret-not-for-production"})

INT_KEYS = {"WECHAT_TIMESTAMP_TOLERANCE", "WECHAT_MAX_BODY_BYTES", "SESSION_TTL",
            "SESSION_MEMORY_TTL", "SESSION_RESUME_AFTER", "DEDUPE_TTL",
            "BROADCAST_CUSTOM_WORKERS"}
FLOAT_KEYS = {"WECHAT_HTTP_TIMEOUT", "DEDUPE_WAIT_SECONDS", "CONSOLE_SESSION_HOURS"}
BOOL_KEYS = {"SESSION_COOKIE_SECURE", "TEMPLATES_AUTO_RELOAD"}
BOOL_WORDS = {"1": True, "true": True, "yes": True, "on": True,
              "0": False, "false": False, "no": False, "off": False}


def default_database_url() -> str:
    """SQLite under instance/ when DATABASE_URL is unset."""
    return f"sqlite:///{INSTANCE_DIR / 'contestbot.sqlite3'}"


def _coerce(key: str, value):
    if key in INT_KEYS:
        return int(value)
    if key in FLOAT_KEYS:
        return float(value)
    if key in BOOL_KEYS and not isinstance(value, bool):
        word = str(value).strip().lower()
        if word not in BOOL_WORDS:  # a typo must not turn a guard off
            raise ValueError(f"{key} must be 1 or 0 (true/false), not {value!r}")
        return BOOL_WORDS[word]
    return value


def load_settings(overrides: dict | None = None, environ=None) -> dict:
    """Read every setting from the environment, apply overrides, coerce types."""
    environ = os.environ if environ is None else environ
    settings = {key: environ.get(key, default) for key, default in DEFAULTS.items()}
    settings.update(overrides or {})
    settings = {key: _coerce(key, value) for key, value in settings.items()}
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = default_database_url()
    settings["ADMIN_OPENIDS"] = admin_openids(settings["ADMIN_OPENIDS"])
    settings["WECHAT_TEMPLATE_IDS"] = template_ids(settings["WECHAT_TEMPLATE_IDS"])
    if settings["WECHAT_MESSAGE_MODE"] not in ("safe", "compatible"):
        raise ValueError("WECHAT_MESSAGE_MODE must be 'safe' or 'compatible'")
    if settings["WECHAT_ACCOUNT_TYPE"] not in ("service", "subscription"):
        raise ValueError("WECHAT_ACCOUNT_TYPE must be 'service' or 'subscription'")
    return settings


def template_ids(value) -> dict:
    """Parse WECHAT_TEMPLATE_IDS (JSON object: message kind -> template id)."""
    if isinstance(value, dict):
        return value
    if not str(value).strip():
        return {}
    try:
        parsed = json.loads(value)
    except ValueError as error:
        raise ValueError(f"WECHAT_TEMPLATE_IDS is not JSON: {error}") from None
    if not isinstance(parsed, dict):
        raise ValueError("WECHAT_TEMPLATE_IDS must be a JSON object")
    return parsed


def admin_openids(value) -> frozenset:
    """Parse the comma-separated ADMIN_OPENIDS into a set."""
    if isinstance(value, (set, frozenset, list, tuple)):
        return frozenset(value)
    return frozenset(part.strip() for part in str(value).split(",") if part.strip())


class InsecureSettings(RuntimeError):
    """A serving process was started without real secrets."""


def secret_problems(settings: dict) -> list[str]:
    """Each required secret that is missing, a known public value or (SECRET_KEY) too short."""
    problems = []
    for key in REQUIRED_SECRETS:
        value = str(settings.get(key) or "")
        if not value:
            problems.append(f"{key} is not set")
        elif value in PUBLIC_VALUES:
            problems.append(f"{key} is a public default")
    key = str(settings.get("SECRET_KEY") or "")
    if key and key not in PUBLIC_VALUES and len(key.encode()) < MIN_SECRET_KEY_BYTES:
        problems.append(f"SECRET_KEY is shorter than {MIN_SECRET_KEY_BYTES} bytes")
    return problems


def require_secrets(settings: dict) -> None:
    """Raise InsecureSettings with one line naming every problem (the dev stack included: it
    generates real secrets of its own)."""
    problems = secret_problems(settings)
    if problems:
        raise InsecureSettings("refusing to start: " + "; ".join(problems)
                               + " (set them in the environment; see README, Production)")
