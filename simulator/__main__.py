"""`python -m simulator`: serve the fake WeChat platform for the dev stack and rehearsals.

SIM_HOST / SIM_PORT choose the address (127.0.0.1:5100); SIM_WEBHOOK_URL the bot's webhook
(http://127.0.0.1:5000/wechat); the account comes from the same WECHAT_* variables the bot reads;
SIM_MEDIA_DIR keeps media files somewhere other than a temporary directory; SIM_CLOCK_CONTROL
(set by bot.ops.devstack) lets the chat page at / restart the bot at another contest time.
"""
import logging
import os
import re

from werkzeug.serving import run_simple

from simulator.platform import create_platform_app

ENV_KEYS = {
    "WECHAT_APP_ID": "APP_ID",
    "WECHAT_APP_SECRET": "APP_SECRET",
    "WECHAT_TOKEN": "TOKEN",
    "WECHAT_ENCODING_AES_KEY": "AES_KEY",
    "WECHAT_ACCOUNT_TYPE": "ACCOUNT_TYPE",
    "SIM_WEBHOOK_URL": "WEBHOOK_URL",
    "SIM_MODE": "MODE",
    "SIM_MEDIA_DIR": "MEDIA_DIR",
    "SIM_TEMPLATES": "TEMPLATES",
    "SIM_CLOCK_CONTROL": "CLOCK_CONTROL_DIR",
}


def config_from_env(environ=None) -> dict:
    """The platform configuration the environment asks for."""
    environ = os.environ if environ is None else environ
    config = {"WEBHOOK_URL": "http://127.0.0.1:5000/wechat"}
    for env_key, config_key in ENV_KEYS.items():
        if environ.get(env_key):
            config[config_key] = environ[env_key]
    if isinstance(config.get("TEMPLATES"), str):
        config["TEMPLATES"] = [t.strip() for t in config["TEMPLATES"].split(",") if t.strip()]
    return config


class QuietPolling(logging.Filter):
    """Leave the chat page's polling (successful GET /sim/...) out of the request log."""

    ANSI = re.compile(r"\x1b\[[0-9;]*m")
    POLL = re.compile(r'"GET /sim/[^"]*" (200|304) ')

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a poll that succeeded."""
        return not self.POLL.search(self.ANSI.sub("", record.getMessage()))


def main() -> None:
    """Serve the platform until interrupted."""
    logging.getLogger("werkzeug").addFilter(QuietPolling())
    host = os.environ.get("SIM_HOST", "127.0.0.1")
    port = int(os.environ.get("SIM_PORT", "5100"))
    run_simple(host, port, create_platform_app(config_from_env()), threaded=True)


if __name__ == "__main__":
    main()
