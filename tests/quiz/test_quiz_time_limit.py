"""An attempt at its time limit: closed by the scheduled job, its taker told once; an answer
after the limit closes it too."""
from bot.models.quiz import AttemptState
from bot.queueing import QUIZ_TIMEOUT
from bot.quiz.closing import close_expired_attempt
from tests.quiz_helpers import attempt_of, begin, quiz_stack, right_answer


def test_the_time_limit_job_closes_the_attempt_and_tells_once(make_stack):
    stack = quiz_stack(make_stack)
    begin(stack, "oLate")
    stack.say("oLate", right_answer(stack, "oLate"))
    attempt = attempt_of(stack, "oLate")
    scheduled = stack.services.jobs.scheduled(QUIZ_TIMEOUT).get_job_ids()
    assert scheduled == [f"quiz-timeout-{attempt.id}"]
    assert close_expired_attempt(stack.services, attempt.id) == "later"  # not yet on this clock
    stack.services.clock.advance(601)
    assert close_expired_attempt(stack.services, attempt.id) == "closed"
    assert close_expired_attempt(stack.services, attempt.id) == "over"  # a re-run changes nothing
    told = stack.pushed("oLate")
    assert len(told) == 1 and "答题时间到" in told[0] and "10.0分" in told[0]
    closed = attempt_of(stack, "oLate", AttemptState.TIMED_OUT.value)
    assert closed.correct == 1 and float(closed.duration_s) == 600.0
    assert "本次答题已经结束" in stack.say("oLate", "A")


def test_the_job_on_a_real_worker(make_stack, monkeypatch):
    stack = quiz_stack(make_stack)
    begin(stack, "oWorker")
    attempt = attempt_of(stack, "oWorker")
    stack.services.clock.advance(601)
    monkeypatch.setenv("CONTEST_NOW", stack.services.now().isoformat())  # the worker's clock
    stack.services.jobs.enqueue(QUIZ_TIMEOUT, attempt.id, job_id="quiz-timeout-now")
    stack.run_worker()
    assert attempt_of(stack, "oWorker", AttemptState.TIMED_OUT.value).id == attempt.id
    assert len(stack.pushed("oWorker")) == 1


def test_an_answer_after_the_limit_closes_the_attempt(make_stack):
    stack = quiz_stack(make_stack)
    begin(stack, "oSlowpoke")
    stack.services.clock.advance(605)
    reply = stack.say("oSlowpoke", right_answer(stack, "oSlowpoke"))
    assert "答题时间到" in reply and "0.0分" in reply
