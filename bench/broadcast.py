"""Benchmark of a broadcast to 100,000 followers against the fake WeChat platform.

    .venv/bin/python bench/broadcast.py [--recipients 100000] [--window 1000] [--quick]

The fake platform runs in a forked child process (so its memory and CPU are not ours) with every
user created directly in its state, already following; `--window` of them wrote to the account
just now (their broadcast goes as a customer-service message, one call each). Our side: the same
people as Entrant rows in a PostgreSQL database of its own (BENCH_DATABASE_URL, emptied), Redis
BENCH_REDIS_URL (flushed). Measured in this process: confirming the broadcast (the recipients
snapshot: one Delivery row each) and the fan-out (bot.delivery.fanout.fan_out, as the RQ job runs it).
The platform's time is the wall time during which its request handlers were busy, measured
inside the child; ours is the rest. Then the broadcast is confirmed and fanned out again, and
the platform's inboxes are checked: nobody got it twice. The whole is run twice: timed, then
under tracemalloc for the memory held. Report: stdout and bench/broadcast.md.
"""
import argparse
import datetime
import os
import platform as host
import sys
import time
import tracemalloc
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/contestbot_bench_notice")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
from bench.broadcast_platform import (  # noqa: E402
    APP_ID,
    SECRET,
    BusyClock,
    openid,
    platform_answer,
    start_platform,
    wait_on_platform,
)

TEXT = "网络投票今天开始（8月1日至8月10日），回复“投票”浏览作品并为喜爱的作品投票。"


def prepare_bot(url: str, recipients: int, window: int):
    """Services on an emptied database and Redis, with every recipient as a follower."""
    import redis
    from sqlalchemy import insert

    from bot.db import Base, session_scope
    from bot.models import Entrant
    from bot.services import build_services
    from config.settings import load_settings
    from tests.conftest import _ensure_postgres_database

    _ensure_postgres_database(DATABASE_URL)
    redis.Redis.from_url(REDIS_URL).flushdb()
    services = build_services(load_settings({
        "WECHAT_API_BASE_URL": url, "WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": SECRET,
        "REDIS_URL": REDIS_URL, "DATABASE_URL": DATABASE_URL, "CONTEST": "jiangmen-2020",
        "CONTEST_NOW": "2020-08-01T10:00:00", "LOG_LEVEL": "WARNING"}))
    Base.metadata.drop_all(services.db_engine)
    Base.metadata.create_all(services.db_engine)
    now = datetime.datetime.now(datetime.UTC)
    for start in range(0, recipients, 10000):
        with session_scope(services.db) as session:
            session.execute(insert(Entrant), [dict(
                openid=openid(i), subscribed=True, first_seen_at=now, subscribed_at=now,
                last_message_at=now if i < window else None)
                for i in range(start, min(start + 10000, recipients))])
    return services


def run_broadcast(services, url: str, traced: bool, waited: BusyClock) -> dict:
    """Create, confirm and fan out one broadcast, timed (and traced if `traced`)."""
    from bot.delivery.broadcasts import confirm_broadcast, create_broadcast
    from bot.delivery.fanout import fan_out
    from bot.wechat.client import make_api

    platform_before = float(platform_answer(url, "time"))
    waited_before = waited.busy
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    broadcast_id = create_broadcast(services, audience="followers", text=TEXT,
                                    created_by="bench")
    confirm_broadcast(services, broadcast_id, "bench", enqueue=False)
    confirmed = time.perf_counter()
    report = fan_out(services, make_api(services), broadcast_id)
    finished = time.perf_counter()
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    tracemalloc.stop()
    platform_s = float(platform_answer(url, "time")) - platform_before
    waited_s = waited.busy - waited_before
    again_started = time.perf_counter()
    confirm_broadcast(services, broadcast_id, "bench", enqueue=False)
    again = fan_out(services, make_api(services), broadcast_id)
    return {"id": broadcast_id, "report": report, "again": again,
            "snapshot_s": confirmed - started, "fanout_s": finished - confirmed,
            "total_s": finished - started, "platform_s": platform_s, "peak_bytes": peak,
            "waited_s": waited_s,
            "rerun_s": time.perf_counter() - again_started,
            "inboxes": platform_answer(url, "doubles")}


def measure(args, traced: bool, waited: BusyClock) -> dict:
    """One broadcast on a fresh platform, database and Redis."""
    process, url = start_platform(args.recipients, args.window)
    try:
        services = prepare_bot(url, args.recipients, args.window)
        result = run_broadcast(services, url, traced, waited)
        result["mass_calls"] = mass_calls(services, result["id"])
        services.db_engine.dispose()
        return result
    finally:
        process.terminate()
        process.join(5)


