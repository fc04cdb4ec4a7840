"""The load generator of the webhook benchmark: one process, asyncio, raw keep-alive sockets.

`bench/webhook.py` runs it as a subprocess (never inside a server process): a JSON spec on stdin,
a JSON result on stdout. It can also be run by hand:

    echo '{"port": 5000, "mode": "open", "seconds": 5, "rate": 100, ...}' | python bench/loadgen.py

Every request is built before the clock starts: signed (signature + msg_signature), encrypted
(AES, safe mode) and rendered to the exact bytes to write, with a distinct MsgId and a fresh
timestamp, so the client spends its CPU on sending and reading. Replies are checked cheaply as they
arrive (HTTP 200 and an `<Encrypt>` envelope); a sample is verified after the clock stops
(MsgSignature, AES decryption, addressed to the sender, non-empty Content).

Modes:
- closed: `concurrency` connections, each sending its next request as soon as the previous reply
  is in, for `seconds`: the most messages per second the server answers.
- open: `rate` requests a second on a fixed schedule, whether or not earlier ones were answered
  (new connections are opened when all are busy); latency runs from the scheduled send time, so a
  server that falls behind shows its queueing in the figures (no coordinated omission).
"""
import asyncio
import json
import math
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from wechatpy.crypto import PrpCrypto, WeChatCrypto  # noqa: E402

from simulator.xmlmsg import new_msg_id, new_nonce, parse_xml, render_fields, sign  # noqa: E402

DEFAULTS = {
    "host": "127.0.0.1",
    "port": 5000,
    "mode": "closed",
    "seconds": 5.0,
    "concurrency": 32,
    "rate": 200.0,
    "token": "test-token",
    "app_id": "wx1234567890test",
    "aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "account_id": "gh_contestbot0001",
    "user_prefix": "oBench",
    "users": 1000,  # open loop: at most this many users (fewer when each would send < 1 cycle)
    "users_per_connection": 16,  # closed loop: each connection takes turns among its own users
    "contents": ["报名", "取消"],
    "expect_echo": False,
    "max_rate": 3000,  # closed loop: requests pre-built per second of run (a ceiling, not a target)
    "verify_sample": 500,
    "timeout": 10.0,
    "max_connections": 512,
    "idle_close": 1.0,  # open loop: drop connections idle this long (gunicorn's keep-alive: 2 s)
    # open loop: "new" = one connection per request (as nginx proxies by default, so the kernel
    # spreads requests over the workers); "keepalive" = reuse the most recently used connection
    # (each one stays on the worker that accepted it).
    "open_connections": "new",
    "cpu_pids": [],
    # helpers whose CPU counts for the server: (comm, text its command line must contain)
    "cpu_helpers": [],
}


# -- requests ----------------------------------------------------------------------------------
class Prepared:
    """One message ready to write: the request bytes and what its reply must say."""

    __slots__ = ("data", "openid", "content", "query", "body")

    def __init__(self, data: bytes, openid: str, content: str, query: str, body: bytes):
        self.data = data  # the whole HTTP request
        self.openid = openid
        self.content = content
        self.query = query  # its query string and body, for an in-process WSGI call
        self.body = body


