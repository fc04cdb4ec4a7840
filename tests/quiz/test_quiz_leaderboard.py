"""The public leaderboard /h5/quiz, the page the chat's 排名 links to: no login, names masked,
offline scores marked 线下 (a new offline sheet replaces the old), units and cities, the window;
a contest without a quiz has no such page."""
import re

import requests

from tests.quiz.quiz_web_helpers import GUANGXI, finish, offline_sheet, upload

UNIT_A = "广西甲监理有限公司"


def _page(stack) -> str:
    response = requests.get(stack.url + "/h5/quiz", timeout=10)
    assert response.status_code == 200, response.text[:300]
    return response.text


def _people_rows(page: str) -> list[str]:
    people = page[page.index('id="people"'):page.index('id="units"')]
    return [re.sub(r"<[^>]+>", " ", row) for row in people.split("<tr>")[2:]]


def test_the_board_masks_names_and_marks_offline_scores(console):  # noqa: F811
    stack = console(**GUANGXI)
    stack.user("org", "organizer")
    finish(stack, "oOne", 9, ("张三丰", UNIT_A, "南宁"))
    finish(stack, "oTwo", 6, ("欧阳明月", UNIT_A, "柳州"))
    client = stack.client("org")
    upload(client, "/console/quiz/offline", offline_sheet(("李四光", UNIT_A, "南宁", 95)),
           "线下.xlsx")
    page = _page(stack)
    assert "答题时间：2022年9月8日至2022年9月30日（进行中）" in page
    rows = _people_rows(page)
    assert "李*光" in rows[0] and "线下" in rows[0] and "95.0" in rows[0]
    assert "张*丰" in rows[1] and "90.0" in rows[1] and "线下" not in rows[1]
    assert "欧**月" in rows[2] and "南宁市" in rows[1]
    for full in ("张三丰", "欧阳明月", "李四光"):
        assert full not in page
    units = page[page.index('id="units"'):page.index('id="cities"')]
    assert UNIT_A in units and "平均分" in units and "81.7" in units  # (95 + 90 + 60) / 3
    cities = page[page.index('id="cities"'):]
    assert "南宁市" in cities and "92.5" in cities and "柳州市" in cities
    assert re.search(r"\sstyle=|\son[a-z]+=", page) is None  # the CSP allows neither


def test_a_second_offline_sheet_replaces_the_first_on_the_board(console):  # noqa: F811
    stack = console(**GUANGXI)
    stack.user("org", "organizer")
    client = stack.client("org")
    upload(client, "/console/quiz/offline", offline_sheet(
        ("李四光", UNIT_A, "南宁", 95), ("王五六", UNIT_A, "桂林", 70)), "第一批.xlsx")
    assert "李*光" in _page(stack) and "王*六" in _page(stack)
    done = upload(client, "/console/quiz/offline", offline_sheet(("赵七八", UNIT_A, "梧州", 80)),
                  "第二批.xlsx", follow_redirects=True)
    assert "已导入1条线下成绩，替换了此前的2条。" in done.get_data(as_text=True)
    page = _page(stack)
    assert "赵*八" in page and "梧州市" in page
    assert "李*光" not in page and "王*六" not in page and "共1人有成绩" in page


def test_the_chat_ranking_links_to_the_board(console):  # noqa: F811
    stack = console(**GUANGXI)
    finish(stack, "oLink", 10, ("钱多多", UNIT_A, "南宁"))
    reply = stack.say("oLink", "排名")
    link = re.search(r"https?://\S+/h5/quiz", reply).group(0)
    page = requests.get(link, timeout=10)
    assert page.status_code == 200 and "钱*多" in page.text and "钱多多" not in page.text
    assert "还没有参加人数满3人的单位。" in page.text


def test_a_contest_without_a_quiz_has_no_board(console):  # noqa: F811
    stack = console()
    response = requests.get(stack.url + "/h5/quiz", timeout=10)
    assert response.status_code == 404 and "本赛事没有举办知识竞赛。" in response.text
