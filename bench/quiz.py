"""Benchmark of the knowledge quiz: many people taking it at once through `POST /wechat`.

    .venv/bin/python bench/quiz.py [--users 2000] [--think 5-15] [--quick]

The bot (广西 2022, its clock inside the quiz window) runs under the Procfile's `web` command on
a free loopback port. Every simulated person is a separate coroutine that does what a person
does, one message at a time: 答题, name, unit, city, then an answer to each of the 10 questions
(read from the question the bot just sent: 对 for 判断, AB for 多选, A otherwise), waiting
`--think` seconds between a reply and the next message. They all start within `--ramp` seconds.
Then the same people send as many plain messages (帮助) at the same pace, so the two latencies
come from one run. Requests are signed and AES-encrypted as WeChat sends them in safe mode; each
opens a new connection, as a proxy in front of gunicorn does.

After the quiz the database is checked: one finished attempt per person, exactly 10 answers
each, positions 0-9 once each (no answer lost, none doubled). The report is printed and written
to bench/out/quiz-<timestamp>.md. Exit status: 0 when every reply was good and the check held,
1 otherwise, 2 when the run could not be set up. See bench/README.md.
"""
import argparse
import asyncio
import datetime
import json
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from wechatpy.crypto import PrpCrypto, WeChatCrypto  # noqa: E402

from bench.webhook import (  # noqa: E402
    AES_KEY,
    APP_ID,
    OUT_DIR,
    TOKEN,
    Server,
    free_port,
    load_average,
    prepare_database,
    prepare_redis,
    procfile_web_command,
    server_command,
)
from simulator.xmlmsg import new_msg_id, new_nonce, parse_xml, render_fields, sign  # noqa: E402

ACCOUNT_ID = "gh_contestbot0001"
CONTEST, CONTEST_NOW = "guangxi-2022", "2022-09-10T10:00:00"  # inside the quiz window
REDIS_URL = "redis://127.0.0.1:6379/8"
DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/contestbot_bench_quiz"
CITIES = ["南宁", "柳州", "桂林", "梧州", "北海", "钦州", "玉林", "百色"]


