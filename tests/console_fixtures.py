"""Fixtures for console tests: the real app (with the console) on the test Redis and PostgreSQL,
the fake WeChat platform wired to it, seeded entries, videos and votes, and logged-in clients.

Import the fixture where it is used: `from tests.console_fixtures import console  # noqa: F401`.
"""
import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.console.users import create_user
from bot.db import session_scope
from bot.entries import confirm_entry
from bot.models import Entry, MediaFile, ValidationResult, Vote
from tests.stack import Stack

PASSWORD = "correct-horse-9"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PROBE = {"container": "mov,mp4,m4a,3gp,3g2,mj2", "container_label": "mp4", "duration_s": 62.5,
         "width": 1280, "height": 720, "coded_width": 1280, "coded_height": 720, "rotation": 0,
         "sar": "1:1", "orientation": "landscape", "aspect_ratio": 1.7778, "has_audio": True,
         "size_bytes": 4000, "video_codec": "h264", "audio_codec": "aac", "frame_rate": 25.0}
VIDEO_BYTES = bytes(range(256)) * 16  # 4096 bytes: enough to test Range requests


class Client:
    """A test client that logs in and sends the CSRF token with every POST."""

    def __init__(self, app):
        self.http = app.test_client()

    def token(self, path: str = "/console/login") -> str:
        """The CSRF token from a console page."""
        return CSRF.search(self.http.get(path).get_data(as_text=True)).group(1)

    def login(self, username: str, password: str = PASSWORD):
        """Log in through the form; returns the response."""
        return self.http.post("/console/login", data={
            "username": username, "password": password, "csrf_token": self.token()})

    def get(self, path: str, **kwargs):
        return self.http.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.token("/console/login")
        return self.http.post(path, data=data, **kwargs)


class ConsoleStack(Stack):
    """The shared stack, with console accounts, logged-in clients and seeding helpers."""

    def user(self, username: str, role: str) -> str:
        create_user(self.services, username, PASSWORD, role)
        return username

    def client(self, username: str | None = None) -> Client:
        client = Client(self.app)
        if username:
            assert client.login(username).status_code == 302
        return client

    def add_entry(self, openid: str, answers: dict, *, kind: str = "individual",
                  category: str | None = "micro_video", state: str = "valid",
                  verdict: str | None = "pass", findings=(), at=None) -> Entry:
        """A confirmed entry with (unless verdict is None) a stored, checked video."""
        at = at or datetime(2020, 6, 20, 2, tzinfo=UTC)
        with session_scope(self.services.db) as db:
            entry = confirm_entry(db, contest=self.services.contest, openid=openid, kind=kind,
                                  category=category, answers=answers,
                                  title=answers.get("title") or answers.get("title_animation"),
                                  at=at)
            if verdict is not None:
                self._video(db, entry, verdict, list(findings), at)
            entry.state = state
        return entry

    def _video(self, db, entry, verdict, findings, at) -> None:
        relative = f"{entry.contest_id}/{entry.id}/test.video"
        path = self.media_root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(VIDEO_BYTES)
        media = MediaFile(entry_id=entry.id, source="chat", path=relative,
                          size_bytes=len(VIDEO_BYTES), content_type="video/mp4",
                          sha256=hashlib.sha256(VIDEO_BYTES).hexdigest(), created_at=at)
        db.add(media)
        db.flush()
        db.add(ValidationResult(media_file_id=media.id, verdict=verdict, findings=findings,
                                probe=PROBE, created_at=at))
        entry.current_media_file_id = media.id

    def add_votes(self, entry_id: int, count: int, *, start=None, spacing_s: float = 600,
                  ip: str | None = None, followed_before_s: float = 86400) -> list[int]:
        """`count` votes for the entry by distinct voters, `spacing_s` apart."""
        start = start or datetime(2020, 8, 2, 2, tzinfo=UTC)
        ids = []
        with session_scope(self.services.db) as db:
            for index in range(count):
                cast = start + timedelta(seconds=index * spacing_s)
                vote = Vote(contest_id=self.services.contest.id, voter_openid=f"oV{entry_id}x{index}",
                            entry_id=entry_id, period="contest", channel="page" if ip else "chat",
                            cast_at=cast, client_ip=ip,
                            voter_followed_at=cast - timedelta(seconds=followed_before_s))
                db.add(vote)
                db.flush()
                ids.append(vote.id)
        return ids


@pytest.fixture
def console(make_stack):
    """Start the app with the console: `console(contest=..., now=...)` -> ConsoleStack."""
    def start(contest: str = "jiangmen-2020", now: str = "2020-07-20T10:00:00",
              **overrides) -> ConsoleStack:
        return make_stack(contest, now, stack_class=ConsoleStack, **overrides)
    return start
