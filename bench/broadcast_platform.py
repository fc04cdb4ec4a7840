"""The fake WeChat platform of bench/broadcast.py, in a forked child process with its users
already following, and the clocks that split a run's time between the platform and us."""
import multiprocessing
import tempfile
import threading
import time

APP_ID, SECRET = "wxbench000000001", "bench-secret"


def openid(index: int) -> str:
    """The bench's n-th user."""
    return f"oBench{index:07d}"


class BusyClock:
    """Wall time during which at least one of some overlapping activities runs (concurrent
    ones are not counted twice)."""

    def __init__(self):
        self.lock, self.busy, self.active, self.since = threading.Lock(), 0.0, 0, 0.0

    def enter(self) -> None:
        with self.lock:
            if self.active == 0:
                self.since = time.perf_counter()
            self.active += 1

    def leave(self) -> None:
        with self.lock:
            self.active -= 1
            if self.active == 0:
                self.busy += time.perf_counter() - self.since


class Timed:
    """WSGI middleware: the platform's busy time, the wall time during which at least one
    request handler runs; /bench/time and /bench/doubles answer from the child."""

    def __init__(self, app, state):
        self.app, self.state, self.clock = app, state, BusyClock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/bench/"):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [str(self._answer(path)).encode()]
        self.clock.enter()
        try:
            return list(self.app(environ, start_response))
        finally:
            self.clock.leave()

    def _answer(self, path: str):
        if path == "/bench/time":
            return self.clock.busy
        counts = [len(inbox) for inbox in self.state.inbox.values()]
        return f"{sum(counts)} {max(counts or [0])} {sum(1 for c in counts if c > 1)}"


def wait_on_platform() -> BusyClock:
    """Our side: the wall time during which one of our calls to the platform is in flight
    (requests.Session.send wrapped), i.e. the time we wait on it."""
    import requests
    clock, real_send = BusyClock(), requests.Session.send

    def send(session, request, **kwargs):
        if "/bench/" in request.url:
            return real_send(session, request, **kwargs)
        clock.enter()
        try:
            return real_send(session, request, **kwargs)
        finally:
            clock.leave()
    requests.Session.send = send
    return clock


def platform_child(pipe, recipients: int, window: int) -> None:
    """Serve the fake platform with `recipients` followers; send the port through the pipe."""
    import logging

    from werkzeug.serving import WSGIRequestHandler, make_server

    from simulator.platform import create_platform_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_platform_app({"APP_ID": APP_ID, "APP_SECRET": SECRET, "ACCOUNT_TYPE": "service",
                               "MEDIA_DIR": tempfile.mkdtemp(prefix="bench-sim-")})
    state = app.extensions["wechat_sim"]
    for index in range(recipients):
        state.add_user(openid(index), subscribed=True)
        if index < window:
            state.record_interaction(openid(index), "message")
    class KeepAlive(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"  # as WeChat's API: our client reuses its connections

    server = make_server("127.0.0.1", 0, Timed(app.wsgi_app, state), threaded=True,
                         request_handler=KeepAlive)
    pipe.send(server.server_port)
    server.serve_forever()


def start_platform(recipients: int, window: int):
    parent, child = multiprocessing.get_context("fork").Pipe()
    process = multiprocessing.get_context("fork").Process(
        target=platform_child, args=(child, recipients, window), daemon=True)
    process.start()
    return process, f"http://127.0.0.1:{parent.recv()}"


def platform_answer(url: str, what: str) -> str:
    import requests
    return requests.get(f"{url}/bench/{what}", timeout=60).text