def mass_calls(services, broadcast_id: int) -> int:
    from sqlalchemy import distinct, func, select

    from bot.models import Delivery
    with services.db() as session:
        return session.scalar(select(func.count(distinct(Delivery.batch_key))).where(
            Delivery.broadcast_id == broadcast_id, Delivery.channel == "mass"))


BUDGET_US = 60 / (60 * 10_000) * 1e6  # WeChat's fastest pace: 60 mass calls of 10,000 a minute


def ours_per_recipient(result: dict, n: int) -> float:
    """Our time per recipient in µs: the run's total less the platform's busy time."""
    return (result["total_s"] - result["platform_s"]) / n * 1e6


def render(args, rounds: list, traced: dict) -> str:
    n = args.recipients
    rounds = sorted(rounds, key=lambda result: ours_per_recipient(result, n))
    timed = rounds[len(rounds) // 2]
    spread = ", ".join(f"{ours_per_recipient(result, n):.0f}" for result in rounds)
    ours = timed["total_s"] - timed["platform_s"]
    per_recipient = ours / n * 1e6
    pushed, most, doubled = timed["inboxes"].split()
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    verdict = "met" if max(ours_per_recipient(result, n) for result in rounds) < BUDGET_US \
        else "missed"
    return "\n".join([
        f"# Broadcast to {n:,} followers ({when})", "",
        f"Machine: {host.machine()}, {os.cpu_count()} CPUs, Python {host.python_version()}; "
        "fake platform in a forked process on loopback; PostgreSQL + Redis on localhost. "
        f"Command: `.venv/bin/python bench/broadcast.py {' '.join(sys.argv[1:])}`.", "",
        f"Target: the platform's rate limits, not our code, decide how long a broadcast takes. "
        f"WeChat lets an account make 60 mass calls a minute of up to 10,000 openids each, so at "
        f"its fastest it takes a recipient every {BUDGET_US:.0f} µs; our own time per recipient "
        f"must stay below that. **{per_recipient:.0f} µs (median of {len(rounds)} rounds: "
        f"{spread} µs): {verdict}.**", "", "The median round:", "",
        "| measure | value |", "|---|---:|",
        f"| recipients (of them in a customer-service window) | {n:,} ({args.window:,}) |",
        f"| confirm: recipients snapshot ({n:,} Delivery rows) | {timed['snapshot_s']:.2f} s |",
        f"| fan-out | {timed['fanout_s']:.2f} s |",
        f"| total | {timed['total_s']:.2f} s |",
        f"| platform busy, seen in the platform (wall time with a request in its handlers) | "
        f"{timed['platform_s']:.2f} s |",
        f"| **ours (total - platform busy)** | {ours:.2f} s = **{per_recipient:.0f} µs per "
        f"recipient** |",
        f"| waiting on the platform, seen from our side (wall time with a call in flight: "
        f"loopback, its HTTP server, its handlers) | {timed['waited_s']:.2f} s |",
        f"| ours without that wait (total - waiting) | {timed['total_s'] - timed['waited_s']:.2f}"
        f" s = {(timed['total_s'] - timed['waited_s']) / n * 1e6:.0f} µs per recipient |",
        f"| mass calls (10,000 openids each; limit 60/min) | {timed['mass_calls']} |",
        f"| outcome | {timed['report']} |",
        f"| second confirm + fan-out (nothing to send) | {timed['rerun_s']:.2f} s, "
        f"{timed['again']} |",
        f"| platform inboxes: messages, most per user, users with 2+ | {pushed}, {most}, "
        f"**{doubled}** |",
        f"| memory run: tracemalloc peak in our process | **{traced['peak_bytes'] / 2**20:.1f} "
        f"MiB** |",
        f"| memory run: total time under tracemalloc | {traced['total_s']:.2f} s |", "",
        "How it is measured: timed rounds, then one traced with tracemalloc (which slows Python "
        "down about twofold, so its time is not the one reported), each on a fresh platform, "
        "database and Redis; the verdict needs every timed round under the budget. Our time includes our HTTP client and the "
        "fake platform's HTTP server on loopback, and the PostgreSQL writes: one snapshot row "
        "per recipient, then one UPDATE per batch outcome. A mass batch of 10,000 is one call; "
        "customer-service recipients are one call each, made on BROADCAST_CUSTOM_WORKERS "
        "threads and settled in bulk. Memory stays bounded by one batch (10,000 recipients).",
        ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--window", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (median reported)")
    parser.add_argument("--quick", action="store_true", help="10,000 recipients, 100 in window")
    parser.add_argument("--out", default=str(PROJECT_ROOT / "bench" / "broadcast.md"))
    args = parser.parse_args()
    if args.quick:
        args.recipients, args.window = 10_000, 100
    waited = wait_on_platform()
    rounds = [measure(args, False, waited) for _ in range(args.rounds)]
    traced = measure(args, True, waited)
    text = render(args, rounds, traced)
    print(text)
    if not args.quick:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
