"""Hostile text stays text wherever it goes: reply XML, .xlsx exports, HTML pages.

Titles and names are typed by entrants; each test writes the attack of issue 13 first.
"""
import io
import re
import zipfile
from xml.etree import ElementTree

import pytest

from bot.wechat.xmlsafe import cdata, text_reply
from tests.registration_scripts import JIANGMEN_INDIVIDUAL, converse
from tests.voting_helpers import add_entries, add_followers, start_voting_bot

BAD_TITLE = "坏]]>标题\x01<b>&amp;"
SHOWN_TITLE = "坏]]>标题<b>&amp;"  # the control character cannot travel in XML: dropped
FORMULAS = ['=HYPERLINK("http://evil.example/x","点我")', "=cmd|' /C calc'!A0", "+1+1", "-2+3",
            "@SUM(A1)", "\t=1+1", "\r=1+1", "=坏\x01\x1f字"]
SCRIPT_TITLE = "<script>alert(1)</script>\"'"


def _content(reply) -> str:
    """Parse the raw reply as WeChat would (strict XML), and return its Content."""
    root = ElementTree.fromstring(reply.text)
    return root.findtext("Content")


def test_cdata_survives_any_text():
    for text in ("]]>", "a]]>b]]>c", "]]]]>>", "\x00\x08\x0b\x0c\x1f\ufffe", "正常"):
        root = ElementTree.fromstring(text_reply(text, "o]]>u", "gh"))
        assert root.findtext("Content") == re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe]", "", text)
        assert root.findtext("ToUserName") == "o]]>u"
    assert cdata("]]>") == "<![CDATA[]]]]><![CDATA[>]]>"


def test_a_title_with_cdata_end_keeps_every_reply_well_formed(start_bot):
    bot = start_voting_bot(start_bot, WECHAT_ENCODING_AES_KEY="", ADMIN_OPENIDS="oVoter")
    add_entries(bot.services, [("101", BAD_TITLE, "approved")], owner="oVoter")
    add_followers(bot.services, ["oVoter"])
    user = bot.user("oVoter", mode="plain")
    voted = _content(user.send_text("投票 101"))
    assert SHOWN_TITLE in voted
    assert _content(user.send_text("排行"))
    assert SHOWN_TITLE in _content(user.send_text("我的作品"))
    preview = _content(user.send_text("广播 投票者 请看]]>这里"))
    assert "请看]]>这里" in preview
    assert _content(user.send_text("统计"))


def test_a_title_typed_in_the_form_keeps_the_summary_well_formed(start_bot):
    bot = start_bot(WECHAT_ENCODING_AES_KEY="")
    user = bot.user("oTyper", mode="plain")
    script = [(SHOWN_TITLE if line == "我身边的质检员" else line, expected)
              for line, expected in JIANGMEN_INDIVIDUAL]
    converse(user, script[:-1])
    summary = _content(user.send_text("同意"))
    assert "请核对报名信息" in summary and "坏]]>标题" in summary


def _cells_xml(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    book = zipfile.ZipFile(io.BytesIO(response.data))
    return "".join(book.read(name).decode("utf-8") for name in book.namelist()
                   if name.startswith("xl/worksheets/"))


def test_every_export_writes_formula_like_text_as_text(console):
    stack = console(now="2020-08-21T10:00:00")
    stack.user("org", "organizer")
    entries = [stack.add_entry(f"oF{i}", {"name": formula, "title": formula, "synopsis": formula},
                               state="approved") for i, formula in enumerate(FORMULAS)]
    stack.add_votes(entries[0].id, 2)
    client = stack.client("org")
    routes = ["/console/exports/registrations.xlsx", "/console/exports/summary.xlsx",
              "/console/exports/votes.xlsx", "/console/exports/scores.xlsx",
              "/console/exports/ranking.xlsx"] + [
        f"/console/exports/registration/{entry.id}.xlsx" for entry in entries]
    for route in routes:
        xml = _cells_xml(client.get(route))
        assert "<f>" not in xml and "<f " not in xml, route
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(client.get("/console/exports/summary.xlsx").data))
    values = {cell.value for sheet in book.worksheets for row in sheet.iter_rows()
              for cell in row}
    for formula in FORMULAS:  # the entrant's characters, as typed (XML reads CR back as LF;
        # control characters cannot be stored in .xlsx at all: dropped rather than a 500)
        assert re.sub("[\x01-\x08\x0b\x0c\x0e-\x1f]", "", formula.replace("\r", "\n")) in values
    cell = next(cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
                if cell.value == FORMULAS[0])
    assert cell.data_type == "s" and cell.quotePrefix


@pytest.fixture
def hostile_console(console):
    stack = console(now="2020-08-03T10:00:00")
    stack.user("org", "organizer")
    entry = stack.add_entry("oScript", {"name": SCRIPT_TITLE, "title": SCRIPT_TITLE,
                                        "synopsis": SCRIPT_TITLE}, state="approved")
    return stack, entry


def test_pages_show_a_scripted_title_escaped(hostile_console):
    stack, entry = hostile_console
    client = stack.client("org")
    stack.add_votes(entry.id, 1)
    shown = ["/console/entries", f"/console/entries/{entry.id}", "/console/votes"]
    for path in shown + ["/console/results", "/console/jury", "/console/dashboard"]:
        _assert_escaped(client.get(path), path, must_show=path in shown)
    http = stack.app.test_client()
    for path in ["/h5/gallery", f"/h5/entries/{entry.code}"]:
        _assert_escaped(http.get(path), path, must_show=True)


def _assert_escaped(response, path, must_show):
    html = response.get_data(as_text=True)
    assert response.status_code == 200, (path, html[:300])
    assert "<script>alert(1)" not in html, path
    if must_show:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