class RequestFactory:
    """Builds requests exactly as WeChat sends them in safe mode."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.key = WeChatCrypto(spec["token"], spec["aes_key"], spec["app_id"]).key
        self.crypto = PrpCrypto(self.key)
        self.host_header = f"{spec['host']}:{spec['port']}"
        self.close = spec["mode"] == "open" and spec["open_connections"] == "new"

    def build(self, openid: str, content: str) -> Prepared:
        """A signed, encrypted POST /wechat carrying one text message."""
        spec = self.spec
        now = int(time.time())
        inner = "<xml>" + render_fields({
            "ToUserName": spec["account_id"], "FromUserName": openid, "CreateTime": now,
            "MsgType": "text", "Content": content, "MsgId": new_msg_id()}) + "</xml>"
        encrypt = self.crypto.encrypt(inner, spec["app_id"]).decode()
        body = ("<xml>" + render_fields({"ToUserName": spec["account_id"], "Encrypt": encrypt})
                + "</xml>").encode("utf-8")
        timestamp, nonce = str(now), new_nonce()
        query = urlencode({
            "signature": sign(spec["token"], timestamp, nonce), "timestamp": timestamp,
            "nonce": nonce, "openid": openid, "encrypt_type": "aes",
            "msg_signature": sign(spec["token"], timestamp, nonce, encrypt)})
        head = (f"POST /wechat?{query} HTTP/1.1\r\nHost: {self.host_header}\r\n"
                "User-Agent: Mozilla/4.0\r\nAccept: */*\r\nContent-Type: text/xml\r\n"
                + ("Connection: close\r\n" if self.close else "")
                + f"Content-Length: {len(body)}\r\n\r\n").encode("ascii")
        return Prepared(head + body, openid, content, query, body)


def user_ids(spec: dict, count: int) -> list:
    """Distinct openids shaped like WeChat's (28 characters)."""
    prefix = spec["user_prefix"]
    return [(prefix + f"{index:0{28 - len(prefix)}d}")[:28] for index in range(count)]


