"""Fuzz pass over `POST /wechat` (and its query string): hostile bodies and queries, counted.

    .venv/bin/python bench/fuzz.py [--count 20000] [--seed 9] [--write bench/fuzz.md]

The real app (bot.app.create_app, safe mode, 江门 2020 in its collection phase) is called
in-process through Flask's test client, on its own Redis database and PostgreSQL database
(`--redis-url`, `--database-url`; flushed / migrated and emptied). Each input comes from one
generator family (random and mutated XML, huge fields, wrong encodings, wrong signatures, hostile
XML, mutated queries) and states which answers are acceptable. It prints, and writes to
`--write`, the counts of inputs tried per family and the status codes seen. Exit status 1 when
any answer was a 5xx or outside its family's acceptable set. tests/chat/test_fuzz_webhook.py runs the
same generators with a small count.
"""
import argparse
import base64
import datetime
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from wechatpy.crypto import PrpCrypto, WeChatCrypto  # noqa: E402

from simulator.xmlmsg import new_nonce, render_fields, sign  # noqa: E402

TOKEN = "fuzz-token"
APP_ID = "wx1234567890test"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # the tests' fixed key; never a real one
ACCOUNT = "gh_contestbot0001"
OK = {200}
REFUSED = {400, 403, 413}
ANSWERED_OR_REFUSED = OK | REFUSED
TEXTS = ["报名", "取消", "投票 101", "我的作品", "帮助", "确认", "是", "江门", ""]


