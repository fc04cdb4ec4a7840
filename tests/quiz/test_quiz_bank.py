"""The question bank: the template's rows checked one by one with reasons naming the row and
the column, all or nothing, versions that attempts keep; the shipped banks; the draw."""
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.contest import load_contest
from bot.db import session_scope
from bot.models.quiz import QuizBank, QuizQuestion
from bot.quiz.bank import HEADERS, BankError, import_bank, parse_rows, read_csv_rows
from bot.quiz.draw import draw
from config.settings import PROJECT_ROOT

GOOD = [
    ["单选", "条例第几号令发布？", "第279号", "第613号", "", "", "", "", "A", "国务院令第279号。", "法律法规", ""],
    ["多选题", "监理的形式有？", "旁站", "巡视", "平行检验", "代签", "", "", "A、B，C", "", "质量责任", "10"],
    ["判断", "保修期自竣工验收合格之日起计算。", "", "", "", "", "", "", "√", "第四十条。", "", ""],
]
AT = datetime(2022, 9, 1, tzinfo=UTC)


def rows(*body) -> list[tuple]:
    return [tuple(HEADERS)] + [tuple(row) for row in body]


def test_good_rows_are_read_with_their_answers_normalised():
    parsed = parse_rows(rows(*GOOD))
    assert [(q.kind, q.answer, q.points, q.category) for q in parsed] == [
        ("单选", "A", 10, "法律法规"), ("多选", "ABC", 10, "质量责任"), ("判断", "对", 10, "未分类")]
    assert parsed[1].options == ("旁站", "巡视", "平行检验", "代签") and parsed[0].number == 2


@pytest.mark.parametrize("change, reason", [
    ({0: "问答"}, "第2行「题型」：“问答”不是单选、多选或判断"),
    ({1: ""}, "第2行「题干」：不能为空"),
    ({4: "", 5: "多余"}, "第2行「选项C」：选项要从A起连续填写"),
    ({8: "C"}, "第2行「答案」：“C”里的C不是已填写的选项（AB）"),
    ({8: "AB"}, "第2行「答案」：单选题只有一个正确选项"),
    ({11: "0"}, "第2行「分值」：请填1到100之间的整数"),
    ({1: "长" * 301}, "第2行「题干」：不能超过300字"),
])
def test_a_bad_row_is_refused_naming_the_row_and_the_column(change, reason):
    bad = list(GOOD[0])
    for index, value in change.items():
        bad[index] = value
    with pytest.raises(BankError) as refused:
        parse_rows(rows(bad, *GOOD[1:]))
    assert any(error.startswith(reason) for error in refused.value.errors), refused.value.errors


def test_every_bad_row_is_listed_and_a_duplicate_question_named():
    judge_with_options = list(GOOD[2])
    judge_with_options[2] = "对"
    with pytest.raises(BankError) as refused:
        parse_rows(rows(*GOOD, judge_with_options, GOOD[0]))
    assert refused.value.errors == ["第5行「选项A」：判断题不填选项（答案写“对”或“错”）。",
                                    "第6行「题干」：与第2行的题目重复。"]


def test_a_missing_header_column_is_named():
    with pytest.raises(BankError) as refused:
        parse_rows([("题型", "题干", "选项A")] + [tuple(GOOD[0][:3])])
    assert "表头缺少以下列：答案、选项B" in refused.value.errors[0]


@pytest.mark.parametrize("bank, contest", [("guangxi-2022", "guangxi-2022"), (
    "shandong-2024-quality-month", "shandong-2024-quality-month")])
def test_the_shipped_banks_parse_and_fill_their_contests_draws(bank, contest, engine):
    parsed = parse_rows(read_csv_rows((PROJECT_ROOT / "config" / "quiz" / f"{bank}.csv")
                                      .read_bytes()))
    quiz = load_contest(contest).quiz
    kinds = Counter(q.kind for q in parsed)
    assert all(kinds[kind] >= count for kind, count in quiz.type_counts().items())
    assert all(q.explanation for q in parsed)  # every fact is explained and cited
    assert len(parsed) >= (40 if bank == "guangxi-2022" else 30)


def test_an_import_is_a_new_version_and_refuses_a_bank_too_small(db_factory):
    contest = load_contest("guangxi-2022")
    with pytest.raises(BankError) as small:
        with session_scope(db_factory) as session:
            import_bank(session, contest, parse_rows(rows(*GOOD)), "small.xlsx", "组织者", AT)
    assert "题库只有3道题，少于每次答题的10道" in small.value.errors[0]
    shipped = parse_rows(read_csv_rows((PROJECT_ROOT / "config/quiz/guangxi-2022.csv")
                                       .read_bytes()))
    with session_scope(db_factory) as session:
        first = import_bank(session, contest, shipped, "a.csv", "组织者", AT).id
        second = import_bank(session, contest, shipped[:60], "b.csv", "组织者", AT).id
    with db_factory() as session:
        versions = session.scalars(select(QuizBank.version).order_by(QuizBank.id)).all()
        assert versions == [1, 2] and first != second
        assert len(session.scalars(select(QuizQuestion).where(
            QuizQuestion.bank_id == second)).all()) == 60


def test_the_draw_is_reproducible_from_its_seed_and_keeps_the_rules(db_factory):
    contest = load_contest("guangxi-2022")
    shipped = parse_rows(read_csv_rows((PROJECT_ROOT / "config/quiz/guangxi-2022.csv")
                                       .read_bytes()))
    with session_scope(db_factory) as session:
        bank_id = import_bank(session, contest, shipped, "a.csv", "组织者", AT).id
    with db_factory() as session:
        questions = session.scalars(select(QuizQuestion).where(
            QuizQuestion.bank_id == bank_id)).all()
        by_id = {q.id: q for q in questions}
        first, again, other = draw(7, questions, contest.quiz), draw(7, questions,
                                                                     contest.quiz), draw(
            8, questions, contest.quiz)
    assert first == again and first != other
    assert Counter(by_id[d.question].kind for d in first) == {"单选": 6, "多选": 2, "判断": 2}
    assert Counter(by_id[d.question].category for d in first) == {
        "法律法规": 2, "质量责任": 2, "质量验收": 2, "质量保修": 2, "质量管理": 2}
    orders = [d.order for d in first if d.order]
    assert all(sorted(order) == list(range(len(order))) for order in orders)
    assert any(list(order) != sorted(order) for order in orders)  # options are shuffled
