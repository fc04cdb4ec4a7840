"""The quiz in the organizer console: the bank (every error named, nothing imported; versions;
the template and an export that import back), disabling a wrong question (rescored, audited),
offline scores, the exports (names in full, formulas kept as text), and who may open what."""
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.models import AuditLog
from bot.models.quiz import AttemptState, QuizAnswer, QuizBank, QuizParticipant, QuizQuestion
from bot.quiz.bank import parse_rows
from bot.quiz.sheets import read_table
from tests.console.test_console_wording import _raw_keys
from tests.quiz.quiz_web_helpers import (
    GUANGXI,
    SHIPPED_BANK,
    bad_bank,
    finish,
    offline_sheet,
    upload,
    workbook,
)
from tests.quiz_helpers import attempt_of

QUIZ_PAGES = ["/console/quiz", "/console/quiz/bank", "/console/quiz/bank/template.xlsx",
              "/console/quiz/bank/1.xlsx", "/console/quiz/offline",
              "/console/quiz/export/people.xlsx", "/console/quiz/export/units.xlsx",
              "/console/quiz/export/cities.xlsx"]
QUIZ_FORMS = ["/console/quiz/bank", "/console/quiz/offline",
              "/console/quiz/questions/1/disable", "/console/quiz/questions/1/enable"]
FORMULA_UNIT = '=HYPERLINK("http://evil.example/","点此领奖")'


@pytest.fixture
def organizer(console):  # noqa: F811
    stack = console(**GUANGXI)
    stack.user("org", "organizer")
    return stack, stack.client("org")


def _bank_rows(stack) -> list[tuple]:
    with stack.services.db() as db:
        return [tuple(row) for row in db.execute(
            select(QuizBank.version, QuizQuestion.number, QuizQuestion.kind, QuizQuestion.stem,
                   QuizQuestion.options, QuizQuestion.answer, QuizQuestion.explanation,
                   QuizQuestion.category, QuizQuestion.points)
            .join(QuizQuestion, QuizQuestion.bank_id == QuizBank.id)
            .order_by(QuizBank.version, QuizQuestion.number))]