class Fuzzer:
    """Builds one input at a time: (family, query string, body bytes, acceptable statuses)."""

    def __init__(self, seed: int, token=TOKEN, aes_key=AES_KEY, app_id=APP_ID):
        self.rng = random.Random(seed)
        self.token, self.app_id = token, app_id
        self.crypto = PrpCrypto(WeChatCrypto(token, aes_key, app_id).key)
        self.families = [(name[len("case_"):], getattr(self, name)) for name in sorted(dir(self))
                         if name.startswith("case_")]

    # -- building blocks ------------------------------------------------------------------
    def inner(self, **override) -> str:
        r = self.rng
        fields = {"ToUserName": ACCOUNT, "FromUserName": f"oFuzz{r.randrange(200):04d}",
                  "CreateTime": int(time.time()), "MsgType": "text",
                  "Content": r.choice(TEXTS), "MsgId": r.randrange(1, 2**63)}
        fields.update(override)
        return "<xml>" + render_fields({k: v for k, v in fields.items() if v is not None}) \
            + "</xml>"

    def envelope(self, inner: str | bytes) -> tuple[str, bytes]:
        text = inner.decode("utf-8", "replace") if isinstance(inner, bytes) else inner
        encrypt = self.crypto.encrypt(text, self.app_id).decode()
        return encrypt, ("<xml>" + render_fields({"ToUserName": ACCOUNT, "Encrypt": encrypt})
                         + "</xml>").encode("utf-8")

    def query(self, encrypt: str | None, **override) -> str:
        timestamp, nonce = str(int(time.time())), new_nonce()
        params = {"signature": sign(self.token, timestamp, nonce), "timestamp": timestamp,
                  "nonce": nonce, "openid": "oFuzz"}
        if encrypt is not None:
            params.update(encrypt_type="aes",
                          msg_signature=sign(self.token, timestamp, nonce, encrypt))
        params.update(override)
        return urlencode({k: v for k, v in params.items() if v is not None})

    def signed_plain(self, body: bytes) -> tuple[str, bytes]:
        return self.query(None), body

    def signed_safe(self, inner) -> tuple[str, bytes]:
        encrypt, body = self.envelope(inner)
        return self.query(encrypt), body

    def mutate(self, data: bytes) -> bytes:
        r = self.rng
        data = bytearray(data)
        for _ in range(r.randint(1, 8)):
            op = r.randrange(4)
            at = r.randrange(len(data) + 1)
            if op == 0 and data:
                data[min(at, len(data) - 1)] = r.randrange(256)
            elif op == 1:
                data[at:at] = bytes(r.randrange(256) for _ in range(r.randint(1, 16)))
            elif op == 2:
                del data[at:at + r.randint(1, 32)]
            else:
                data[at:at] = r.choice([b"<", b">", b"&", b"]]>", b"<![CDATA[", b"</xml>",
                                        b"<xml>", b"\x00", b"&amp;", b"&#0;", b"\xff\xfe"])
        return bytes(data)

    # -- families ------------------------------------------------------------------------
    def case_valid_message(self):
        """Control: a well-formed signed message of a random kind gets an answer."""
        r = self.rng
        kind = r.choice(["text", "image", "voice", "location", "link", "event"])
        extra = {"text": {}, "image": {"Content": None, "MsgType": "image", "MediaId": "m1",
                                        "PicUrl": "http://127.0.0.1:9/x.jpg"},
                 "voice": {"Content": None, "MsgType": "voice", "MediaId": "m1",
                           "Format": "amr"},
                 "location": {"Content": None, "MsgType": "location", "Location_X": 22.5,
                              "Location_Y": 113.1, "Scale": 15, "Label": "江门"},
                 "link": {"Content": None, "MsgType": "link", "Title": "t", "Url": "u",
                          "Description": "d"},
                 "event": {"Content": None, "MsgType": "event", "MsgId": None,
                           "Event": r.choice(["subscribe", "CLICK", "VIEW", "SCAN", "odd"]),
                           "EventKey": r.choice(["", "ENTER", "x" * 50])}}[kind]
        return self.signed_safe(self.inner(**extra)) + (OK,)

    def case_random_text(self):
        """Signed messages whose Content is random Unicode (XML-legal), short or long."""
        r = self.rng
        size = r.choice([1, 10, 200, 2000])
        alphabet = [chr(c) for c in range(0x20, 0x7F)] + [chr(c) for c in range(0x4E00, 0x4F00)]
        content = "".join(r.choice(alphabet) for _ in range(size))
        return self.signed_safe(self.inner(Content=content)) + (OK,)

    def case_mutated_inner_xml(self):
        """The encrypted message itself is mutated bytes: refused or answered, never a 5xx."""
        inner = self.mutate(self.inner().encode("utf-8"))
        return self.signed_safe(inner) + (ANSWERED_OR_REFUSED,)

    def case_mutated_envelope(self):
        """The outer body is mutated after signing: 400/403, or 200 if the mutation missed."""
        query, body = self.signed_safe(self.inner())
        return query, self.mutate(body), ANSWERED_OR_REFUSED

    def case_random_xml(self):
        """Random well-formed XML trees with random tags, signed in plaintext mode."""
        r = self.rng

        def tag():
            return r.choice(["xml", "MsgType", "FromUserName", "Content", "a", "Encrypt",
                             "MsgId", "Event", "ToUserName", "CreateTime"])

        def tree(depth):
            children = "".join(tree(depth + 1) for _ in range(r.randint(0, 3))) \
                if depth < 3 else ""
            name = tag()
            text = r.choice(["", "text", "报名", "1", "event", "<![CDATA[x]]>"])
            return f"<{name}>{text}{children}</{name}>"

        body = f"<xml>{''.join(tree(1) for _ in range(r.randint(0, 6)))}</xml>"
        if r.random() < 0.2:
            body = tree(0)
        return self.signed_plain(body.encode("utf-8")) + (ANSWERED_OR_REFUSED,)

    def case_random_bytes(self):
        """Random bytes, signed (plaintext) or claiming encryption."""
        r = self.rng
        body = bytes(r.randrange(256) for _ in range(r.choice([0, 1, 16, 512, 4096])))
        if r.random() < 0.5:
            return self.signed_plain(body) + (REFUSED,)
        return self.query("x"), body, REFUSED

    def case_huge_fields(self):
        """A field of 60 KB to 2 MB: over WECHAT_MAX_BODY_BYTES is 413, under is answered."""
        r = self.rng
        size = r.choice([10_000, 60_000, 70_000, 2_000_000])
        field = r.choice(["Content", "FromUserName", "MsgId", "Extra"])
        inner = self.inner(**{field: "大" * (size // 3)})
        if r.random() < 0.5:
            return self.signed_plain(inner.encode("utf-8")) + (ANSWERED_OR_REFUSED,)
        return self.signed_safe(inner) + (ANSWERED_OR_REFUSED,)

    def case_wrong_encoding(self):
        """The same message in GBK, UTF-16, Latin-1 or with a lying XML declaration."""
        r = self.rng
        inner = self.inner(Content=r.choice(["报名", "投票 101", "江门市建设路1号"]))
        encoding = r.choice(["gbk", "utf-16", "utf-16-le", "latin-1", "decl-gbk", "bom"])
        if encoding == "decl-gbk":
            body = ('<?xml version="1.0" encoding="GBK"?>' + inner).encode("utf-8")
        elif encoding == "bom":
            body = b"\xef\xbb\xbf" + inner.encode("utf-8")
        else:
            body = inner.encode(encoding, "replace")
        return self.signed_plain(body) + (ANSWERED_OR_REFUSED,)

    def case_hostile_xml(self):
        """Entities, DTDs, external references, deep nesting: refused with a 400.

        Sent encrypted, where safe mode reads them (a plaintext body is refused with 403).
        """
        r = self.rng
        choice = r.randrange(4)
        if choice == 0:
            body = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
                    '<xml><Content>&c;</Content></xml>')
        elif choice == 1:
            body = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                    '<xml><MsgType>text</MsgType><FromUserName>o</FromUserName>'
                    '<Content>&e;</Content></xml>')
        elif choice == 2:
            body = "<xml>" + "<a>" * 5000 + "</a>" * 5000 + "</xml>"
        else:
            body = '<xml xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd"/></xml>'
        return self.signed_safe(body) + ({400, 413},)

    def case_wrong_signature(self):
        """A good body with a forged, missing, stale or mangled signature: 403."""
        r = self.rng
        encrypt, body = self.envelope(self.inner())
        how = r.choice(["forged", "missing", "stale", "future", "msg_signature", "junk_ts",
                        "unicode"])
        override = {"forged": {"signature": "0" * 40}, "missing": {"signature": None},
                    "stale": {"timestamp": str(int(time.time()) - 3600)},
                    "future": {"timestamp": str(int(time.time()) + 3600)},
                    "msg_signature": {"msg_signature": "f" * 40},
                    "junk_ts": {"timestamp": "１２３"}, "unicode": {"signature": "签名" * 20}}[how]
        query = self.query(encrypt, **override)
        return query, body, {403}

    def case_mutated_query(self):
        """Query strings mutated: repeated, truncated, garbage, percent-junk, huge."""
        r = self.rng
        encrypt, body = self.envelope(self.inner())
        query = self.query(encrypt)
        how = r.randrange(5)
        if how == 0:
            query = query + "&" + query
        elif how == 1:
            query = query[:r.randrange(len(query))]
        elif how == 2:
            query = base64.b64encode(bytes(r.randrange(256) for _ in range(64))).decode()
        elif how == 3:
            query = query.replace("=", "=%", 1) + "&%ZZ=%"
        else:
            query = query + "&pad=" + "x" * r.choice([1000, 20000])
        return query, body, ANSWERED_OR_REFUSED

    def next_case(self):
        family, make = self.rng.choice(self.families)
        query, body, acceptable = make()
        return family, query, body, acceptable


def run(client, count: int, seed: int) -> dict:
    """Post `count` inputs with the Flask test client; counts per family and status."""
    fuzzer = Fuzzer(seed)
    statuses = defaultdict(Counter)
    unexpected = []
    for _ in range(count):
        family, query, body, acceptable = fuzzer.next_case()
        response = client.post("/wechat?" + query, data=body,
                               headers={"Content-Type": "text/xml"})
        status = response.status_code
        statuses[family][status] += 1
        if status >= 500 or status not in acceptable:
            if len(unexpected) < 20:
                unexpected.append((family, status, query[:120], body[:200]))
    return {"statuses": statuses, "unexpected": unexpected, "count": count}


def markdown(result: dict, seed: int, seconds: float) -> str:
    statuses = result["statuses"]
    codes = sorted({code for counter in statuses.values() for code in counter})
    lines = [f"# Fuzz pass over POST /wechat ({datetime.date.today().isoformat()})", "",
             f"`.venv/bin/python bench/fuzz.py --count {result['count']} --seed {seed}`: "
             f"{result['count']} inputs in {seconds:.0f} s, in-process (Flask test client), "
             "the real app in safe mode on PostgreSQL and Redis.", "",
             "| family | inputs | " + " | ".join(str(c) for c in codes) + " |",
             "|---|---:|" + "---:|" * len(codes)]
    for family in sorted(statuses):
        counter = statuses[family]
        lines.append(f"| {family} | {sum(counter.values())} | "
                     + " | ".join(str(counter.get(c, 0)) for c in codes) + " |")
    total = Counter()
    for counter in statuses.values():
        total.update(counter)
    lines.append(f"| **all** | {sum(total.values())} | "
                 + " | ".join(str(total.get(c, 0)) for c in codes) + " |")
    lines += ["", f"5xx answers: {sum(v for k, v in total.items() if k >= 500)}; answers "
              f"outside their family's acceptable set: {len(result['unexpected'])}"
              + (" (first ones below)" if result["unexpected"] else "") + "."]
    for family, status, query, body in result["unexpected"]:
        lines.append(f"- {family}: {status} for `{query}` / `{body!r}`")
    return "\n".join(lines) + "\n"


def build_app(redis_url: str, database_url: str):
    from bot.app import create_app
    from bot.services import build_services
    from config.settings import load_settings
    from handlers.routes import build_routes

    settings = load_settings({
        "WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": "fuzz-secret",
        "SECRET_KEY": "fuzz-" + "k" * 40,
        "WECHAT_ENCODING_AES_KEY": AES_KEY, "REDIS_URL": redis_url,
        "DATABASE_URL": database_url, "CONTEST": "jiangmen-2020",
        "CONTEST_NOW": "2020-06-20T10:00:00", "LOG_LEVEL": "CRITICAL",
        "WECHAT_API_BASE_URL": "http://127.0.0.1:9", "WECHAT_OPEN_BASE_URL": "http://127.0.0.1:9"})
    return create_app(services=build_services(settings, routes=build_routes()))


def main(argv=None) -> int:
    from bench.webhook import prepare_database, prepare_redis

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--database-url",
                        default="postgresql://postgres@127.0.0.1:5432/contestbot_fuzz")
    parser.add_argument("--write", default="")
    args = parser.parse_args(argv)
    prepare_redis(args.redis_url)
    prepare_database(args.database_url)
    app = build_app(args.redis_url, args.database_url)
    started = time.monotonic()
    result = run(app.test_client(), args.count, args.seed)
    report = markdown(result, args.seed, time.monotonic() - started)
    print(report)
    if args.write:
        Path(args.write).write_text(report, encoding="utf-8")
    return 1 if result["unexpected"] else 0


if __name__ == "__main__":
    sys.exit(main())
