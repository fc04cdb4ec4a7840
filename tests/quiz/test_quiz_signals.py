"""The console's flags: perfect scores in too short a time, and people of one unit who answer
alike on the questions they share, wrong answers included; offline sheets and formula cells."""
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from bot.contest import load_contest
from bot.db import session_scope
from bot.models.quiz import AttemptState, QuizAnswer, QuizAttempt, QuizParticipant
from bot.quiz.bank import BankError, import_bank, parse_rows, read_csv_rows
from bot.quiz.offline import parse_offline
from bot.quiz.sheets import read_table
from bot.quiz.signals import signals
from config.settings import PROJECT_ROOT

AT = datetime(2022, 9, 10, 2, tzinfo=UTC)
CONTEST = load_contest("guangxi-2022")


def _bank(session) -> list[int]:
    rows = parse_rows(read_csv_rows((PROJECT_ROOT / "config/quiz/guangxi-2022.csv").read_bytes()))
    bank = import_bank(session, CONTEST, rows, "a.csv", "组织者", AT)
    session.flush()
    return [q.id for q in bank.questions]


def _attempt(session, name, unit, answers: dict, correct: set, seconds=300, score=None):
    person = QuizParticipant(contest_id=CONTEST.id, openid=f"o{name}", name=name, unit=unit,
                             city="南宁市", source="chat", created_at=AT)
    session.add(person)
    session.flush()
    attempt = QuizAttempt(contest_id=CONTEST.id, participant_id=person.id, drawn=[
        {"question": q, "order": []} for q in answers], state=AttemptState.FINISHED.value,
        day="2022-09-10", started_at=AT, finished_at=AT, duration_s=Decimal(seconds),
        score=Decimal(score if score is not None else 10 * len(correct)))
    session.add(attempt)
    session.flush()
    for position, (question, given) in enumerate(answers.items()):
        session.add(QuizAnswer(attempt_id=attempt.id, position=position, question_id=question,
                               given=given, correct=question in correct, late=False,
                               asked_at=AT, answered_at=AT))


def test_three_of_a_unit_answering_alike_wrong_answers_included_are_flagged(db_factory):
    with session_scope(db_factory) as session:
        ids = _bank(session)
        shared = {q: "A" for q in ids[:6]}
        right = set(ids[:4])  # the last two shared answers are the same wrong ones
        for index, name in enumerate(("甲一", "乙二", "丙三")):
            extra = {ids[10 + index * 4 + k]: "B" for k in range(4)}
            _attempt(session, name, "广西甲监理有限公司", {**shared, **extra}, right)
        for name in ("丁四", "戊五", "己六"):  # alike, but all right: no flag
            _attempt(session, name, "广西乙公司", {q: "A" for q in ids[:6]}, set(ids[:6]))
    with db_factory() as session:
        found = signals(session, CONTEST)
    alike = [flag for flag in found if flag.kind == "same_answers"]
    assert [(flag.unit, flag.people) for flag in alike] == [
        ("广西甲监理有限公司", ("丙三", "乙二", "甲一"))]


def test_a_perfect_score_in_a_few_seconds_is_flagged(db_factory):
    with session_scope(db_factory) as session:
        ids = _bank(session)
        _attempt(session, "快手", "广西丙公司", {q: "A" for q in ids[:10]}, set(ids[:10]),
                 seconds=12, score=100)
        _attempt(session, "稳手", "广西丙公司", {q: "A" for q in ids[10:20]}, set(ids[10:20]),
                 seconds=240, score=100)
    with db_factory() as session:
        fast = [flag for flag in signals(session, CONTEST) if flag.kind == "fast_perfect"]
    assert [flag.people for flag in fast] == [("快手",)]


def _xlsx(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_offline_sheet_naming_one_person_twice_is_refused():
    rows = read_table(_xlsx(("姓名", "单位", "城市", "分数"), ("张三", "广西甲公司", "南宁", 80),
                            ("张三", "广西甲公司", "南宁", 90)), "线下.xlsx")
    with pytest.raises(BankError) as refused:
        parse_offline(CONTEST, rows)
    assert refused.value.errors == ["第3行「姓名」：与第2行是同一个人（姓名、单位、城市相同）。"]


def test_a_formula_without_its_saved_value_is_named_not_read_as_empty():
    data = _xlsx(("姓名", "单位", "城市", "分数"), ("张三", "广西甲公司", "南宁", "=40+40"))
    with pytest.raises(BankError) as refused:
        read_table(data, "线下.xlsx")
    assert refused.value.errors[0].startswith("第2行第4列是公式，但文件里没有保存它的计算结果")
