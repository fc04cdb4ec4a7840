"""The webhook benchmark runs end to end (`bench/webhook.py --quick`): no timing is asserted.

Its round trips per message are counted on the wire, not timed: a returning follower's message
within two minutes of the last makes two Redis round trips and none to PostgreSQL (issue 17).

It serves the echo app and the bot with gunicorn on loopback (the bot on its own Redis db 9 and
PostgreSQL database `contestbot_bench`, BENCH_REDIS_URL / BENCH_DATABASE_URL change them), loads
each for a few seconds and checks every reply. Figures on a shared 2-core machine are noise; only
that the harness completes with every reply good is a test.
"""
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| (echo|bot) \| (closed|open) loop[^|]*\|([^|]*)\|([^|]*)\|([^|]*)\|([^|]*)\|"
                 r"\s*(\d+) \|$", re.MULTILINE)


@pytest.mark.timeout(120)
def test_quick_benchmark_completes_with_every_reply_good(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bench" / "webhook.py"), "--quick",
         "--out-dir", str(tmp_path)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=110)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    rows = {(app, mode): int(errors) for app, mode, *_, errors in ROW.findall(proc.stdout)}
    assert set(rows) == {("echo", "closed"), ("echo", "open"), ("bot", "closed"),
                         ("bot", "open")}, proc.stdout
    assert all(errors == 0 for errors in rows.values()), proc.stdout
    assert "throughput bot/echo" in proc.stdout
    again = re.search(r"^\| a returning follower: 帮助 again within 2 minutes \| 3 \| (\d+) / "
                      r"[^|]*\| (\d+) / ", proc.stdout, re.MULTILINE)
    assert again and again.groups() == ("2", "0"), proc.stdout  # medians: Redis, PostgreSQL
    reports = list(tmp_path.glob("webhook-*.md"))
    assert len(reports) == 1 and "| bot |" in reports[0].read_text(encoding="utf-8")


@pytest.mark.timeout(150)
def test_the_quiz_benchmark_completes_and_finds_no_answer_lost_or_doubled():
    proc = subprocess.run([sys.executable, str(PROJECT_ROOT / "bench" / "quiz.py"), "--quick"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=140)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no answer lost or doubled" in proc.stdout and "| quiz | 1400 |" in proc.stdout