def test_a_bad_bank_lists_every_row_and_column_and_imports_nothing(organizer):
    stack, client = organizer
    response = upload(client, "/console/quiz/bank", bad_bank(), "新题库.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "题库有2处错误，未导入任何题目" in page
    assert "第2行「题型」：“问答”不是单选、多选或判断。" in page
    assert "第3行「答案」：“C”里的C不是已填写的选项（AB）。" in page
    assert _bank_rows(stack) == []
    head = "\n".join(SHIPPED_BANK.read_text(encoding="utf-8").splitlines()[:4])
    small = upload(client, "/console/quiz/bank", head.encode("utf-8"), "小.csv")
    assert small.status_code == 400 and "少于每次答题的10道" in small.get_data(as_text=True)
    wrong_type = upload(client, "/console/quiz/bank", b"x", "题库.txt")
    assert wrong_type.status_code == 400 and "只能上传.xlsx或.csv文件" in \
        wrong_type.get_data(as_text=True)
    assert _bank_rows(stack) == []


def test_an_upload_is_a_new_version_and_an_exported_version_imports_back(organizer):
    stack, client = organizer
    text = SHIPPED_BANK.read_text(encoding="utf-8").replace(
        "单选,《建设工程质量管理条例》是以", "单选,=《建设工程质量管理条例》是以", 1)
    done = upload(client, "/console/quiz/bank", text.encode("utf-8"), "广西题库.csv",
                  follow_redirects=True)
    assert "已导入题库第1版，共77题" in done.get_data(as_text=True)
    exported = workbook(client.get("/console/quiz/bank/1.xlsx"))
    sheet = exported.active
    assert [cell.value for cell in sheet[1]][:3] == ["题型", "题干", "选项A"]
    assert sheet["B2"].value.startswith("=《建设") and sheet["B2"].data_type == "s"
    again = upload(client, "/console/quiz/bank", client.get("/console/quiz/bank/1.xlsx").data,
                   "导出.xlsx", follow_redirects=True)
    assert "已导入题库第2版，共77题" in again.get_data(as_text=True)
    rows = _bank_rows(stack)
    first = [row[1:] for row in rows if row[0] == 1]
    assert first == [row[1:] for row in rows if row[0] == 2] and len(first) == 77
    page = client.get("/console/quiz/bank").get_data(as_text=True)
    assert page.index("第2版") < page.index("第1版") and "导出.xlsx" in page
    assert "org" in page and client.get("/console/quiz/bank/3.xlsx").status_code == 404


def test_the_template_has_one_row_of_each_type_under_a_plain_header(organizer):
    _, client = organizer
    response = client.get("/console/quiz/bank/template.xlsx")
    sheet = workbook(response).worksheets[0]
    assert sheet["A1"].value == "题型" and sheet.max_row == 4
    parsed = parse_rows(read_table(response.data, "题库模板.xlsx"))
    assert [q.kind.value for q in parsed] == ["单选", "多选", "判断"]
    assert [q.answer for q in parsed] == ["A", "ABC", "对"]


def _wrong_question(stack, openid: str) -> int:
    ended = attempt_of(stack, openid, AttemptState.FINISHED.value)
    with stack.services.db() as db:
        return db.scalars(select(QuizAnswer.question_id).where(
            QuizAnswer.attempt_id == ended.id, QuizAnswer.correct.is_(False))).one()


def test_disabling_a_wrong_question_rescores_and_is_audited(organizer):
    stack, client = organizer
    finish(stack, "oWrong", 9, ("赵六一", "广西甲监理有限公司", "南宁"))
    question = _wrong_question(stack, "oWrong")
    board = client.get("/console/quiz").get_data(as_text=True)
    table = board[board.index('id="quiz-accuracy"'):]
    assert re.search(r'id="question-(\d+)"', table).group(1) == str(question)  # worst first
    assert "0%" in table and "100%" in table
    done = client.post(f"/console/quiz/questions/{question}/disable", follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "的题目，重新计算了1份答卷的成绩。" in page and "已停用" in page
    assert attempt_of(stack, "oWrong", AttemptState.FINISHED.value).score == Decimal("100.0")
    with stack.services.db() as db:
        line = db.scalars(select(AuditLog).where(
            AuditLog.action == "quiz.question_disabled")).one()
    assert (line.actor, line.target_id, line.detail["rescored"]) == ("org", str(question), 1)
    client.post(f"/console/quiz/questions/{question}/enable")
    assert attempt_of(stack, "oWrong", AttemptState.FINISHED.value).score == Decimal("90.0")
    assert client.post("/console/quiz/questions/999999/disable").status_code == 404


def test_the_dashboard_counts_people_and_shows_the_signals(organizer):
    stack, client = organizer
    finish(stack, "oFast", 10, ("钱七二", "广西乙建设集团有限公司", "柳州"))
    upload(client, "/console/quiz/offline", offline_sheet(("孙八三", "广西丙公司", "桂林", 88)),
           "线下.xlsx")
    page = client.get("/console/quiz").get_data(as_text=True)
    assert 'id="quiz-people">2<' in page and 'id="quiz-offline">1<' in page
    assert 'id="quiz-attempts">1<' in page and "2022-09-10" in page and "桂林市" in page
    assert "用时过短的满分" in page and "钱七二" in page and "广西乙建设集团有限公司" in page
    assert "/console/broadcasts" in page and "/console/quiz/export/people.xlsx" in page


def test_a_bad_offline_sheet_changes_nothing(organizer):
    stack, client = organizer
    upload(client, "/console/quiz/offline", offline_sheet(("孙八三", "广西丙公司", "桂林", 88)),
           "线下.xlsx")
    response = upload(client, "/console/quiz/offline", offline_sheet(
        ("周九", "广西丁公司", "北京", 70), ("吴十", "广西戊公司", "南宁", 120)), "线下2.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "成绩表有2处错误，未导入任何成绩" in page
    assert "第2行「城市」：“北京”不可用（不是本赛的城市）。" in page
    assert "第3行「分数」：请填0到100之间的数。" in page
    with stack.services.db() as db:
        names = db.scalars(select(QuizParticipant.name).where(
            QuizParticipant.source == "offline")).all()
    assert names == ["孙八三"] and "孙八三" in page


def test_exports_name_people_in_full_and_keep_formulas_as_text(organizer):
    stack, client = organizer
    finish(stack, "oOnline", 5, ("李四光", "广西甲监理有限公司", "南宁"))
    upload(client, "/console/quiz/offline", offline_sheet(
        ("王一", FORMULA_UNIT, "柳州", 95), ("王二", FORMULA_UNIT, "柳州", 85),
        ("王三", FORMULA_UNIT, "桂林", 75)), "线下.xlsx")
    people = workbook(client.get("/console/quiz/export/people.xlsx")).active
    rows = [[cell.value for cell in row] for row in people.iter_rows(min_row=3)]
    assert people["A2"].value == "名次" and people["H2"].value == "是否及格"
    assert rows[0][:3] == [1, "王一", FORMULA_UNIT] and rows[0][6:] == ["线下", "是"]
    assert rows[3][1:3] == ["李四光", "广西甲监理有限公司"] and rows[3][6:] == ["线上", "否"]
    assert people["C3"].data_type == "s"
    units = workbook(client.get("/console/quiz/export/units.xlsx")).active
    assert [cell.value for cell in units[2]] == ["名次", "单位", "人数", "平均分"]
    assert [cell.value for cell in units[3]] == [1, FORMULA_UNIT, 3, 85.0]
    assert units["B3"].data_type == "s"
    cities = workbook(client.get("/console/quiz/export/cities.xlsx")).active
    assert [[c.value for c in row] for row in cities.iter_rows(min_row=3)] == [
        [1, "柳州市", 2, 90.0], [2, "桂林市", 1, 75.0], [3, "南宁市", 1, 50.0]]


def test_judges_are_refused_every_quiz_page(organizer):
    stack, _ = organizer
    stack.user("jud", "judge")
    judge = stack.client("jud")
    for path in QUIZ_PAGES:
        response = judge.get(path)
        assert response.status_code == 403 and "没有权限" in response.get_data(as_text=True)
    for path in QUIZ_FORMS:
        assert judge.post(path).status_code == 403, path
    assert "知识竞赛" not in judge.get("/console/jury").get_data(as_text=True)


def test_a_contest_without_a_quiz_has_no_quiz_pages(console):  # noqa: F811
    stack = console()
    stack.user("org", "organizer")
    client = stack.client("org")
    assert "知识竞赛" not in client.get("/console/dashboard").get_data(as_text=True)
    for path in QUIZ_PAGES:
        response = client.get(path)
        assert response.status_code == 404 and "本赛事没有知识竞赛" in \
            response.get_data(as_text=True), path


def test_quiz_pages_speak_chinese_and_are_in_the_navigation(organizer):
    stack, client = organizer
    finish(stack, "oKeys", 10, ("郑十一", "广西甲监理有限公司", "南宁"))
    upload(client, "/console/quiz/offline", offline_sheet(("孙八三", "广西丙公司", "桂林", 88)),
           "线下.xlsx")
    found = {}
    for path in ("/console/quiz", "/console/quiz/bank", "/console/quiz/offline",
                 "/console/exports", "/console/dashboard"):
        page = client.get(path).get_data(as_text=True)
        assert 'href="/console/quiz"' in page, path
        if keys := _raw_keys(page):
            found[path] = keys
    assert found == {}
    with stack.services.db() as db:
        assert db.scalar(select(func.count()).select_from(QuizBank)) == 1
