"""Load drill: 1,000 users, a mixed workload, rising rates until p99 passes 1 s.

    .venv/bin/python bench/load.py [--seconds 8] [--rates 100,200,400,800,1600,3200] [--write bench/load.md]

Reuses bench/webhook.py's runner (gunicorn with the Procfile's `web` settings, one app at a time)
and bench/loadgen.py's open loop (pre-signed, AES-encrypted requests on a fixed schedule; latency
from the scheduled send time). The bot runs 江门 2020 with its voting window laid over the
collection phase (a copy of the YAML under bench/out/), so one evening mixes registration steps
(报名, 是, 是), a vote (投票 101) and a status query (我的作品); the 1,000 users follow the account
and entries 101-110 are approved before the run. Each user goes through the mix in order; the
same users come back at each rate, so later votes are repeats that must be refused.

For each app (the bare echo app first, then the bot) the rates rise until p99 > 1 s (or the
ladder ends). After the bot's run the database is checked: no voter has two votes. Results are
printed as Markdown and written to --write.
"""
import argparse
import datetime
import json
import math
import sys
import time
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from bench import webhook as wb  # noqa: E402

MIX = ["投票 101", "我的作品", "报名", "是", "是"]
USERS = 1000
PREFIX = "oLoad"


def contest_file() -> Path:
    """江门 2020 with voting open during collection (a benchmark-only copy)."""
    data = yaml.safe_load((PROJECT_ROOT / "config/contests/jiangmen-2020.yaml").read_text(
        encoding="utf-8"))
    data["voting"]["phase"] = "collection"
    folder = wb.OUT_DIR / "load-contest"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "jiangmen-2020.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def seed(args, contest_path: Path) -> list:
    """Entries 101-110 approved; the 1,000 users following. Returns their openids."""
    from bench.loadgen import user_ids
    from bot.contest import load_contest
    from bot.db import make_engine, make_session_factory, session_scope
    from bot.entrants import record_follow
    from bot.models import Entrant, Entry

    contest = load_contest(str(contest_path))
    factory = make_session_factory(make_engine(args.database_url))
    at = datetime.datetime(2020, 6, 1, 2, tzinfo=datetime.UTC)
    openids = user_ids({"user_prefix": PREFIX}, USERS)
    with session_scope(factory) as session:
        owner = Entrant(openid="oLoadOwner", subscribed=True, subscribed_at=at, first_seen_at=at)
        session.add(owner)
        session.flush()
        for n in range(101, 111):
            session.add(Entry(contest_id=contest.id, code=str(n), entrant_id=owner.id,
                              entrant_kind="individual", category="micro_video",
                              title=f"作品{n}", form={}, state="approved", created_at=at,
                              confirmed_at=at))
        for openid in openids:
            record_follow(session, openid, at)
    return openids


def vote_check(args) -> dict:
    from sqlalchemy import func, select

    from bot.db import make_engine, make_session_factory, session_scope
    from bot.models import Vote

    factory = make_session_factory(make_engine(args.database_url))
    with session_scope(factory) as session:
        total = session.scalar(select(func.count()).select_from(Vote))
        voters = session.scalar(select(func.count(func.distinct(Vote.voter_openid))))
        doubled = session.execute(select(Vote.voter_openid).group_by(Vote.voter_openid)
                                  .having(func.count() > 1)).all()
    return {"votes": total, "voters": voters, "doubled": len(doubled)}


