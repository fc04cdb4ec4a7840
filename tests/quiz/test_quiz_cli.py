"""`contestbot quiz ...`: import a bank (every error listed, exit code 1, nothing imported),
export a version that imports back, write the template, import offline scores."""
from openpyxl import load_workbook
from sqlalchemy import select

from bot.models.quiz import QuizBank, QuizParticipant, QuizQuestion
from bot.ops.quiz_cli import quiz_cli
from bot.quiz.bank import parse_rows
from bot.quiz.sheets import read_table
from tests.quiz.quiz_web_helpers import GUANGXI, SHIPPED_BANK, bad_bank, offline_sheet


def _run(stack, *args):
    return stack.app.test_cli_runner().invoke(quiz_cli, [str(arg) for arg in args])


def _questions(stack, version: int) -> list[tuple]:
    with stack.services.db() as db:
        return [tuple(row) for row in db.execute(
            select(QuizQuestion.kind, QuizQuestion.stem, QuizQuestion.options,
                   QuizQuestion.answer, QuizQuestion.explanation, QuizQuestion.category,
                   QuizQuestion.points)
            .join(QuizBank).where(QuizBank.version == version).order_by(QuizQuestion.number))]


def test_a_bad_bank_exits_1_listing_every_row_error(console, tmp_path):  # noqa: F811
    stack = console(**GUANGXI)
    sheet = tmp_path / "题库.xlsx"
    sheet.write_bytes(bad_bank())
    result = _run(stack, "import", sheet)
    assert result.exit_code == 1
    assert "第2行「题型」：“问答”不是单选、多选或判断。" in result.output
    assert "第3行「答案」：“C”里的C不是已填写的选项（AB）。" in result.output
    with stack.services.db() as db:
        assert db.scalars(select(QuizBank)).all() == []


def test_import_export_and_import_again_gives_the_same_bank(console, tmp_path):  # noqa: F811
    stack = console(**GUANGXI)
    imported = _run(stack, "import", SHIPPED_BANK)
    assert imported.exit_code == 0, imported.output
    assert "imported version 1: 77 questions" in imported.output
    exported = tmp_path / "导出.xlsx"
    result = _run(stack, "export", exported, "--version", 1)
    assert result.exit_code == 0 and "wrote version 1: 77 questions" in result.output
    assert load_workbook(exported).active["A1"].value == "题型"
    again = _run(stack, "import", exported)
    assert again.exit_code == 0 and "imported version 2: 77 questions" in again.output
    assert _questions(stack, 1) == _questions(stack, 2) != []
    newest = tmp_path / "newest.xlsx"
    assert "wrote version 2" in _run(stack, "export", newest).output
    missing = _run(stack, "export", tmp_path / "none.xlsx", "--version", 9)
    assert missing.exit_code == 1 and "no such bank version" in missing.output


def test_the_template_parses_to_one_question_of_each_type(console, tmp_path):  # noqa: F811
    stack = console(**GUANGXI)
    template = tmp_path / "模板.xlsx"
    assert _run(stack, "template", template).exit_code == 0
    parsed = parse_rows(read_table(template.read_bytes(), template.name))
    assert [q.kind.value for q in parsed] == ["单选", "多选", "判断"]


def test_offline_scores_replace_the_previous_list(console, tmp_path):  # noqa: F811
    stack = console(**GUANGXI)
    first, second, bad = tmp_path / "a.xlsx", tmp_path / "b.xlsx", tmp_path / "c.xlsx"
    first.write_bytes(offline_sheet(("李四光", "广西甲公司", "南宁", 95),
                                    ("王五六", "广西甲公司", "桂林", 70)))
    second.write_bytes(offline_sheet(("赵七八", "广西乙公司", "梧州", 80)))
    bad.write_bytes(offline_sheet(("周九", "广西丙公司", "北京", 101)))
    assert "offline scores imported: 2" in _run(stack, "offline", first).output
    assert "offline scores imported: 1" in _run(stack, "offline", second).output
    refused = _run(stack, "offline", bad)
    assert refused.exit_code == 1 and "第2行「城市」" in refused.output
    assert "第2行「分数」：请填0到100之间的数。" in refused.output
    with stack.services.db() as db:
        assert db.scalars(select(QuizParticipant.name)).all() == ["赵七八"]


def test_a_contest_without_a_quiz_is_refused(console):  # noqa: F811
    stack = console()
    result = _run(stack, "import", SHIPPED_BANK)
    assert result.exit_code == 1 and "has no quiz" in result.output
