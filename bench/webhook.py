"""Benchmark of `POST /wechat`: the bot beside a bare wechatpy + Flask echo app, in one run.

    .venv/bin/python bench/webhook.py [--seconds 15] [--rate 200] [--concurrency 32] [--quick]

For each app in turn (echo first, then the bot; never both at once) it starts gunicorn with the
Procfile's `web` settings on a free loopback port, warms it up, then runs the load generator
(`bench/loadgen.py`, a separate process) twice:

- closed loop: `--concurrency` keep-alive connections for `--seconds`: msgs/s, p50/p99/max;
- open loop: `--rate` messages a second on a fixed schedule for `--seconds`, latency from the
  scheduled send time: p50/p99/max and errors.

It prints a Markdown table and the bot/echo ratios, and writes the same report (plus the raw
figures as JSON) to bench/out/webhook-<timestamp>.md. The exit status is 0 when every reply was
good, 1 when some were not, 2 when the run could not be set up. See bench/README.md.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from simulator.xmlmsg import new_nonce, sign  # noqa: E402

BENCH_DIR = PROJECT_ROOT / "bench"
OUT_DIR = BENCH_DIR / "out"
PROCFILE = PROJECT_ROOT / "Procfile"

TOKEN = "bench-token"
APP_ID = "wx1234567890test"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # the tests' fixed key; never a real one
ACCOUNT_ID = "gh_contestbot0001"
CONTEST = "jiangmen-2020"
CONTEST_NOW = "2020-06-20T10:00:00"  # 江门 2020: inside the collection phase
REDIS_URL = "redis://127.0.0.1:6379/9"
DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/contestbot_bench"
ECHO_APP = "bench.echo_app:create_echo_app()"
MESSAGES = ["报名", "取消"]  # the default mix; --mix changes it (e.g. 报名,取消,确认)
# --mix presets: a plain command, and a follower's evening (issue 17's realistic mix)
MIXES = {"help": ["帮助"],
         "realistic": ["投票 101", "我的作品", "报名", "是", "是", "取消", "确认"]}
FAILED_REPLIES = ("抱歉，系统刚才出了点问题", "正在处理您的上一条消息")

# Issue 17's targets: a plain command >= 0.55 of echo, a mix of conversation steps >= 0.45
TARGET_RATIO_ONE_TEXT = 0.55
TARGET_RATIO_MIX = 0.45
TARGET_P99_MS = 20.0


def target_ratio(mix: list) -> float:
    """The throughput target for a mix: one plain text, or several steps."""
    return TARGET_RATIO_ONE_TEXT if len(mix) == 1 else TARGET_RATIO_MIX


# -- server command ----------------------------------------------------------------------------
def procfile_web_command(procfile: Path = PROCFILE, environ=None) -> list:
    """The Procfile's `web` command as argv, with ${VAR:-default} expanded from the environment."""
    environ = os.environ if environ is None else environ
    for line in procfile.read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == "web":
            break
    else:
        raise SystemExit(f"no web process in {procfile}")

    def expand(match):
        return environ.get(match.group(1)) or match.group(2) or ""

    command = re.sub(r"\$\{(\w+)(?::-([^}]*))?\}", expand, command.strip())
    return shlex.split(command)


def server_command(web_argv: list, port: int, app_spec: str | None = None) -> list:
    """The web command on 127.0.0.1:port without the access log, serving app_spec if given.

    Everything else (worker class, workers, threads, timeout) stays as the Procfile has it.
    """
    argv = list(web_argv)
    if argv and argv[0] == "gunicorn":
        argv = [sys.executable, "-m", "gunicorn"] + argv[1:]
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in ("--bind", "-b", "--access-logfile"):
            skip = True
            continue
        if arg.startswith(("--bind=", "--access-logfile=")):
            continue
        out.append(arg)
    app_index = max(i for i, arg in enumerate(out) if ":" in arg and not arg.startswith("-"))
    if app_spec:
        out[app_index] = app_spec
    return out[:app_index] + ["--bind", f"127.0.0.1:{port}"] + out[app_index:]