def ladder(app: str, args, web_argv: list, log) -> list:
    port = wb.free_port()
    argv = wb.server_command(web_argv, port, None if app == "bot" else wb.ECHO_APP)
    env = wb.server_environment(app, args)
    if app == "bot":
        env["CONTEST"] = str(args.contest_path)
    base = {"port": port, "token": wb.TOKEN, "app_id": wb.APP_ID, "aes_key": wb.AES_KEY,
            "account_id": wb.ACCOUNT_ID, "contents": MIX, "expect_echo": app == "echo",
            "users": USERS, "user_prefix": PREFIX, "verify_sample": 300, "mode": "open",
            "open_connections": "new", "seconds": args.seconds}
    rows = []
    with wb.Server(app, argv, env, Path(args.out_dir) / f"load-{app}-server.log"):
        wb.run_loadgen({**base, "mode": "closed", "seconds": 2, "concurrency": 16,
                        "user_prefix": "oWarm"}, 120)
        for rate in args.rates:
            # long enough at this rate for all 1,000 users to go through the whole mix
            seconds = max(args.seconds, math.ceil(USERS * len(MIX) / rate))
            result = wb.run_loadgen({**base, "rate": rate, "seconds": seconds}, seconds * 6 + 120)
            rows.append({"app": app, "rate": rate, **{k: result.get(k) for k in (
                "planned", "completed", "ok", "errors", "error_kinds", "msgs_per_s", "p50_ms",
                "p99_ms", "max_ms")}})
            log(f"[{app}] {rate}/s: ok {result['ok']}/{result['planned']}, "
                f"p50 {result['p50_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms, "
                f"errors {result['errors']} {result['error_kinds']}")
            if (result["p99_ms"] or 0) > 1000:
                break
            time.sleep(1)
    return rows


def reached(rows: list) -> str:
    under = [r["rate"] for r in rows if (r["p99_ms"] or 1e9) <= 1000 and not r["errors"]]
    return f"{max(under)} msgs/s" if under else "none"


def markdown(rows: list, votes: dict, args, web_argv, started) -> str:
    lines = [f"# Load drill: 1,000 users, mixed workload ({started:%Y-%m-%d %H:%M})", "",
             f"`.venv/bin/python bench/load.py --seconds {args.seconds:g} --rates "
             f"{','.join(str(r) for r in args.rates)}`. Server: the Procfile's web command "
             f"({wb.describe_settings(web_argv)}) on loopback; open loop, a new connection per "
             "request, latency from the scheduled send time. Mix per user, in order: "
             + ", ".join(MIX) + f". {wb.os.cpu_count()} CPUs.", "",
             "| app | rate (msgs/s) | sent | answered ok | errors | p50 ms | p99 ms | max ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['app']} | {r['rate']} | {r['planned']} | {r['ok']} | {r['errors']}"
                     f" | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | {r['max_ms']:.0f} |")
    echo = [r for r in rows if r["app"] == "echo"]
    bot = [r for r in rows if r["app"] == "bot"]
    lines += ["", f"Highest rate with p99 ≤ 1 s and no error: echo {reached(echo)}, "
              f"bot {reached(bot)}.",
              f"Votes after the run: {votes['votes']} from {votes['voters']} voters; voters "
              f"with two votes: {votes['doubled']}.",
              "Every message answered: " + ("yes" if all(
                  r["ok"] == r["planned"] for r in rows if (r["p99_ms"] or 1e9) <= 1000)
                  else "no (see the errors column)") + " at the rates under the p99 limit."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rates", default="100,200,400,800,1600,3200")
    parser.add_argument("--redis-url", default=wb.REDIS_URL)
    parser.add_argument("--database-url", default=wb.DATABASE_URL)
    parser.add_argument("--out-dir", default=str(wb.OUT_DIR))
    parser.add_argument("--write", default="")
    args = parser.parse_args(argv)
    args.rates = [int(r) for r in args.rates.split(",")]
    started = datetime.datetime.now()
    web_argv = wb.procfile_web_command()
    args.contest_path = contest_file()
    rows = ladder("echo", args, web_argv, print)
    wb.prepare_redis(args.redis_url)
    wb.prepare_database(args.database_url)
    seed(args, args.contest_path)
    rows += ladder("bot", args, web_argv, print)
    votes = vote_check(args)
    report = markdown(rows, votes, args, web_argv, started)
    print(report)
    (Path(args.out_dir) / f"load-{started:%Y%m%d-%H%M%S}.json").write_text(
        json.dumps({"rows": rows, "votes": votes}, ensure_ascii=False, indent=1))
    if args.write:
        Path(args.write).write_text(report, encoding="utf-8")
    return 0 if votes["doubled"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
