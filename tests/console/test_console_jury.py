"""The jury in the console: blind finalists, scoring sheets checked against each criterion's
maximum, progress, the organizers' score table, and importing score sheets (.xlsx)."""
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from bot.contest import CONTESTS_DIR
from bot.models import AuditLog, Score

PRIVATE = {"name": "张三丰", "phone": "13800138000", "email": "zhang@example.com",
           "address": "江门市蓬江区某路1号", "postcode": "529000"}
WORK = {"title": "侨乡匠心", "topic": "企业质量故事", "synopsis": "一家老字号的质量坚守故事。"}
FULL = {"theme": "28", "ideas": "18.5", "art": "17", "local": "15", "craft": "12"}


def _jury(console, **kwargs):  # noqa: F811
    stack = console(now="2020-08-16T10:00:00", **kwargs)
    stack.user("org", "organizer")
    stack.user("jud", "judge")
    finalist = stack.add_entry("oF", {**PRIVATE, **WORK}, state="approved")
    stack.add_entry("oR", {"name": "落选", "title": "未通过作品"}, state="rejected")
    return stack, finalist


def _sheet(client, entry_id, points):
    return client.post(f"/console/jury/{entry_id}",
                       data={f"points-{key}": value for key, value in points.items()})


def test_judges_see_finalists_without_names_or_contacts(console):  # noqa: F811
    stack, finalist = _jury(console)
    judge = stack.client("jud")
    listing = judge.get("/console/jury").get_data(as_text=True)
    assert "侨乡匠心" in listing and "未通过作品" not in listing and "0/1" in listing
    page = judge.get(f"/console/jury/{finalist.id}").get_data(as_text=True)
    assert "侨乡匠心" in page and "一家老字号的质量坚守故事。" in page and "企业质量故事" in page
    for private in PRIVATE.values():
        if private != "529000":
            assert private not in page
    assert "匿名评审" in page
    organizer = stack.client("org").get(f"/console/jury/{finalist.id}").get_data(as_text=True)
    assert "张三丰" in organizer


def test_names_are_shown_when_the_contest_is_not_blind(console, tmp_path):  # noqa: F811
    source = (CONTESTS_DIR / "jiangmen-2020.yaml").read_text(encoding="utf-8")
    path = tmp_path / "jiangmen-2020.yaml"
    path.write_text(source.replace("blind_judging: true", "blind_judging: false"),
                    encoding="utf-8")
    stack, finalist = _jury(console, CONTEST=str(path))
    page = stack.client("jud").get(f"/console/jury/{finalist.id}").get_data(as_text=True)
    assert "张三丰" in page and "匿名评审" not in page


def test_a_judge_scores_every_criterion_within_its_maximum(console):  # noqa: F811
    stack, finalist = _jury(console)
    judge = stack.client("jud")
    over = _sheet(judge, finalist.id, {**FULL, "theme": "31"})
    assert over.status_code == 400 and "“主题契合”的分数须在0到30之间" in over.get_data(as_text=True)
    for bad, reason in (("abc", "不是数字"), ("1.234", "两位小数"), ("", "请填写"), ("-1", "0到")):
        response = _sheet(judge, finalist.id, {**FULL, "craft": bad})
        assert response.status_code == 400 and reason in response.get_data(as_text=True)
    with stack.services.db() as db:
        assert db.scalars(select(Score)).all() == []
    assert _sheet(judge, finalist.id, FULL).status_code == 302
    assert "1/1" in judge.get("/console/jury").get_data(as_text=True)
    assert _sheet(judge, finalist.id, {**FULL, "craft": "１３"}).status_code == 302  # full-width
    with stack.services.db() as db:
        points = {s.criterion: s.points for s in db.scalars(select(Score))}
        line = db.scalars(select(AuditLog).where(AuditLog.action == "scores.saved")).first()
    assert points["craft"] == Decimal("13.00") and points["ideas"] == Decimal("18.50")
    assert len(points) == 5 and line.actor == "jud" and line.detail["total"] == "90.50"


def _xlsx(rows) -> io.BytesIO:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


HEADER = ["评委", "作品编号", "作品名称", "主题契合", "思想性", "艺术性与观赏性", "江门本地元素",
          "创新与制作"]