def describe_settings(web_argv: list) -> str:
    """The server settings that matter, as the Procfile gives them."""
    wanted = {"--workers", "-w", "--worker-class", "-k", "--threads", "--timeout", "-t",
              "--keep-alive"}
    parts = []
    for arg, value in zip(web_argv, web_argv[1:], strict=False):
        if arg in wanted:
            parts.append(f"{arg} {value}")
    return " ".join(parts)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- state for the bot -------------------------------------------------------------------------
def prepare_redis(url: str) -> None:
    """Empty the bench's own Redis database."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def prepare_database(url: str) -> None:
    """Create the bench database if missing, migrate it to head, and empty its tables."""
    import psycopg
    from sqlalchemy.engine import make_url

    from bot.ops.migrate import sqlalchemy_url, upgrade_to_head

    parsed = make_url(sqlalchemy_url(url))
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit("the bench database must be PostgreSQL (it empties its tables)")
    libpq = parsed.set(drivername="postgresql")
    admin = libpq.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    (parsed.database,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{parsed.database}"')
    upgrade_to_head(url)
    with psycopg.connect(libpq.render_as_string(hide_password=False), autocommit=True) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'")]
        if tables:
            conn.execute("TRUNCATE " + ", ".join(f'"{name}"' for name in tables) + " CASCADE")


def server_environment(app: str, args) -> dict:
    """The environment of one server: the bot's full settings, or the echo app's three."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("WECHAT_", "GUNICORN_")) and key not in (
               "REDIS_URL", "DATABASE_URL", "CONTEST", "CONTEST_NOW", "LOG_LEVEL")}
    env.update(WECHAT_TOKEN=TOKEN, WECHAT_APP_ID=APP_ID, WECHAT_ENCODING_AES_KEY=AES_KEY,
               WECHAT_APP_SECRET="bench-secret", SECRET_KEY="bench-" + "k" * 40,
               PYTHONUNBUFFERED="1")
    if app == "bot":
        env.update(
            # Nothing in the benchmark may leave the machine: WeChat's API is a closed local port.
            WECHAT_API_BASE_URL="http://127.0.0.1:9", WECHAT_OPEN_BASE_URL="http://127.0.0.1:9",
            REDIS_URL=args.redis_url, DATABASE_URL=args.database_url,
            CONTEST=CONTEST, CONTEST_NOW=CONTEST_NOW, LOG_LEVEL="WARNING",
            MEDIA_ROOT=str(OUT_DIR / "media"))
    return env