class Client:
    """Signed, encrypted requests to the bot, and its decrypted replies."""

    def __init__(self, port: int):
        self.port = port
        self.crypto = PrpCrypto(WeChatCrypto(TOKEN, AES_KEY, APP_ID).key)

    def request(self, openid: str, content: str) -> bytes:
        """One POST /wechat with a text message, as WeChat sends it (Connection: close)."""
        now = int(time.time())
        inner = "<xml>" + render_fields({
            "ToUserName": ACCOUNT_ID, "FromUserName": openid, "CreateTime": now,
            "MsgType": "text", "Content": content, "MsgId": new_msg_id()}) + "</xml>"
        encrypt = self.crypto.encrypt(inner, APP_ID).decode()
        body = ("<xml>" + render_fields({"ToUserName": ACCOUNT_ID, "Encrypt": encrypt})
                + "</xml>").encode("utf-8")
        timestamp, nonce = str(now), new_nonce()
        query = urlencode({
            "signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
            "openid": openid, "encrypt_type": "aes",
            "msg_signature": sign(TOKEN, timestamp, nonce, encrypt)})
        return (f"POST /wechat?{query} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                "Content-Type: text/xml\r\nConnection: close\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode("ascii") + body

    async def send(self, openid: str, content: str) -> tuple[float, str]:
        """(seconds from connect to the whole reply, the reply's text)."""
        data = self.request(openid, content)
        started = time.perf_counter()
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(data)
            await writer.drain()
            raw = await reader.read()
        finally:
            writer.close()
        elapsed = time.perf_counter() - started
        head, _, body = raw.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(head.split(b"\r\n", 1)[0].decode("latin-1"))
        encrypted = parse_xml(body.decode("utf-8"))["Encrypt"]
        return elapsed, parse_xml(self.crypto.decrypt(encrypted, APP_ID))["Content"]


SURNAMES, GIVEN = "王李张刘陈杨黄赵吴周", "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"


def person_name(index: int) -> str:
    """A name without digits (the profile refuses them): 王伟芳, 李娜敏, ..."""
    first, rest = divmod(index, len(GIVEN) ** 2)
    return (SURNAMES[first % len(SURNAMES)] + GIVEN[rest // len(GIVEN)]
            + GIVEN[rest % len(GIVEN)])


def answer_for(reply: str) -> str:
    """What the person answers to the question just asked (right or not does not matter):
    its last line says what kind of answer it takes."""
    hint = reply.strip().rsplit("\n", 1)[-1]
    if "请回复“对”或“错”" in hint:
        return "对"
    return "AB" if "全部正确选项" in hint else "A"


class Person:
    """One simulated person: their messages, their latencies, what went wrong."""

    def __init__(self, index: int, client: Client, think: tuple[float, float]):
        self.openid = f"oQuizBench{index:018d}"[:28]
        self.index, self.client, self.think = index, client, think
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.finished = False

    async def say(self, text: str) -> str:
        await asyncio.sleep(random.uniform(*self.think))
        try:
            elapsed, reply = await self.client.send(self.openid, text)
        except (OSError, RuntimeError, KeyError, asyncio.IncompleteReadError) as error:
            self.errors.append(f"{type(error).__name__}: {error}")
            return ""
        self.latencies.append(elapsed)
        return reply

    async def take_quiz(self) -> None:
        reply = ""
        for text in ("答题", person_name(self.index),
                     f"广西第{self.index % 97}监理有限公司", CITIES[self.index % len(CITIES)]):
            reply = await self.say(text)
        for number in range(1, 11):
            if f"第{number}/10题" not in reply:
                self.errors.append(f"question {number} not asked: {reply[:40]!r}")
                return
            reply = await self.say(answer_for(reply))
        self.finished = "答题完成" in reply
        if not self.finished:
            self.errors.append(f"no result after the 10th answer: {reply[:40]!r}")

    async def chat(self, messages: int) -> None:
        for _ in range(messages):
            if not await self.say("帮助"):
                return


async def run_phase(people: list[Person], phase: str, ramp: float) -> float:
    """Everyone starts within `ramp` seconds; the phase's wall time."""
    async def start(person: Person):
        await asyncio.sleep(random.uniform(0, ramp))
        await (person.take_quiz() if phase == "quiz" else person.chat(14))

    started = time.perf_counter()
    await asyncio.gather(*(start(person) for person in people))
    return time.perf_counter() - started


def figures(people: list[Person], wall: float) -> dict:
    """Messages, rate, latency percentiles (ms) and errors of one phase."""
    latencies = sorted(value for person in people for value in person.latencies)

    def pick(fraction: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(fraction * len(latencies)))]
                     * 1000, 1) if latencies else 0.0

    return {"messages": len(latencies), "msgs_per_s": round(len(latencies) / wall, 1),
            "p50_ms": pick(0.50), "p99_ms": pick(0.99),
            "max_ms": round(latencies[-1] * 1000, 1) if latencies else 0.0,
            "errors": sum(len(person.errors) for person in people),
            "first_errors": [e for person in people for e in person.errors][:5]}


def check_database(url: str, users: int) -> dict:
    """One finished attempt per person with answers at positions 0-9 exactly once."""
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
        attempts = connection.execute(
            "SELECT state, count(*) FROM quiz_attempts GROUP BY state").fetchall()
        per_attempt = connection.execute(
            "SELECT count(*), count(DISTINCT position), min(position), max(position) "
            "FROM quiz_answers GROUP BY attempt_id").fetchall()
    whole = sum(1 for row in per_attempt if row == (10, 10, 0, 9))
    return {"attempts": dict(attempts), "answers": sum(row[0] for row in per_attempt),
            "whole_attempts": whole,
            "ok": dict(attempts) == {"finished": users} and whole == users}


