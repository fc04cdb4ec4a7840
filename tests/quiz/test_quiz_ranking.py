"""The rankings: the attempt that counts (best or first), units by their members' average or
total with a minimum of members, cities; a disabled question rescores; versions hold."""
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.contest import load_contest
from bot.db import session_scope
from bot.models.quiz import AttemptState, QuizAnswer, QuizAttempt, QuizBank, QuizParticipant
from bot.quiz.bank import import_bank, parse_rows, read_csv_rows
from bot.quiz.ranking import cities, masked_name, people, units
from bot.quiz.scoring import set_question_enabled
from bot.quiz.standing import standing_context
from config.settings import PROJECT_ROOT
from tests.quiz_helpers import attempt_of, begin, quiz_stack, right_answer, wrong_answer

UNIT_A, UNIT_B = "广西甲监理有限公司", "广西乙建设集团有限公司"


def finish(stack, openid: str, right: int, profile=None) -> None:
    """A whole attempt with `right` right answers (the first ones)."""
    reply = begin(stack, openid, profile) if profile else stack.say(openid, "答题")
    for number in range(10):
        answer = right_answer if number < right else wrong_answer
        reply = stack.say(openid, answer(stack, openid))
    assert "答题完成" in reply, reply


def test_people_units_and_cities(make_stack):
    stack = quiz_stack(make_stack)
    for index, (right, unit, city) in enumerate([(9, UNIT_A, "南宁"), (7, UNIT_A, "南宁"),
                                                 (5, UNIT_A, "柳州"), (10, UNIT_B, "柳州")]):
        finish(stack, f"oP{index}", right, (f"张三{'一二三四'[index]}", unit, city))
    with stack.services.db() as session:
        board = people(session, stack.services.contest)
    assert [(s.rank, float(s.score)) for s in board] == [(1, 100.0), (2, 90.0), (3, 70.0),
                                                         (4, 50.0)]
    assert board[0].public_name == "张*四" and masked_name("李四") == "李*"
    ranked = units(board, stack.services.contest.quiz.ranking.units)
    assert [(u.name, u.members, u.score) for u in ranked] == [(UNIT_A, 3, Decimal("70.0"))]
    assert [(c.name, c.members, c.score) for c in cities(board)] == [
        ("南宁市", 2, Decimal("80.0")), ("柳州市", 2, Decimal("75.0"))]


def test_the_best_attempt_counts_and_ranking_says_so(make_stack):
    stack = quiz_stack(make_stack)
    finish(stack, "oBest", 8, ("王五", UNIT_A, "南宁"))
    finish(stack, "oBest", 3)
    reply = stack.say("oBest", "排名")
    assert "您：第1名（共1人），80.0分" in reply and "王*" in reply and "王五" not in reply
    assert "参加人数满3人后计入单位排名" in reply


def test_a_disabled_question_rescores_those_who_were_asked_it(make_stack):
    stack = quiz_stack(make_stack)
    finish(stack, "oWrong", 9, ("赵六", UNIT_A, "南宁"))  # the 10th answer is wrong
    ended = attempt_of(stack, "oWrong", AttemptState.FINISHED.value)
    with stack.services.db() as session:
        last = session.scalars(select(QuizAnswer).where(QuizAnswer.attempt_id == ended.id,
                                                        QuizAnswer.position == 9)).one()
    with session_scope(stack.services.db) as session:
        assert set_question_enabled(session, last.question_id, False, "组织者",
                                    stack.services.now()) == 1
    assert attempt_of(stack, "oWrong", AttemptState.FINISHED.value).score == Decimal("100.0")
    assert "第1名（共1人），100.0分" in stack.say("oWrong", "排名")


def test_an_attempt_keeps_the_bank_version_it_started_with(make_stack):
    stack = quiz_stack(make_stack)
    begin(stack, "oSteady")
    started = attempt_of(stack, "oSteady")
    rows = parse_rows(read_csv_rows((PROJECT_ROOT / "config/quiz/guangxi-2022.csv").read_bytes()))
    with session_scope(stack.services.db) as session:
        newer = import_bank(session, stack.services.contest, rows[::-1], "new.xlsx", "组织者",
                            stack.services.now()).id
    for _ in range(10):
        stack.say("oSteady", right_answer(stack, "oSteady"))
    with stack.services.db() as session:
        done = session.get(QuizAttempt, started.id)
        assert done.bank_id == started.bank_id != newer and done.score == Decimal("100.0")
        assert session.get(QuizBank, newer).version == 2
    stack.say("oSteady", "答题")
    assert attempt_of(stack, "oSteady").bank_id == newer


def test_the_sql_places_agree_with_the_whole_ranking(db_factory):
    """standing_context counts in SQL what bot.quiz.ranking sorts in Python: ties, offline rows
    without a time, best-of-several and first-of-several all land on the same place."""
    contest, rng = load_contest("guangxi-2022"), random.Random(5)
    at = datetime(2022, 9, 9, tzinfo=UTC)
    with session_scope(db_factory) as session:
        for index in range(60):
            person = QuizParticipant(contest_id=contest.id, openid=f"o{index}", name=f"人{index}",
                                     unit=f"单位{index % 7}", city="南宁市", source="chat",
                                     created_at=at)
            session.add(person)
            session.flush()
            for attempt in range(rng.randint(1, 3)):
                offline = index % 11 == 0
                session.add(QuizAttempt(
                    contest_id=contest.id, participant_id=person.id, drawn=[], day="2022-09-09",
                    state=AttemptState.OFFLINE.value if offline else AttemptState.FINISHED.value,
                    started_at=at + timedelta(minutes=attempt), score=Decimal(rng.choice(
                        [40, 60, 80, 100])), duration_s=None if offline else Decimal(
                        rng.choice([100, 200]))))
    for counts in ("best", "first"):
        quizzed = contest.model_copy(update={"quiz": contest.quiz.model_copy(
            update={"counts": counts})})
        with db_factory() as session:
            board = people(session, quizzed)
            for standing in board[::5]:
                context = standing_context(session, quizzed, standing.participant_id)
                assert context["standing"].rank == standing.rank, (counts, standing)
                assert context["standing"].score == standing.score
            assert [s.rank for s in context["everyone"]] == [s.rank for s in board[:10]]
            assert context["unit_rows"] == units(board, quizzed.quiz.ranking.units)
