"""What the quiz tests share: a 广西 2022 stack in the quiz window, and reading an attempt's
right answers from the database the way its taker saw the options."""
from sqlalchemy import select

from bot.models.quiz import AttemptState, QuizAttempt, QuizParticipant, QuizQuestion
from bot.quiz.answers import to_shown_letters

QUIZ_DAY = "2022-09-10T10:00:00"  # 广西 2022: inside the quiz window (9月8日 to 9月30日)
PROFILE = ("张三丰", "广西某某工程监理有限公司", "南宁")


def quiz_stack(make_stack, contest="guangxi-2022", now=QUIZ_DAY, **settings):
    """The shared stack on a contest with a quiz, its clock in the quiz window."""
    return make_stack(contest, now, **settings)


def begin(stack, openid: str, profile=PROFILE) -> str:
    """Follow, send 答题 and give the profile; the reply with the first question."""
    stack.follower(openid)
    reply = stack.say(openid, "答题")
    for answer in profile:
        reply = stack.say(openid, answer)
    return reply


def attempt_of(stack, openid: str, state: str = AttemptState.IN_PROGRESS.value) -> QuizAttempt:
    """The person's newest attempt (in progress by default)."""
    with stack.services.db() as session:
        return session.scalars(
            select(QuizAttempt).join(QuizParticipant)
            .where(QuizParticipant.openid == openid, QuizAttempt.state == state)
            .order_by(QuizAttempt.id.desc())).first()


def right_answer(stack, openid: str) -> str:
    """The right answer to the pending question, in the letters its taker sees (or 对/错)."""
    attempt = attempt_of(stack, openid)
    item = attempt.drawn[attempt.position]
    with stack.services.db() as session:
        question = session.get(QuizQuestion, item["question"])
        return to_shown_letters(question.answer, item["order"])


def wrong_answer(stack, openid: str) -> str:
    """A wrong answer to the pending question."""
    right = right_answer(stack, openid)
    if right in ("对", "错"):
        return "错" if right == "对" else "对"
    return "A" if right != "A" else "B"
