"""An attempt at its time limit: the scheduled job closes it and tells its taker once."""
import logging

from bot.chat.render import render_chat
from bot.db import session_scope
from bot.delivery.send import send_text
from bot.models.quiz import QuizAttempt
from bot.queueing import QUIZ_TIMEOUT
from bot.quiz.attempts import close_if_expired
from bot.quiz.standing import standing_context
from bot.quiz.timing import due_real_instant
from bot.wechat.client import make_api

log = logging.getLogger(__name__)


def close_expired_attempt(services, attempt_id: int) -> str:
    """'closed' (and the taker told), 'later' (planned again: this clock is not there yet), or
    'over' (the attempt had ended)."""
    result, due = close_if_expired(services, attempt_id)
    if due is not None:
        at = due_real_instant(due, services.now())
        services.jobs.enqueue_at(QUIZ_TIMEOUT, at, attempt_id,
                                 job_id=f"quiz-timeout-{attempt_id}-at-{at.timestamp():.0f}")
        return "later"
    if result is None:
        return "over"
    with session_scope(services.db) as session:
        attempt = session.get(QuizAttempt, attempt_id)
        openid, participant_id = attempt.participant.openid, attempt.participant_id
        context = standing_context(session, services.contest, participant_id)
    text = render_chat(services.chat_env, "quiz_timed_out",
                       {"contest": services.contest, "quiz": services.contest.quiz,
                        "result": result, **context})
    outcome = send_text(services, make_api(services), openid, text, purpose="quiz:timeout",
                        key=f"quiz-timeout:{attempt_id}")
    log.info("quiz attempt %s closed at its time limit: %s", attempt_id, outcome)
    return "closed"