def report(args, plain: dict, quiz: dict, check: dict, started: datetime.datetime) -> str:
    """The Markdown report."""
    rows = [f"| {name} | {f['messages']} | {f['msgs_per_s']} | {f['p50_ms']} | {f['p99_ms']} | "
            f"{f['max_ms']} | {f['errors']} |" for name, f in (("帮助 (plain)", plain),
                                                                ("quiz", quiz))]
    return "\n".join([
        f"# bench/quiz.py, {started:%Y-%m-%d %H:%M}", "",
        f"{args.users} people, think time {args.think} s, all starting within {args.ramp} s; "
        f"load average before: {args.load_before}; after: {load_average()}.", "",
        "| phase | messages | msgs/s | p50 ms | p99 ms | max ms | errors |",
        "|---|---|---|---|---|---|---|", *rows, "",
        f"Database after the quiz: attempts by state {check['attempts']}, "
        f"{check['answers']} answers, {check['whole_attempts']} attempts with exactly one "
        f"answer at each of the 10 positions: **{'no answer lost or doubled' if check['ok'] else 'CHECK FAILED'}**.",
        "", f"p99 quiz / plain: {quiz['p99_ms'] / plain['p99_ms']:.2f}" if plain["p99_ms"]
        else "", *[f"- error: {e}" for e in plain["first_errors"] + quiz["first_errors"]]])


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--think", default="5-15", help="seconds between a reply and the next")
    parser.add_argument("--ramp", type=float, default=10.0)
    parser.add_argument("--quick", action="store_true", help="100 people, short think time")
    parser.add_argument("--quiz-only", action="store_true", help="skip the plain phase")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", REDIS_URL))
    parser.add_argument("--database-url",
                        default=os.environ.get("BENCH_QUIZ_DATABASE_URL", DATABASE_URL))
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.think, args.ramp = 100, "0.2-0.5", 1.0
    low, _, high = args.think.partition("-")
    args.think_range = (float(low), float(high or low))
    return args


def environment(args) -> dict:
    """The bot's settings: 广西 2022 in the quiz window, nothing leaving the machine."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("WECHAT_")}
    env.update(WECHAT_TOKEN=TOKEN, WECHAT_APP_ID=APP_ID, WECHAT_ENCODING_AES_KEY=AES_KEY,
               WECHAT_APP_SECRET="bench-secret", SECRET_KEY="bench-" + "k" * 40,
               WECHAT_API_BASE_URL="http://127.0.0.1:9", PYTHONUNBUFFERED="1",
               REDIS_URL=args.redis_url, DATABASE_URL=args.database_url, CONTEST=CONTEST,
               CONTEST_NOW=CONTEST_NOW, LOG_LEVEL="WARNING", MEDIA_ROOT=str(OUT_DIR / "media"))
    return env


def main(argv=None) -> int:
    args = parse_args(argv)
    started, args.load_before = datetime.datetime.now(), load_average()
    try:
        prepare_redis(args.redis_url)
        prepare_database(args.database_url)
    except Exception as error:  # a machine without the services: not a benchmark result
        print(f"bench/quiz.py: cannot set up: {error}", file=sys.stderr)
        return 2
    port = free_port()
    argv_web = server_command(procfile_web_command(), port)
    with Server("bot", argv_web, environment(args), OUT_DIR / "quiz-server.log"):
        client = Client(port)
        people = [Person(index, client, args.think_range) for index in range(args.users)]
        plain = (figures(people, 1.0) if args.quiz_only
                 else figures(people, asyncio.run(run_phase(people, "plain", args.ramp))))
        people = [Person(index, client, args.think_range) for index in range(args.users)]
        quiz = figures(people, asyncio.run(run_phase(people, "quiz", args.ramp)))
    check = check_database(args.database_url, args.users)
    text = report(args, plain, quiz, check, started)
    print(text)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = f"{started:%Y%m%d-%H%M%S}"
    (OUT_DIR / f"quiz-{stamp}.md").write_text(text + "\n", encoding="utf-8")
    (OUT_DIR / f"quiz-{stamp}.json").write_text(json.dumps(
        {"plain": plain, "quiz": quiz, "check": check}, ensure_ascii=False), encoding="utf-8")
    return 0 if check["ok"] and not plain["errors"] and not quiz["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
