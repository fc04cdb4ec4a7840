"""The knowledge quiz in chat, through the webhook: 答题, the profile, ten questions, the score
and the rankings; answers in a phone's many spellings; timing on the server's clock."""
from sqlalchemy import func, select

from bot.models.quiz import QuizAnswer
from tests.quiz_helpers import attempt_of, begin, quiz_stack, right_answer, wrong_answer


def test_a_full_attempt_answered_right_scores_100_and_ranks_first(make_stack):
    stack = quiz_stack(make_stack)
    first = begin(stack, "oEngineer")
    assert "第1/10题" in first and "本题限时60秒" in first
    for number in range(1, 11):
        reply = stack.say("oEngineer", right_answer(stack, "oEngineer"))
        if number < 10:
            assert f"第{number + 1}/10题" in reply, reply
    assert "得分：100.0分" in reply and "答对10/10题" in reply and "及格" in reply
    assert "排名第1位（共1人）" in reply
    with stack.services.db() as session:
        assert session.scalar(select(func.count()).select_from(QuizAnswer)) == 10


def test_answers_are_read_in_a_phones_spellings_and_anything_else_asks_again(make_stack):
    stack = quiz_stack(make_stack)
    begin(stack, "oPhone")
    seen = 0
    while seen < 10:
        right = right_answer(stack, "oPhone")
        asked = attempt_of(stack, "oPhone")
        again = stack.say("oPhone", "嗯？")  # no answer: asked again, nothing stored
        assert "这不是本题的答案格式，本题重新计时" in again
        assert attempt_of(stack, "oPhone").position == asked.position
        if right in ("对", "错"):
            typed = {"对": "√", "错": "×"}[right]
        else:  # full-width, lower case, reversed, with separators
            typed = "、".join(chr(ord(letter) + 0xFEE0) for letter in reversed(right)).lower()
        reply = stack.say("oPhone", typed)
        seen += 1
    assert "得分：100.0分" in reply
    with stack.services.db() as session:
        assert session.scalar(select(func.count()).select_from(QuizAnswer)) == 10


def test_a_late_answer_is_marked_late_and_a_slow_reask_costs_nothing(make_stack):
    stack = quiz_stack(make_stack)
    begin(stack, "oSlow")
    stack.services.clock.advance(61)  # the answer reaches the server 61 s after the question
    stack.say("oSlow", right_answer(stack, "oSlow"))
    stack.services.clock.advance(50)
    stack.say("oSlow", "？")  # asked again at 50 s: its time starts again
    stack.services.clock.advance(50)
    stack.say("oSlow", right_answer(stack, "oSlow"))  # 50 s after the re-ask: in time
    with stack.services.db() as session:
        answers = session.scalars(select(QuizAnswer).order_by(QuizAnswer.position)).all()
    assert [(a.late, a.correct) for a in answers] == [(True, False), (False, True)]
    assert float(answers[0].seconds) >= 61 and 49 <= float(answers[1].seconds) < 52


def test_a_retried_answer_counts_once(make_stack):
    stack = quiz_stack(make_stack)
    begin(stack, "oRetry")
    user = stack.bot.user(openid="oRetry")
    delivery = user.build("text", Content=wrong_answer(stack, "oRetry"))
    first = user.deliver(delivery).content
    redis = stack.services.redis
    redis.delete(*redis.keys("inbound:*"), *redis.keys("signed-request:*"))  # reply forgotten
    again = user.deliver(delivery).content
    assert "第2/10题" in first and "第2/10题" in again
    attempt = attempt_of(stack, "oRetry")
    assert attempt.position == 1
    with stack.services.db() as session:
        assert session.scalar(select(func.count()).select_from(QuizAnswer)) == 1


def test_cancel_ends_the_attempt_and_it_counts(make_stack):
    stack = quiz_stack(make_stack)
    begin(stack, "oQuit")
    for _ in range(3):
        stack.say("oQuit", right_answer(stack, "oQuit"))
    ended = stack.say("oQuit", "取消")
    assert "本次答题已结束（取消）" in ended and "答对3/10题" in ended and "30.0分" in ended
    assert "今天还可再答2次" in ended
    assert attempt_of(stack, "oQuit") is None  # nothing in progress
    assert "排名第1位" in ended


def test_three_attempts_a_day_then_tomorrow_again(make_stack):
    stack = quiz_stack(make_stack)
    begin(stack, "oKeen")
    for _ in range(3):
        stack.say("oKeen", "取消")
        reply = stack.say("oKeen", "答题")
    assert "今天的3次答题机会已经用完" in reply
    stack.services.clock.advance(24 * 3600)
    assert "本次答题开始" in stack.say("oKeen", "答题")


def test_one_attempt_at_a_time_answering_resumes_it(make_stack):
    stack = quiz_stack(make_stack)
    begin(stack, "oTwice")
    stack.say("oTwice", right_answer(stack, "oTwice"))
    again = stack.say("oTwice", "答题")
    assert "第2/10题" in again and "本次答题开始" not in again
    stack.services.sessions.clear("oTwice")  # a lost session: the attempt is in the database
    assert "继续刚才的答题" in stack.say("oTwice", "答题")


def test_outside_the_window_the_dates_are_given(make_stack):
    early = quiz_stack(make_stack, now="2022-09-01T10:00:00")
    early.follower("oEarly")
    assert "将于2022年9月8日 00:00开始" in early.say("oEarly", "答题")
    early.services.clock.jump_to("2022-10-01T10:00:00")
    assert "已于2022年9月30日 23:59结束" in early.say("oEarly", "答题")


def test_chat_words_inside_the_quiz_and_the_quiz_inside_registration(make_stack):
    stack = quiz_stack(make_stack)
    begin(stack, "oWords")
    rules = stack.say("oWords", "规则")
    assert "【知识竞赛】" in rules and "第1/10题" in rules
    stack.follower("oEntrant")
    stack.say("oEntrant", "报名")
    busy = stack.say("oEntrant", "答题")
    assert "请先完成当前步骤" in busy


def test_shandong_shows_each_answer_with_its_explanation(make_stack):
    stack = quiz_stack(make_stack, contest="shandong-2024-quality-month",
                       now="2024-09-10T10:00:00")
    begin(stack, "oLearner", ("李四", "济南市某检测有限公司", "济南"))
    right = stack.say("oLearner", right_answer(stack, "oLearner"))
    assert right.startswith("✓ 上一题回答正确！") and "解析：" in right and "第2/10题" in right
    wrong = stack.say("oLearner", wrong_answer(stack, "oLearner"))
    assert wrong.startswith("✗ 上一题回答错误，正确答案：") and "第3/10题" in wrong