class ClosedPlan:
    """Per connection, its own users in turn; each user goes through the contents in order.

    A user's messages are sent one after another on one connection, never two at once. Requests
    are built before the clock starts (`max_rate` * `seconds` in all); a connection that uses up
    its share builds more as it goes (counted in `built_during_run`: client CPU during the run).
    """

    CHUNK = 256

    def __init__(self, spec: dict, factory: RequestFactory):
        self.factory = factory
        self.contents = spec["contents"]
        concurrency = spec["concurrency"]
        users = user_ids(spec, concurrency * spec["users_per_connection"])
        self.users = [users[connection::concurrency] for connection in range(concurrency)]
        share = math.ceil(spec["max_rate"] * spec["seconds"] / concurrency)
        self.requests = [self._build(connection, 0, share) for connection in range(concurrency)]
        self.built_during_run = 0

    def _build(self, connection: int, start: int, count: int) -> list:
        own, contents = self.users[connection], self.contents
        return [self.factory.build(own[k % len(own)], contents[(k // len(own)) % len(contents)])
                for k in range(start, start + count)]

    def __len__(self) -> int:
        return len(self.requests)

    def planned(self) -> int:
        return sum(len(requests) for requests in self.requests)

    def request(self, connection: int, k: int) -> Prepared:
        """The connection's k-th request, built now if the pre-built ones are used up."""
        requests = self.requests[connection]
        if k >= len(requests):
            requests.extend(self._build(connection, len(requests), self.CHUNK))
            self.built_during_run += self.CHUNK
        return requests[k]


def build_open(spec: dict, factory: RequestFactory) -> list:
    """rate * seconds requests; users in turn, so one user's messages are seconds apart.

    As many users as lets each go through the contents at least once (at most `users`).
    """
    total = max(1, int(round(spec["rate"] * spec["seconds"])))
    user_count = max(1, min(spec["users"], total // len(spec["contents"])))
    users = user_ids(spec, user_count)
    contents = spec["contents"]
    return [factory.build(users[i % user_count], contents[(i // user_count) % len(contents)])
            for i in range(total)]


# -- HTTP/1.1 over a raw stream ----------------------------------------------------------------
class Connection:
    """One keep-alive connection."""

    __slots__ = ("reader", "writer", "last_used", "used")

    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer
        self.last_used = time.perf_counter()
        self.used = 0

    def close(self) -> None:
        self.writer.close()


async def connect(spec: dict) -> Connection:
    reader, writer = await asyncio.open_connection(spec["host"], spec["port"])
    return Connection(reader, writer)


async def exchange(conn: Connection, data: bytes) -> tuple[int, bytes, bool]:
    """Write one request, read one response: (status, body, server keeps the connection)."""
    conn.writer.write(data)
    head = await conn.reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, chunked, keep = None, False, lines[0].startswith("HTTP/1.1")
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        elif name == "connection":
            keep = value.strip().lower() == "keep-alive"
    if chunked:
        body = await _read_chunked(conn.reader)
    elif length is not None:
        body = await conn.reader.readexactly(length)
    else:
        body, keep = await conn.reader.read(), False
    conn.used += 1
    conn.last_used = time.perf_counter()
    return status, body, keep


async def _read_chunked(reader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


def classify(status: int, body: bytes) -> str | None:
    """None for a good-looking reply, else the error kind."""
    if status != 200:
        return f"http_{status}"
    if body.strip() in (b"", b"success"):
        return "no_reply"
    if b"<Encrypt>" not in body:
        return "not_encrypted"
    return None


class Recorder:
    """Latencies, errors, and the bodies kept for verification."""

    def __init__(self):
        self.latencies = []
        self.errors = Counter()
        self.error_examples = []
        self.replies = []  # (Prepared, body) of good-looking replies
        self.first_send = None
        self.last_done = None
        self.send_lags = []

    def done(self, prepared: Prepared, started: float, finished: float, status: int,
             body: bytes) -> None:
        self.latencies.append(finished - started)
        self.last_done = finished
        kind = classify(status, body)
        if kind is None:
            self.replies.append((prepared, body))
        else:
            self.error(kind, body[:200].decode("utf-8", "replace"))

    def error(self, kind: str, detail: str = "") -> None:
        self.errors[kind] += 1
        if len(self.error_examples) < 5:
            self.error_examples.append(f"{kind}: {detail}"[:300])


# -- closed loop -------------------------------------------------------------------------------
async def run_closed(spec: dict, plan: ClosedPlan, rec: Recorder) -> dict:
    connections = [await connect(spec) for _ in range(len(plan))]
    timeout = spec["timeout"]
    start = time.perf_counter()
    deadline = start + spec["seconds"]
    rec.first_send = start

    async def worker(index: int):
        conn = connections[index]
        k = 0
        while True:
            started = time.perf_counter()
            if started >= deadline:
                break
            prepared = plan.request(index, k)
            k += 1
            if conn is None:
                conn = await connect(spec)
            try:
                async with asyncio.timeout(timeout):
                    status, body, keep = await exchange(conn, prepared.data)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                    TimeoutError, ValueError, IndexError) as error:
                rec.latencies.append(time.perf_counter() - started)
                rec.error(type(error).__name__, str(error))
                conn.close()
                conn = None
                continue
            rec.done(prepared, started, time.perf_counter(), status, body)
            if not keep:
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    await asyncio.gather(*(worker(i) for i in range(len(plan))))
    return {"built_during_run": plan.built_during_run, "started": start}


# -- open loop ---------------------------------------------------------------------------------
class Pool:
    """Idle keep-alive connections, most recently used first; new ones when all are busy.

    With open_connections == "new", nothing is kept: every request gets its own connection.
    """

    def __init__(self, spec: dict):
        self.spec = spec
        self.reuse = spec["open_connections"] != "new"
        self.idle = []
        self.slots = asyncio.Semaphore(spec["max_connections"])
        self.opened = 0
        self.peak_open = 0
        self.open_now = 0

    async def acquire(self) -> Connection:
        await self.slots.acquire()
        now = time.perf_counter()
        while self.idle:
            conn = self.idle.pop()
            if now - conn.last_used < self.spec["idle_close"]:
                return conn
            self._drop(conn)
        try:
            conn = await connect(self.spec)
        except BaseException:
            self.slots.release()
            raise
        self.opened += 1
        self.open_now += 1
        self.peak_open = max(self.peak_open, self.open_now)
        return conn

    def release(self, conn: Connection, reusable: bool) -> None:
        if reusable and self.reuse:
            self.idle.append(conn)
        else:
            self._drop(conn)
        self.slots.release()

    def _drop(self, conn: Connection) -> None:
        conn.close()
        self.open_now -= 1

    def close(self) -> None:
        for conn in self.idle:
            conn.close()
        self.idle.clear()


async def run_open(spec: dict, plan: list, rec: Recorder) -> dict:
    pool = Pool(spec)
    timeout = spec["timeout"]
    interval = 1.0 / spec["rate"]
    if pool.reuse:  # a few connections ready before the clock starts
        warm = [await pool.acquire() for _ in range(min(8, spec["max_connections"]))]
        for conn in warm:
            pool.release(conn, True)
    tasks = []
    start = time.perf_counter() + 0.05
    rec.first_send = start

    async def send(prepared: Prepared, scheduled: float):
        try:
            async with asyncio.timeout(timeout):
                conn = await pool.acquire()
                rec.send_lags.append(time.perf_counter() - scheduled)
                try:
                    status, body, keep = await exchange(conn, prepared.data)
                except BaseException:
                    pool.release(conn, False)
                    raise
                pool.release(conn, keep)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                TimeoutError, ValueError, IndexError) as error:
            rec.latencies.append(time.perf_counter() - scheduled)
            rec.error(type(error).__name__, str(error))
            return
        rec.done(prepared, scheduled, time.perf_counter(), status, body)

    for index, prepared in enumerate(plan):
        scheduled = start + index * interval
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(send(prepared, scheduled)))
    await asyncio.gather(*tasks)
    pool.close()
    return {"connections_opened": pool.opened, "peak_connections": pool.peak_open,
            "open_connections": spec["open_connections"], "started": start}


# -- verification ------------------------------------------------------------------------------
def verify(spec: dict, factory: RequestFactory, replies: list, sample: int) -> dict:
    """Decrypt an evenly spread sample of replies and check what WeChat would check."""
    if not replies:
        return {"verified": 0, "failures": 0, "failure_examples": [], "reply_texts": {}}
    step = max(1, len(replies) // max(1, sample))
    chosen = replies[::step][:sample]
    failures, examples = 0, []
    texts: dict = {}
    for prepared, body in chosen:
        problem = _check_reply(spec, factory, prepared, body, texts)
        if problem:
            failures += 1
            if len(examples) < 5:
                examples.append(problem)
    return {"verified": len(chosen), "failures": failures, "failure_examples": examples,
            "reply_texts": texts}


def _check_reply(spec, factory, prepared, body, texts) -> str | None:
    try:
        envelope = parse_xml(body)
        encrypt = envelope["Encrypt"]
        expected = sign(spec["token"], envelope.get("TimeStamp", ""), envelope.get("Nonce", ""),
                        encrypt)
        if envelope.get("MsgSignature") != expected:
            return "bad MsgSignature"
        inner = parse_xml(factory.crypto.decrypt(encrypt, spec["app_id"]))
    except Exception as error:  # noqa: BLE001 - any failure to read the reply is an error
        return f"unreadable reply: {type(error).__name__}: {error}"
    content = inner.get("Content")
    if inner.get("ToUserName") != prepared.openid:
        return f"reply addressed to {inner.get('ToUserName')!r}, not {prepared.openid!r}"
    if inner.get("MsgType") != "text" or not content:
        return f"reply without text Content: {inner!r}"[:300]
    if spec["expect_echo"] and content != prepared.content:
        return f"echo {content!r} for {prepared.content!r}"
    first_line = content.strip().splitlines()[0][:60]
    per_sent = texts.setdefault(prepared.content, {})
    per_sent[first_line] = per_sent.get(first_line, 0) + 1
    return None


# -- CPU accounting (Linux /proc; empty elsewhere) ---------------------------------------------
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid: int) -> tuple[str, int, float] | None:
    """(comm, ppid, cpu seconds) of a process, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1:raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2:].split()
    return comm, int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_snapshot(spec: dict) -> dict:
    """CPU seconds so far of the server's processes and of its helpers (Redis, PostgreSQL)."""
    snap = {"server": {}, "helpers": {}, "machine": _machine_ticks()}
    roots = set(spec["cpu_pids"])
    helpers = [tuple(helper) for helper in spec["cpu_helpers"]]
    helper_comms = {comm for comm, _text in helpers}
    try:
        pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return snap
    for pid in pids:
        stat = _proc_stat(pid)
        if stat is None:
            continue
        comm, ppid, seconds = stat
        if pid in roots or ppid in roots:
            snap["server"][pid] = seconds
        elif comm in helper_comms and _is_helper(pid, comm, helpers):
            snap["helpers"][pid] = seconds
    return snap


def _is_helper(pid: int, comm: str, helpers: list) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            "utf-8", "replace")
    except OSError:
        return False
    return any(comm == want and text in cmdline for want, text in helpers)


def _machine_ticks() -> tuple[int, int] | None:
    """(busy, total) jiffies over all cores."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


def cpu_delta(before: dict, after: dict) -> dict:
    def group(name):
        return sum(seconds - before[name].get(pid, 0.0) for pid, seconds in after[name].items())

    busy = None
    if before["machine"] and after["machine"]:
        total = after["machine"][1] - before["machine"][1]
        busy = (after["machine"][0] - before["machine"][0]) / total if total else None
    per_process = sorted((round(seconds - before["server"].get(pid, 0.0), 2)
                          for pid, seconds in after["server"].items()), reverse=True)
    return {"server_cpu_s": group("server"), "helpers_cpu_s": group("helpers"),
            "server_cpu_by_process_s": per_process, "machine_busy": busy}


# -- the run -----------------------------------------------------------------------------------
def percentile(sorted_values: list, fraction: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def run(spec: dict) -> dict:
    spec = {**DEFAULTS, **spec}
    factory = RequestFactory(spec)
    built_at = time.perf_counter()
    plans = ClosedPlan(spec, factory) if spec["mode"] == "closed" else build_open(spec, factory)
    build_s = time.perf_counter() - built_at
    rec = Recorder()
    cpu_before = cpu_snapshot(spec)
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    window_started = time.perf_counter()
    closed = spec["mode"] == "closed"
    runner = run_closed(spec, plans, rec) if closed else run_open(spec, plans, rec)
    extra = asyncio.run(runner)
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_after = cpu_snapshot(spec)
    window = time.perf_counter() - window_started
    started = extra.pop("started")
    elapsed = (rec.last_done or time.perf_counter()) - started
    latencies = sorted(rec.latencies)
    completed = len(rec.latencies)
    checked = verify(spec, factory, rec.replies, spec["verify_sample"])
    errors = Counter(rec.errors)
    if checked["failures"]:
        errors["bad_reply"] += checked["failures"]
    lags = sorted(rec.send_lags)
    client_cpu = ((usage_after.ru_utime - usage_before.ru_utime)
                  + (usage_after.ru_stime - usage_before.ru_stime))
    result = {
        "mode": spec["mode"], "seconds": spec["seconds"], "elapsed_s": elapsed,
        "concurrency": spec["concurrency"], "rate": spec["rate"],
        "planned": len(plans) if spec["mode"] == "open" else plans.planned(),
        "completed": completed, "ok": len(rec.replies) - checked["failures"],
        "errors": sum(errors.values()), "error_kinds": dict(errors),
        "error_examples": rec.error_examples + checked["failure_examples"],
        "msgs_per_s": len(rec.replies) / elapsed if elapsed > 0 else 0.0,
        "p50_ms": _ms(percentile(latencies, 0.50)), "p90_ms": _ms(percentile(latencies, 0.90)),
        "p99_ms": _ms(percentile(latencies, 0.99)),
        "max_ms": _ms(latencies[-1] if latencies else None),
        "send_lag_p99_ms": _ms(percentile(lags, 0.99)),
        "send_lag_max_ms": _ms(lags[-1] if lags else None),
        "verified": checked["verified"], "reply_texts": checked["reply_texts"],
        "build_s": build_s, "client_cpu_s": client_cpu, "cpu_window_s": window,
        **cpu_delta(cpu_before, cpu_after), **extra,
    }
    if result["machine_busy"] is not None and window > 0:
        ours = result["server_cpu_s"] + result["helpers_cpu_s"] + client_cpu
        result["other_cores"] = max(0.0, result["machine_busy"] * (os.cpu_count() or 1)
                                    - ours / window)
    return result


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000.0


def main() -> int:
    spec = json.loads(sys.stdin.read() or "{}")
    result = run(spec)
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
