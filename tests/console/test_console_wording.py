"""Every console page speaks Chinese: no raw keys (entry.video_received, in flight) in what a
person reads, and delivery rows carry no leftover error once sent."""
import re
from html.parser import HTMLParser

from sqlalchemy import select

from bot.models import Delivery

RAW_KEY = re.compile(r"\b[a-z]+\.[a-z_]+\b")
ALLOWED = re.compile(r"\S+@\S+|\b\S+\.(?:xlsx|mp4|jpg|yaml)\b|https?://\S+")


class VisibleText(HTMLParser):
    """The text a person sees: no tags, scripts, styles or attribute values."""

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def _raw_keys(html: str) -> set:
    parser = VisibleText()
    parser.feed(html)
    text = ALLOWED.sub(" ", " ".join(parser.parts))
    return set(RAW_KEY.findall(text))


def test_no_console_page_shows_a_raw_key(console):  # noqa: F811
    stack = console(now="2020-08-05T10:00:00")
    stack.user("org", "organizer")
    stack.user("jud", "judge")
    fan = stack.follower("oFan")
    stack.say(fan, "帮助")
    entry = stack.add_entry(fan, {"name": "甲", "title": "作品甲"}, state="approved")
    stack.add_votes(entry.id, 3)
    client = stack.client("org")
    created = client.post("/console/broadcasts", data={"audience": "followers", "text": "通知"})
    client.post(created.location + "/confirm")
    stack.run_worker()
    client.post("/console/results/compute")
    from bot import audit
    from bot.db import session_scope
    with session_scope(stack.services.db) as db:
        for action in ("entry.video_received", "entry.video_stored", "entry.video_checked"):
            audit.record(db, "system", action, "entry", entry.id, stack.services.now())
    pages = ["/console/dashboard", "/console/entries", f"/console/entries/{entry.id}",
             "/console/jury", f"/console/jury/{entry.id}", "/console/scores", "/console/votes",
             f"/console/votes/entries/{entry.id}", "/console/exports", "/console/broadcasts",
             created.location, "/console/results"]
    found = {}
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        keys = _raw_keys(response.get_data(as_text=True))
        if keys:
            found[page] = keys
    assert found == {}


def test_a_sent_delivery_keeps_no_in_flight_note(console):  # noqa: F811
    from bot.delivery.send import send_text
    from bot.wechat.client import make_api

    stack = console()
    fan = stack.follower("oSent")
    stack.say(fan, "帮助")  # opens the customer-service window
    services = stack.services
    assert send_text(services, make_api(services), fan, "您的作品已通过初审。", purpose="test",
                     key="test:sent") == "sent"
    with stack.services.db() as db:
        delivery = db.scalars(select(Delivery).where(Delivery.idempotency_key == "test:sent")).one()
    assert delivery.status == "sent" and delivery.errmsg is None


def test_times_are_contest_times_with_the_zone_and_real_ones_say_so(console):  # noqa: F811
    stack = console(now="2020-08-21T10:00:00")  # a rehearsal: the contest clock is in 2020
    stack.user("org", "organizer")
    entry = stack.add_entry("oTimes", {"name": "甲", "title": "作品甲"}, state="approved")
    client = stack.client("org")
    page = client.get(f"/console/entries/{entry.id}").get_data(as_text=True)
    assert "时间均为赛事时间：北京时间（UTC+08:00）" in page
    assert "（实际时间）" in page  # the video file was received at a real time
    computed = client.post("/console/results/compute")
    results = client.get(computed.location).get_data(as_text=True)
    assert re.search(r"结果表 #\d+（org，2020-08-21 10:0\d）", results)  # contest time
