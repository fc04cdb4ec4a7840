"""Fixtures for tests that need a WSGI app on a real port, or the fake WeChat platform."""
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import requests
from flask import Flask
from wechatpy import WeChatClient
from werkzeug.serving import make_server

from simulator.platform import create_platform_app
from simulator.state import PlatformState

__all__ = ["FakeClock", "FakePlatform", "serve_wsgi", "sim_wechat_client", "fake_platform",
           "fake_platform_factory"]


@contextmanager
def serve_wsgi(app, host: str = "127.0.0.1"):
    """Serve a WSGI app on a free port in a daemon thread; yield its base URL."""
    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"wsgi-{server.server_port}", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class FakeClock:
    """A clock frozen at `start` (default: now) that tests move with advance()."""

    def __init__(self, start: float | None = None):
        self.now = time.time() if start is None else float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        """Move the clock forward and return the new time."""
        self.now += seconds
        return self.now


@dataclass
class FakePlatform:
    """A running fake WeChat platform."""

    url: str
    app: Flask
    state: PlatformState
    clock: FakeClock

    def configure(self, **config) -> None:
        """Change live configuration, e.g. WEBHOOK_URL once the bot is served."""
        self.app.config.update(config)

    def sim(self, method: str, path: str, **kwargs) -> dict:
        """Call a /sim endpoint and return its JSON, failing on an HTTP error."""
        response = requests.request(method, f"{self.url}/sim/{path.lstrip('/')}", timeout=30,
                                    **kwargs)
        response.raise_for_status()
        return response.json()

    def token(self) -> str:
        """A fresh access token from /cgi-bin/token."""
        config = self.app.config
        answer = requests.get(f"{self.url}/cgi-bin/token", timeout=10, params={
            "grant_type": "client_credential", "appid": config["APP_ID"],
            "secret": config["APP_SECRET"]}).json()
        return answer["access_token"]


def sim_wechat_client(platform: FakePlatform) -> WeChatClient:
    """A wechatpy WeChatClient whose every call, token fetch included, goes to the platform."""
    base = platform.url

    class SimWeChatClient(WeChatClient):
        API_BASE_URL = f"{base}/cgi-bin/"

        def fetch_access_token(self):
            return self._fetch_access_token(url=f"{base}/cgi-bin/token", params={
                "grant_type": "client_credential", "appid": self.appid,
                "secret": self.secret})

    config = platform.app.config
    return SimWeChatClient(config["APP_ID"], config["APP_SECRET"], timeout=10)


@pytest.fixture
def fake_platform_factory(tmp_path):
    """Start fake platforms with config overrides: `fake_platform_factory(ACCOUNT_TYPE=...)`."""
    with_servers = []

    def start(**config) -> FakePlatform:
        clock = config.pop("CLOCK", None) or FakeClock()
        media_dir = tmp_path / f"sim-media-{len(with_servers)}"
        app = create_platform_app({"CLOCK": clock, "MEDIA_DIR": str(media_dir), **config})
        server = serve_wsgi(app)
        url = server.__enter__()
        with_servers.append(server)
        return FakePlatform(url, app, app.extensions["wechat_sim"], clock)

    yield start
    for server in reversed(with_servers):
        server.__exit__(None, None, None)


@pytest.fixture
def fake_platform(fake_platform_factory):
    """The fake WeChat platform with the dev defaults (service account, plaintext, no webhook)."""
    return fake_platform_factory()