def _die_with_parent() -> None:
    """In the child: SIGTERM when the benchmark dies, so no server outlives a killed run (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


# -- one server --------------------------------------------------------------------------------
class Server:
    """A gunicorn master started in its own session; stopped with SIGTERM (then SIGKILL)."""

    def __init__(self, name: str, argv: list, env: dict, log_path: Path):
        self.name = name
        self.argv = argv
        self.env = env
        self.log_path = log_path
        self.port = int(argv[argv.index("--bind") + 1].rsplit(":", 1)[1])
        self.proc = None

    def __enter__(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen(self.argv, cwd=PROJECT_ROOT, env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True,
                                     preexec_fn=_die_with_parent)
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until a signed GET /wechat (WeChat's URL check) echoes back."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} server exited ({self.proc.returncode}):\n"
                                   + self.log_tail())
            timestamp, nonce = str(int(time.time())), new_nonce()
            query = urlencode({"signature": sign(TOKEN, timestamp, nonce),
                               "timestamp": timestamp, "nonce": nonce, "echostr": "ready"})
            try:
                with urlopen(f"http://127.0.0.1:{self.port}/wechat?{query}", timeout=2) as resp:
                    if resp.status == 200 and resp.read() == b"ready":
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} server not ready after {timeout:.0f} s:\n"
                           + self.log_tail())

    def worker_pids(self) -> list:
        """The master and its workers (for CPU accounting)."""
        pids = [self.proc.pid]
        for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == self.proc.pid:
                pids.append(int(entry.name))
        return pids

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if not self.log.closed:
            self.log.close()

    def log_tail(self, lines: int = 30) -> str:
        self.log.flush()
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def helper_processes(args) -> list:
    """(comm, command-line text) of the bot's Redis server and its PostgreSQL backends.

    The backends are told apart by database name; the Redis server may be shared with others.
    """
    from sqlalchemy.engine import make_url

    from bot.ops.migrate import sqlalchemy_url

    database = make_url(sqlalchemy_url(args.database_url))
    redis_port = make_url(args.redis_url.replace("redis://", "redis+x://", 1)).port or 6379
    return [["redis-server", f":{redis_port}"],
            ["postgres", f" {database.username or 'postgres'} {database.database} "]]


# -- the load generator ------------------------------------------------------------------------
def run_loadgen(spec: dict, timeout: float) -> dict:
    """Run bench/loadgen.py in its own process with this spec; its JSON result."""
    proc = subprocess.run([sys.executable, str(BENCH_DIR / "loadgen.py")], cwd=PROJECT_ROOT,
                          input=json.dumps(spec), capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"load generator failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


def seed_load_followers(args, run_tag: str) -> None:
    """Every person of the load test follows the account already (as on a contest's evening)."""
    sys.path.insert(0, str(BENCH_DIR))
    from loadgen import user_ids
    from roundtrips import seed_followers

    people = args.concurrency * 16  # loadgen's users_per_connection
    openids = [openid for prefix, count in (("oW", people), ("oC", people), ("oO", args.users))
               for openid in user_ids({"user_prefix": f"{prefix}{run_tag}b"}, count)]
    seed_followers(args.database_url, openids)


def measure_app(app: str, args, web_argv: list, run_tag: str, log=print) -> list:
    """Warm-up, closed loop and open loop against one app; a result dict per measurement."""
    if app == "bot":
        prepare_redis(args.redis_url)
        prepare_database(args.database_url)
    port = free_port()
    argv = server_command(web_argv, port, None if app == "bot" else ECHO_APP)
    base = {"port": port, "token": TOKEN, "app_id": APP_ID, "aes_key": AES_KEY,
            "account_id": ACCOUNT_ID, "contents": args.mix, "expect_echo": app == "echo",
            "max_rate": args.max_rate, "verify_sample": args.verify_sample}
    bound = args.seconds * 4 + 120
    if app == "bot":
        base["cpu_helpers"] = helper_processes(args)
        seed_load_followers(args, run_tag)
    results = []
    log_path = Path(args.out_dir) / f"{app}-server.log"
    with Server(app, argv, server_environment(app, args), log_path) as srv:
        base["cpu_pids"] = srv.worker_pids()
        log(f"[{app}] serving on 127.0.0.1:{port}; warming up {args.warmup:g} s")
        run_loadgen({**base, "mode": "closed", "seconds": args.warmup,
                     "concurrency": args.concurrency, "user_prefix": f"oW{run_tag}{app[0]}"},
                    bound)
        base["cpu_pids"] = srv.worker_pids()
        time.sleep(args.pause)
        log(f"[{app}] closed loop: {args.concurrency} connections, {args.seconds:g} s")
        closed = run_loadgen({**base, "mode": "closed", "seconds": args.seconds,
                              "concurrency": args.concurrency,
                              "user_prefix": f"oC{run_tag}{app[0]}"}, bound)
        results.append({"app": app, **closed})
        time.sleep(args.pause)
        log(f"[{app}] open loop: {args.rate:g} msgs/s, {args.seconds:g} s")
        opened = run_loadgen({**base, "mode": "open", "seconds": args.seconds,
                              "rate": args.rate, "users": args.users,
                              "open_connections": args.open_connections,
                              "user_prefix": f"oO{run_tag}{app[0]}"}, bound)
        results.append({"app": app, **opened})
    return results


def warm_up_concurrently(port: int, factory, proxies: dict, check, user_ids) -> None:
    """Messages side by side, so every worker opens its Redis and PostgreSQL connections (and
    loads the scripts) before anything is counted: one at a time, one worker would take all."""
    from concurrent.futures import ThreadPoolExecutor

    from roundtrips import count_messages

    people = user_ids({"user_prefix": "oRw"}, 64)
    with ThreadPoolExecutor(16) as pool:
        for _ in range(2):
            list(pool.map(lambda openid: count_messages(port, factory, proxies,
                                                        [(openid, "帮助")], check), people))


def count_round_trips(args, web_argv: list, log=print) -> list:
    """(label, messages, figures) per scenario of bench/roundtrips.py, through counting proxies."""
    sys.path.insert(0, str(BENCH_DIR))
    from loadgen import DEFAULTS, RequestFactory, _check_reply, user_ids
    from roundtrips import SCENARIOS, CountingProxy, count_messages, seed_followers, summary
    from sqlalchemy.engine import make_url

    prepare_redis(args.redis_url)
    prepare_database(args.database_url)
    redis_url = make_url(args.redis_url.replace("redis://", "redis+x://", 1))
    pg_url = make_url(args.database_url)
    proxies = {"redis": CountingProxy(redis_url.host or "127.0.0.1", redis_url.port or 6379),
               "postgresql": CountingProxy(pg_url.host or "127.0.0.1", pg_url.port or 5432)}
    env = server_environment("bot", args)
    env["REDIS_URL"] = redis_url.set(port=proxies["redis"].port).render_as_string(
        hide_password=False).replace("redis+x://", "redis://", 1)
    env["DATABASE_URL"] = pg_url.set(port=proxies["postgresql"].port).render_as_string(
        hide_password=False)
    port = free_port()
    spec = {**DEFAULTS, "port": port, "token": TOKEN, "app_id": APP_ID, "aes_key": AES_KEY,
            "account_id": ACCOUNT_ID, "mode": "open", "open_connections": "new"}
    factory = RequestFactory(spec)

    def check(prepared, body: bytes) -> str | None:
        texts: dict = {}
        problem = _check_reply(spec, factory, prepared, body, texts)
        first = next(iter(next(iter(texts.values()), {})), "")
        return problem or (f"failed: {first}" if first.startswith(FAILED_REPLIES) else None)

    count = args.count_round_trips
    rows = []
    with Server("bot", server_command(web_argv, port), env,
                Path(args.out_dir) / "bot-count-server.log"):
        warm_up_concurrently(port, factory, proxies, check, user_ids)
        for number, (label, who, texts) in enumerate(SCENARIOS):
            texts = texts or args.mix
            openids = user_ids({"user_prefix": f"oR{number}"}, count)
            if who == "follower":
                seed_followers(args.database_url, openids)
            sends = [(openid, text) for text in texts for openid in openids]
            counts = count_messages(port, factory, proxies, sends, check)
            rows.append((label + " (" + " / ".join(texts) + ")", len(sends), summary(counts)))
            if who == "follower" and texts == ["帮助"]:  # then again, within the 2 minutes
                again = count_messages(port, factory, proxies, sends, check)
                rows.append((label + " again within 2 minutes", len(again), summary(again)))
            log(f"[count] {rows[-1][0]}: {rows[-1][2]}")
    for proxy in proxies.values():
        proxy.close()
    return rows


# -- the report --------------------------------------------------------------------------------
def _fmt(value, digits=1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _median(values: list):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def mode_label(result: dict) -> str:
    if result["mode"] == "closed":
        return f"closed loop, {result['concurrency']} conns, {result['seconds']:g} s"
    how = "" if result.get("open_connections", "new") == "new" else ", keep-alive"
    return f"open loop, {result['rate']:g}/s, {result['seconds']:g} s{how}"


def app_label(result: dict, rounds: int) -> str:
    return result["app"] if rounds <= 1 else f"{result['app']} #{result['round']}"


def results_table(results: list, rounds: int = 1) -> str:
    rows = ["| app | mode | msgs/s | p50 ms | p99 ms | max ms | errors |",
            "|---|---|---:|---:|---:|---:|---:|"]
    for r in results:
        rows.append(f"| {app_label(r, rounds)} | {mode_label(r)} | {_fmt(r['msgs_per_s'])} | "
                    f"{_fmt(r['p50_ms'])} | {_fmt(r['p99_ms'])} | {_fmt(r['max_ms'])} | "
                    f"{r['errors']} |")
    return "\n".join(rows)


def cpu_table(results: list, rounds: int = 1) -> str:
    rows = ["| app | mode | web CPU ms/msg | Redis+PostgreSQL CPU ms/msg | total CPU ms/msg "
            "| per worker CPU s | client CPU % of a core | machine busy % "
            "| other processes, cores | send lag p99 ms |",
            "|---|---|---:|---:|---:|---|---:|---:|---:|---:|"]
    for r in results:
        done = max(1, r["ok"])
        busy = None if r.get("machine_busy") is None else r["machine_busy"] * 100
        workers = " / ".join(f"{s:g}" for s in r.get("server_cpu_by_process_s", []) if s > 0.05)
        rows.append(
            f"| {app_label(r, rounds)} | {r['mode']} | {_fmt(r['server_cpu_s'] * 1000 / done, 2)} "
            f"| {_fmt(r['helpers_cpu_s'] * 1000 / done, 2)} "
            f"| {_fmt((r['server_cpu_s'] + r['helpers_cpu_s']) * 1000 / done, 2)} "
            f"| {workers or '-'} | "
            f"{_fmt(r['client_cpu_s'] / r['elapsed_s'] * 100 if r['elapsed_s'] else None, 0)} | "
            f"{_fmt(busy, 0)} | {_fmt(r.get('other_cores'), 2)} | "
            f"{_fmt(r.get('send_lag_p99_ms'))} |")
    return "\n".join(rows)


def round_figures(results: list) -> list:
    """Per round: (throughput ratio bot/echo, bot open-loop p99, bot open-loop errors)."""
    figures = []
    for number in sorted({r["round"] for r in results}):
        found = {(r["app"], r["mode"]): r for r in results if r["round"] == number}
        bot_closed, echo_closed = found.get(("bot", "closed")), found.get(("echo", "closed"))
        bot_open, echo_open = found.get(("bot", "open")), found.get(("echo", "open"))
        ratio = (bot_closed["msgs_per_s"] / echo_closed["msgs_per_s"]
                 if bot_closed and echo_closed and echo_closed["msgs_per_s"] else None)
        figures.append({
            "round": number, "ratio": ratio,
            "bot_closed": bot_closed and bot_closed["msgs_per_s"],
            "echo_closed": echo_closed and echo_closed["msgs_per_s"],
            "bot_p99": bot_open and bot_open["p99_ms"],
            "echo_p99": echo_open and echo_open["p99_ms"],
            "bot_open_errors": bot_open and bot_open["errors"],
            "rate": (bot_open or echo_open or {}).get("rate"),
        })
    return figures


def verdicts(results: list, target: float = TARGET_RATIO_MIX) -> list:
    """The two targets, each with its figure and met / missed (median over rounds)."""
    figures = round_figures(results)
    several = len(figures) > 1
    how = f" (median of {len(figures)} rounds)" if several else ""
    lines = []
    ratio = _median([f["ratio"] for f in figures])
    if ratio is not None:
        bot, echo = _median([f["bot_closed"] for f in figures]), _median(
            [f["echo_closed"] for f in figures])
        each = (" — rounds: " + ", ".join(_fmt(f["ratio"], 2) for f in figures)) if several else ""
        lines.append(f"- throughput bot/echo (closed loop){how}: **{ratio:.2f}** "
                     f"({_fmt(bot)} / {_fmt(echo)} msgs/s); target >= {target}: "
                     f"**{'met' if ratio >= target else 'missed'}**{each}")
    p99 = _median([f["bot_p99"] for f in figures])
    if p99 is not None:
        errors = sum(f["bot_open_errors"] or 0 for f in figures)
        met = p99 < TARGET_P99_MS and errors == 0
        each = (" — rounds: " + ", ".join(_fmt(f["bot_p99"]) for f in figures)) if several else ""
        lines.append(f"- bot p99 at {figures[0]['rate']:g} msgs/s (open loop){how}: "
                     f"**{_fmt(p99)} ms**; target < {TARGET_P99_MS:g} ms with no errors: "
                     f"**{'met' if met else 'missed'}**{each}")
        echo_p99 = _median([f["echo_p99"] for f in figures])
        if echo_p99:
            lines.append(f"- echo p99 at the same rate{how}: {_fmt(echo_p99)} ms")
    return lines


def reply_notes(results: list) -> list:
    lines = []
    merged: dict = {}
    for r in results:
        if r["app"] != "bot":
            continue
        for sent, texts in r.get("reply_texts", {}).items():
            for text, count in texts.items():
                merged.setdefault(sent, {}).setdefault(text, 0)
                merged[sent][text] += count
    for sent, texts in merged.items():
        top = sorted(texts.items(), key=lambda item: -item[1])[:4]
        shown = "; ".join(f"“{text[:40]}” ×{count}" for text, count in top)
        lines.append(f"- bot replies to “{sent}” (first line, verified sample): {shown}")
    for r in results:
        if r["errors"]:
            lines.append(f"- {r['app']} {r['mode']}: errors {r['error_kinds']}; e.g. "
                         + " | ".join(r["error_examples"][:3]))
        if r["mode"] == "closed" and r.get("built_during_run"):
            lines.append(f"- {r['app']} closed loop: {r['built_during_run']} requests were built "
                         "during the run (pre-built ones used up; raise --max-rate)")
    return lines


def load_average() -> str:
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "-"


def report(results: list, args, web_argv: list, started: datetime.datetime,
           load_before: str = "-", round_trips: list | None = None) -> str:
    settings = describe_settings(web_argv)
    order = " then ".join(args.apps)
    header = [
        f"# POST /wechat benchmark, {started:%Y-%m-%d %H:%M}",
        "",
        f"- machine: {os.cpu_count()} cores, {platform.platform()}, Python "
        f"{platform.python_version()}; load average (1/5/15 min) {load_before} before the run, "
        f"{load_average()} after",
        f"- server (Procfile `web`, for both apps): gunicorn {settings}, access log off, "
        f"loopback; one app at a time ({order}, {args.rounds} round(s))",
        f"- bot: safe mode, contest {CONTEST} at {CONTEST_NOW} (collection), Redis "
        f"{args.redis_url}, PostgreSQL {args.database_url.rsplit('/', 1)[-1]}, LOG_LEVEL=WARNING",
        f"- messages: text, each user sending {' / '.join(args.mix)} in turn; distinct MsgIds; "
        f"{args.warmup:g} s warm-up per app",
        "",
    ]
    body = [results_table(results, args.rounds), "",
            *verdicts(results, target_ratio(args.mix)), "",
            cpu_table(results, args.rounds), ""]
    if round_trips:
        from roundtrips import round_trips_table

        body += ["Round trips per message, counted on the wire (one message at a time):", "",
                 round_trips_table(round_trips), ""]
    notes = reply_notes(results)
    if notes:
        body += ["Notes:", "", *notes, ""]
    return "\n".join(header + body)


# -- profile -----------------------------------------------------------------------------------
def profile_bot(args, count: int) -> str:
    """cProfile of the bot answering `count` messages in this process, one at a time.

    Same settings, state and message mix as the load test, but no gunicorn and no concurrency:
    the WSGI app is called directly, so the profile shows where a message's CPU time goes.
    """
    import cProfile
    import io
    import pstats

    sys.path.insert(0, str(BENCH_DIR))
    from loadgen import DEFAULTS, RequestFactory, build_open

    prepare_redis(args.redis_url)
    prepare_database(args.database_url)
    os.environ.update(server_environment("bot", args))
    from wsgi import create_app

    app = create_app()
    spec = {**DEFAULTS, "token": TOKEN, "app_id": APP_ID, "aes_key": AES_KEY,
            "account_id": ACCOUNT_ID, "contents": args.mix, "users": max(1, count // 10),
            "rate": float(count), "seconds": 1.0, "user_prefix": "oP"}
    factory = RequestFactory(spec)
    warm = build_open({**spec, "user_prefix": "oPw", "rate": 50.0}, factory)
    plan = build_open(spec, factory)

    def call(prepared) -> int:
        environ = {"REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/wechat",
                   "QUERY_STRING": prepared.query, "SERVER_NAME": "127.0.0.1",
                   "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
                   "CONTENT_TYPE": "text/xml", "CONTENT_LENGTH": str(len(prepared.body)),
                   "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
                   "wsgi.input": io.BytesIO(prepared.body), "wsgi.errors": sys.stderr,
                   "wsgi.multithread": False, "wsgi.multiprocess": False,
                   "wsgi.run_once": False, "wsgi.version": (1, 0)}
        status = []
        body = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
        if not status[0].startswith("200") or b"<Encrypt>" not in body:
            raise RuntimeError(f"bad reply {status[0]}: {body[:200]!r}")
        return len(body)

    def per_message(requests) -> tuple[float, float]:
        wall_started, cpu_started = time.perf_counter(), time.process_time()
        for prepared in requests:
            call(prepared)
        return ((time.perf_counter() - wall_started) / len(requests) * 1000,
                (time.process_time() - cpu_started) / len(requests) * 1000)

    from echo_app import create_echo_app

    bot_app, app = app, create_echo_app()  # the baseline first, on the same requests
    per_message(warm)
    echo_wall, echo_cpu = per_message(plan[: len(plan) // 2])
    app = bot_app
    for prepared in warm:
        call(prepared)
    wall, cpu = per_message(plan[: len(plan) // 2])
    # CPU time, not wall time: what a message costs the web process, waits on Redis and
    # PostgreSQL excluded (they are the "Redis+PostgreSQL CPU" column of the load test).
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for prepared in plan[len(plan) // 2:]:
        call(prepared)
    profiler.disable()
    out = io.StringIO()
    out.write(f"Without the profiler, one message at a time ({len(plan) // 2} messages, mix "
              f"{' / '.join(args.mix)}), in this process:\n"
              f"- bot:  {wall:.2f} ms wall, {cpu:.2f} ms CPU per message\n"
              f"- echo: {echo_wall:.2f} ms wall, {echo_cpu:.2f} ms CPU per message\n"
              "Profile below: CPU time (time.process_time) of the other half.\n\n")
    stats = pstats.Stats(profiler, stream=out)
    out.write(profile_buckets(stats) + "\n\n")
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(30)
    stats.print_callers("session_scope|_record_contact|render_chat|execute_command")
    return out.getvalue()


def profile_buckets(stats, min_share: float = 1.0) -> str:
    """Where a bot message's CPU goes: the steps of the request path and what each calls.

    For each step (the Flask view, dedupe, the reply, the answer) its direct callees with their
    share of the whole request's CPU, largest first; found by file and function name, so it
    follows the product code as it changes.
    """
    stats.calc_callees()
    by_name = {}
    for func, (_cc, _nc, _tt, _ct, _callers) in stats.stats.items():
        filename, _line, name = func
        by_name.setdefault((Path(filename).parent.name + "/" + Path(filename).name, name), func)
    total_func = by_name.get(("flask/app.py", "wsgi_app"))
    if total_func is None:
        return "(no Flask request in the profile)"
    total = stats.stats[total_func][3]
    steps = [("flask/app.py", "wsgi_app"), ("chat/webhook.py", "receive"),
             ("chat/dispatch.py", "handle_inbound"), ("chat/dedupe.py", "begin"),
             ("chat/dedupe.py", "end"), ("chat/dispatch.py", "answer"),
             ("chat/dispatch.py", "_respond")]
    lines = ["| step → callee | share of CPU per message |", "|---|---:|"]
    for step in steps:
        func = by_name.get(step)
        if func is None:
            continue
        share = stats.stats[func][3] / total * 100
        lines.append(f"| **{step[0]}:{step[1]}** | **{share:.0f} %** |")
        callees = stats.all_callees.get(func, {})
        ranked = sorted(callees.items(), key=lambda item: -item[1][3])
        for callee, (_cc, _nc, _tt, ct) in ranked:
            share = ct / total * 100
            if share < min_share:
                break
            filename, _line, name = callee
            where = (Path(filename).parent.name + "/" + Path(filename).name
                     if filename != "~" else "builtin")
            lines.append(f"| &nbsp;&nbsp;→ {where}:{name} | {share:.0f} % |")
    return "\n".join(lines)


# -- CLI ---------------------------------------------------------------------------------------
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=None,
                        help="length of each measurement (default 15; 3 with --quick)")
    parser.add_argument("--rate", type=float, default=None,
                        help="open-loop messages per second (default 200; 50 with --quick)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="closed-loop connections (default 32; 8 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="short, light run for the smoke test (~3 s per measurement)")
    parser.add_argument("--warmup", type=float, default=None, help="warm-up seconds per app")
    parser.add_argument("--apps", default="echo,bot", help="which apps, in order (echo,bot)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat echo-then-bot this many times; targets judged on medians")
    parser.add_argument("--open-connections", choices=("new", "keepalive"), default="new",
                        help="open loop: a new connection per request (default, like a proxy "
                             "in front of gunicorn) or reused keep-alive connections")
    parser.add_argument("--users", type=int, default=2000,
                        help="open loop: at most this many distinct users")
    parser.add_argument("--mix", default=",".join(MESSAGES),
                        help="comma-separated texts each user sends in turn (default 报名,取消), "
                             "or a preset: " + ", ".join(f"{k} ({','.join(v)})"
                                                        for k, v in MIXES.items()))
    parser.add_argument("--count-round-trips", type=int, default=None, metavar="N",
                        help="people per scenario whose Redis and PostgreSQL round trips are "
                             "counted before the load test (default 30; 3 with --quick; 0: skip)")
    parser.add_argument("--max-rate", type=float, default=None,
                        help="closed loop: requests pre-built per second of run (a ceiling)")
    parser.add_argument("--verify-sample", type=int, default=500,
                        help="replies decrypted and checked per measurement")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between measurements")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", REDIS_URL),
                        help="the bot's Redis database (flushed!)")
    parser.add_argument("--database-url",
                        default=os.environ.get("BENCH_DATABASE_URL", DATABASE_URL),
                        help="the bot's PostgreSQL database (emptied!)")
    parser.add_argument("--out-dir", default=str(OUT_DIR))
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="instead of the load test: cProfile the bot answering N messages "
                             "in-process (no gunicorn), written to bench/out/")
    args = parser.parse_args(argv)
    quick = args.quick
    args.seconds = args.seconds or (3.0 if quick else 15.0)
    args.rate = args.rate or (50.0 if quick else 200.0)
    args.concurrency = args.concurrency or (8 if quick else 32)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if quick else 3.0)
    args.max_rate = args.max_rate or 3000.0
    args.mix = MIXES.get(args.mix) or [text.strip() for text in args.mix.split(",")
                                       if text.strip()]
    if args.count_round_trips is None:
        args.count_round_trips = 3 if quick else 30
    if not args.mix:
        parser.error("--mix needs at least one text")
    args.apps = [app.strip() for app in args.apps.split(",") if app.strip()]
    if not set(args.apps) <= {"echo", "bot"}:
        parser.error("--apps takes echo and/or bot")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    started = datetime.datetime.now()
    run_tag = started.strftime("%H%M%S")
    web_argv = procfile_web_command()

    def log(text):
        print(text, file=sys.stderr, flush=True)

    if args.profile:
        text = profile_bot(args, args.profile)
        path = Path(args.out_dir) / f"profile-{started:%Y%m%d-%H%M%S}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(text)
        log(f"written {path}")
        return 0

    results = []
    load_before = load_average()
    round_trips = []
    try:
        if args.count_round_trips and "bot" in args.apps:
            round_trips = count_round_trips(args, web_argv, log)
        for number in range(1, args.rounds + 1):
            for app in args.apps:
                for result in measure_app(app, args, web_argv, f"{run_tag}{number}", log):
                    results.append({"round": number, **result})
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as error:
        log(f"benchmark failed: {error}")
        return 2
    text = report(results, args, web_argv, started, load_before, round_trips)
    print(text)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"webhook-{started:%Y%m%d-%H%M%S}"
    stem.with_suffix(".md").write_text(text + "\n", encoding="utf-8")
    stem.with_suffix(".json").write_text(json.dumps(results, ensure_ascii=False, indent=1),
                                         encoding="utf-8")
    log(f"written {stem}.md")
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