def _import(client, data, name="scores.xlsx"):
    return client.post("/console/scores/import", data={"sheet": (data, name)},
                       content_type="multipart/form-data")


def test_a_good_sheet_is_imported_and_shown_with_the_jury_score(console):  # noqa: F811
    stack, _ = _jury(console)
    client = stack.client("org")
    response = _import(client, _xlsx([HEADER, ["评委甲", 101, "侨乡匠心", 30, 20, 20, 15, 15],
                                      ["评委乙", "101", None, 20, 10, 10, 10, 10], [None] * 8]))
    assert response.status_code == 302
    with stack.services.db() as db:
        totals = {}
        for score in db.scalars(select(Score)):
            totals[score.judge] = totals.get(score.judge, 0) + score.points
    assert totals == {"评委甲": 100, "评委乙": 60}
    page = client.get("/console/scores").get_data(as_text=True)
    assert "评委甲" in page and "80.00" in page  # the mean total, and the jury score (of 100)


def test_a_sheet_with_any_bad_row_imports_nothing(console):  # noqa: F811
    stack, _ = _jury(console)
    client = stack.client("org")
    response = _import(client, _xlsx([
        HEADER, ["评委甲", 101, "", 30, 20, 20, 15, 15], ["评委甲", 101, "", 1, 1, 1, 1, 1],
        ["评委乙", 999, "", 1, 1, 1, 1, 1], ["评委丙", 102, "", 1, 1, 1, 1, 1],
        ["评委丁", 101, "", 31, "好", 1, 1, None]]))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "未导入任何数据" in html
    for reason in ("第3行：作品101的评委“评委甲”重复出现", "第4行：没有编号为999的作品",
                   "第5行：作品102不在评审范围内", "第6行：“主题契合”的分数须在0到30之间",
                   "第6行：“思想性”的分数“好”不是数字", "第6行：请填写“创新与制作”的分数"):
        assert reason in html, reason
    with stack.services.db() as db:
        assert db.scalars(select(Score)).all() == []


def test_files_that_are_not_score_sheets_are_refused(console):  # noqa: F811
    stack, _ = _jury(console)
    client = stack.client("org")
    not_xlsx = _import(client, io.BytesIO(b"PK\x03\x04 not really a zip"))
    assert not_xlsx.status_code == 400 and "不是有效的 .xlsx" in not_xlsx.get_data(as_text=True)
    headless = _import(client, _xlsx([["编号", "评委"], [101, "甲"]]))
    assert headless.status_code == 400 and "表头缺少以下列：作品编号" in headless.get_data(as_text=True)
    assert _import(client, _xlsx([])).status_code == 400
    missing = client.post("/console/scores/import", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "请选择" in missing.get_data(as_text=True)
    huge = _import(client, io.BytesIO(b"x" * (6 * 1024 * 1024)))
    assert huge.status_code == 413 and "文件过大" in huge.get_data(as_text=True)


SCORED_SEEDS = ["jiangmen-2020", "gansu-2023", "guangxi-2022", "shandong-2021-housing"]


@pytest.mark.parametrize("contest_id", SCORED_SEEDS)
def test_blind_jury_pages_show_only_the_fields_marked_judge_visible(console, contest_id):
    stack = console(contest=contest_id)
    contest = stack.services.contest
    stack.user("judge1", "judge")
    category = contest.categories[0].id if contest.categories else None
    values = {field.id: f"甄别{index:02d}值" for index, field in enumerate(contest.form)}
    kinds = [kind.id for kind in contest.entrant_kinds] or ["individual"]
    entries = [stack.add_entry(f"oBlind{kind}", values, kind=kind, category=category,
                               state="finalist") for kind in kinds]
    judge = stack.client("judge1")
    for entry in entries:
        html = judge.get(f"/console/jury/{entry.id}").get_data(as_text=True)
        for field in contest.form:
            shown = values[field.id] in html
            if not field.judge_visible:
                assert not shown, f"{contest_id}: {field.label} shown to a blind judge"
        visible = [f for f in contest.form if f.judge_visible and f.type == "text"
                   and f.applies(entry.entrant_kind, entry.category)]
        assert any(values[f.id] in html for f in visible), f"{contest_id}: nothing to judge"
    assert "oBlind" not in judge.get("/console/jury").get_data(as_text=True)
