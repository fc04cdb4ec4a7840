"""Round trips the bot makes to Redis and PostgreSQL per message, counted on the wire.

    .venv/bin/python bench/webhook.py --count-round-trips 40

A counting TCP proxy stands between the bot and each server. A round trip is counted each time
a connection's client sends after the server last spoke (or for the first time): a pipeline or
a Lua script is one, a BEGIN sent on its own is one. The bot (the Procfile's gunicorn, as in the
load test) is sent one message at a time, so each message's counts are its own; connections are
warmed up first so no handshake is counted.
"""
import http.client
import socket
import statistics
import threading
from collections.abc import Callable

import psycopg

SCENARIOS = (
    ("a new person's first message: 帮助", "new", ["帮助"]),
    ("a returning follower: 帮助", "follower", ["帮助"]),
    ("a returning follower: the run's mix", "follower", None),  # None: the run's --mix
)


class CountingProxy:
    """Forwards loopback TCP to host:port and counts the client's round trips."""

    def __init__(self, host: str, port: int):
        self.upstream = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.count = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            turn = {"last": "server"}
            threading.Thread(target=self._pump, args=(client, server, turn, "client"),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, turn, "server"),
                             daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, turn: dict, side: str) -> None:
        try:
            while data := source.recv(65536):
                with self.lock:
                    if side == "client" and turn["last"] != "client":
                        self.count += 1
                    turn["last"] = side
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()


def seed_followers(database_url: str, openids: list) -> None:
    """Entrant rows for people who followed the account a year ago and wrote last week."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO entrants (openid, subscribed, subscribed_at, first_seen_at, "
                "last_message_at) VALUES (%s, true, now() - interval '1 year', "
                "now() - interval '1 year', now() - interval '7 days') "
                "ON CONFLICT (openid) DO NOTHING", [(openid,) for openid in openids])


def count_messages(port: int, factory, proxies: dict, sends: list,
                   check: Callable[[object, bytes], str | None]) -> list:
    """Send each (openid, text) in turn; per message {'redis': n, 'postgresql': n}."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    counts = []
    for openid, text in sends:
        prepared = factory.build(openid, text)
        before = {name: proxy.count for name, proxy in proxies.items()}
        head, _, body = prepared.data.partition(b"\r\n\r\n")
        path = head.split(b" ", 2)[1].decode()
        connection.request("POST", path, body=body, headers={"Content-Type": "text/xml"})
        response = connection.getresponse()
        reply = response.read()
        problem = check(prepared, reply) if response.status == 200 else f"HTTP {response.status}"
        if problem:
            raise RuntimeError(f"{text!r} from {openid}: {problem}")
        counts.append({name: proxy.count - before[name] for name, proxy in proxies.items()})
    connection.close()
    return counts


def summary(counts: list) -> dict:
    """Median, mean and max per server over the messages of a scenario."""
    out = {}
    for name in counts[0]:
        values = [count[name] for count in counts]
        out[name] = {"median": statistics.median(values), "mean": statistics.fmean(values),
                     "max": max(values)}
    return out


def round_trips_table(rows: list) -> str:
    """Markdown: per scenario, Redis and PostgreSQL round trips per message."""
    lines = ["| messages | count | Redis round trips per message (median / mean / max) "
             "| PostgreSQL round trips per message (median / mean / max) |",
             "|---|---:|---|---|"]
    for label, number, figures in rows:
        cells = [" / ".join(f"{figures[name][key]:g}" if key != "mean"
                            else f"{figures[name][key]:.2f}" for key in ("median", "mean", "max"))
                 for name in ("redis", "postgresql")]
        lines.append(f"| {label} | {number} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)
