"""What the voting tests share: a bot with the voting commands and pages, entries, followers."""
from datetime import UTC, datetime
from pathlib import Path

import yaml

from bot.db import session_scope
from bot.entrants import record_follow, record_unfollow
from bot.h5.pages import register_h5
from bot.models import Entrant, Entry, MediaFile, ValidationResult, Vote, VoteInvalidation
from config.settings import PROJECT_ROOT
from handlers.routes import build_routes
from handlers.voting import VOTING_COMMANDS

VOTING_DAY = "2020-08-03T10:00:00"  # 江门 2020: inside the public vote (8-01..8-10)
FOLLOWED_AT = datetime(2020, 7, 20, 2, 0, tzinfo=UTC)
ENTRIES = [("101", "匠心侨都", "approved"), ("102", "我身边的质检员", "finalist"),
           ("103", "被淘汰的作品", "rejected"), ("104", "还在检查的作品", "validating")]


def start_voting_bot(start_bot, **overrides):
    """A test bot with the voting chat commands and the /h5/ pages (until the app has them)."""
    overrides.setdefault("CONTEST_NOW", VOTING_DAY)
    bot = start_bot(routes=build_routes(commands=VOTING_COMMANDS), **overrides)
    if "h5" not in bot.app.blueprints:
        register_h5(bot.app)
    return bot


def add_entries(services, entries=ENTRIES, owner="oEntrantOwner") -> dict:
    """Confirmed entries with the given (code, title, state); returns {code: entry id}."""
    at = datetime(2020, 6, 20, 2, tzinfo=UTC)
    with session_scope(services.db) as session:
        entrant = session.query(Entrant).filter_by(openid=owner).first()
        if entrant is None:
            entrant = Entrant(openid=owner, subscribed=True, subscribed_at=at, first_seen_at=at)
            session.add(entrant)
            session.flush()
        ids = {}
        for code, title, state in entries:
            entry = Entry(contest_id=services.contest.id, code=code, entrant_id=entrant.id,
                          entrant_kind="individual", category="micro_video", title=title,
                          form={}, state=state, created_at=at, confirmed_at=at)
            session.add(entry)
            session.flush()
            ids[code] = entry.id
    return ids


def add_followers(services, openids, at=FOLLOWED_AT) -> None:
    """Record these openids as following the account (as the subscribe event would)."""
    with session_scope(services.db) as session:
        for openid in openids:
            record_follow(session, openid, at)


def unfollow(services, openid, at) -> None:
    """Record an unfollow."""
    with session_scope(services.db) as session:
        record_unfollow(session, openid, at)


def add_video(services, entry_id: int, media_root: Path, data: bytes, verdict="pass",
              name="video.mp4", content_type="video/mp4") -> int:
    """A stored media file with its validation verdict; returns the media file id."""
    import hashlib

    folder = media_root / "entries" / str(entry_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    with session_scope(services.db) as session:
        media = MediaFile(entry_id=entry_id, source="chat", path=f"entries/{entry_id}/{name}",
                          size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
                          content_type=content_type)
        session.add(media)
        session.flush()
        session.add(ValidationResult(media_file_id=media.id, verdict=verdict, findings=[]))
        return media.id


def votes_in_db(services) -> list:
    """Every vote row, oldest first."""
    with session_scope(services.db) as session:
        return session.query(Vote).order_by(Vote.id).all()


def invalidations_in_db(services) -> list:
    """Every invalidation row."""
    with session_scope(services.db) as session:
        return session.query(VoteInvalidation).order_by(VoteInvalidation.id).all()


def contest_yaml(tmp_path, base="jiangmen-2020", **voting) -> str:
    """A copy of a seed contest with its voting section changed, written to tmp_path."""
    data = yaml.safe_load((PROJECT_ROOT / "config" / "contests" / f"{base}.yaml").read_text(
        encoding="utf-8"))
    data["voting"].update(voting)
    path = Path(tmp_path) / f"{data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def oauth_bot(start_bot, fake_platform, **overrides):
    """A voting bot whose OAuth goes to the fake platform (same app id and secret)."""
    from tests.bot_fixtures import APP_ID

    fake_platform.configure(APP_ID=APP_ID, APP_SECRET="test-secret")
    bot = start_voting_bot(start_bot, WECHAT_API_BASE_URL=fake_platform.url,
                           WECHAT_OPEN_BASE_URL=fake_platform.url, **overrides)
    bot.services.settings["PUBLIC_BASE_URL"] = bot.url  # known once it is served
    return bot


def login(bot, openid: str, next_url: str = "/h5/gallery"):
    """A browser session identified as `openid` through the real OAuth round trip."""
    import requests

    browser = requests.Session()
    to_wechat = browser.get(f"{bot.url}/h5/login", params={"next": next_url},
                            allow_redirects=False, timeout=10)
    assert to_wechat.status_code == 303, to_wechat.text
    back = browser.get(to_wechat.headers["Location"], params={"sim_openid": openid},
                       allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    landed = browser.get(back.headers["Location"], allow_redirects=False, timeout=10)
    assert landed.status_code == 303, landed.text
    assert landed.headers["Location"].endswith(next_url)
    return browser


def csrf_of(browser, bot, code: str) -> str:
    """Open the entry page and read its CSRF token."""
    import re

    page = browser.get(f"{bot.url}/h5/entries/{code}", timeout=10)
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
