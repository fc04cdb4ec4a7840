"""答题 (the knowledge quiz) in chat, declared as a state table: the profile asked once, then
one question at a time until the last answer, 取消 or the time limit; 排名 and 解析 beside it.

The attempt lives in the database (bot.quiz); the session only holds its id, so a lost
session resumes the attempt at the next 答题.
"""
from bot.chat.conversation import END, STAY, Conversation, Route, Step, any_text, prefix, words
from bot.db import session_scope
from bot.quiz import answering, attempts
from bot.quiz.people import (
    OPEN,
    allowance,
    check_profile_answer,
    local_day,
    missing_fields,
    participant_of,
    save_participant,
    window_at,
)
from bot.quiz.review import review_pages
from bot.quiz.standing import standing_context
from handlers import common
from handlers.phase_guide import stage_of

PROFILE, ANSWERING = "QUIZ_PROFILE", "QUIZ_ANSWERING"
QUIZ_WORDS = ("答题", "开始答题", "我要答题", "参加答题", "知识竞赛")
RANKING_WORDS = ("排名", "答题排名", "竞赛排名", "知识竞赛排名")
REVIEW_WORD = "解析"


def start_quiz(turn) -> Step:
    """答题: in the window, ask the profile once, then start (or resume) an attempt."""
    services, contest = turn.services, turn.services.contest
    if contest.quiz is None:
        return Step(END, "quiz_none", {"stage": stage_of(turn)})
    window = window_at(contest, services.now())
    if window.state != OPEN:
        return Step(END, "quiz_window", {"window": window, "quiz": contest.quiz,
                                         "stage": stage_of(turn)})
    with session_scope(services.db) as session:
        participant = participant_of(session, contest.id, turn.openid)
        missing = missing_fields(contest, participant)
        ongoing = attempts.in_progress_id(session, participant.id) if participant else None
    turn.data.clear()
    if ongoing:
        return _resume(turn, ongoing)
    if missing:
        turn.data.update(profile={}, field=missing[0], missing=missing)
        return Step(PROFILE, "quiz_profile_prompt", _profile_context(turn, first=True))
    return _begin(turn, _participant_id(turn, {}))


def receive_profile_answer(turn) -> Step:
    """姓名, 单位, 城市: each checked, then the attempt starts."""
    contest, field = turn.services.contest, turn.data["field"]
    value, reason = check_profile_answer(contest, field, turn.text)
    if reason:
        return Step(STAY, "quiz_profile_prompt", _profile_context(turn, reason=reason))
    turn.data["profile"][field] = value
    asked = turn.data.get("missing") or list(contest.quiz.participants.ask)
    left = [name for name in asked if name not in turn.data["profile"]]
    if left:
        turn.data["field"] = left[0]
        return Step(PROFILE, "quiz_profile_prompt", _profile_context(turn))
    turn.data.pop("missing", None)
    return _begin(turn, _participant_id(turn, turn.data.pop("profile")))


def receive_answer(turn) -> Step:
    """An answer to the pending question; anything unreadable asks it again."""
    quiz = turn.services.contest.quiz
    outcome = answering.answer(turn.services, turn.data["attempt"], turn.text, _msg_id(turn))
    if outcome.status in ("finished", "timed_out", "over"):
        return _result(turn, outcome.result, outcome.status, marked=outcome.marked)
    marked = outcome.marked if quiz.show_answers == "after_each" else None
    template = "quiz_unreadable" if outcome.status == "unreadable" else "quiz_question"
    return Step(ANSWERING, template, {"asked": outcome.asked, "marked": marked, "quiz": quiz})


def cancel_quiz(turn) -> Step:
    """取消: an attempt ends now (it counts); a profile half given is dropped."""
    if turn.state != ANSWERING or "attempt" not in turn.data:
        return Step(END, "cancelled", {})
    result = attempts.cancel(turn.services, turn.data["attempt"])
    return _result(turn, result, "cancelled" if result else "over")


def reprompt(turn) -> Step:
    """The pending question again (after 帮助, another chat word, or a pause)."""
    if turn.state == PROFILE:
        return Step(STAY, "quiz_profile_prompt", _profile_context(turn))
    asked = attempts.current_question(turn.services, turn.data["attempt"])
    if asked is None:
        return Step(END, "quiz_over", {})
    return Step(STAY, "quiz_question", {"asked": asked, "marked": None,
                                        "quiz": turn.services.contest.quiz})


def quiz_word_elsewhere(turn) -> Step:
    """答题 inside the quiz resumes it; inside another conversation it waits for that one."""
    if turn.conversation is QUIZ:
        return reprompt(turn)
    return common.then_pending_question(turn, (("quiz_finish_first", {}),))


def show_ranking(turn) -> Step:
    """排名: the top of the quiz ranking and where the person and their unit stand."""
    contest = turn.services.contest
    with session_scope(turn.services.db) as session:
        participant = participant_of(session, contest.id, turn.openid)
        context = standing_context(session, contest, participant.id if participant else None)
    return Step(END, "quiz_ranking", {**context, "quiz": contest.quiz,
                                      "board_url": board_url(turn.services.settings)})


def show_review(turn) -> Step:
    """解析 (or 解析 2): the right answers and explanations of the person's last attempt."""
    text = turn.text.strip().removeprefix(REVIEW_WORD).strip()
    page = int(text) if text.isdigit() else 1
    with session_scope(turn.services.db) as session:
        pages = review_pages(session, turn.services.contest, turn.openid)
    if not pages:
        return Step(END, "quiz_review_none", {"quiz": turn.services.contest.quiz})
    page = min(max(page, 1), len(pages))
    return Step(END, "quiz_review", {"items": pages[page - 1], "page": page,
                                     "pages": len(pages)})


def board_url(settings) -> str:
    """The public leaderboard page."""
    return settings["PUBLIC_BASE_URL"].rstrip("/") + "/h5/quiz"


def _begin(turn, participant_id: int) -> Step:
    services, quiz = turn.services, turn.services.contest.quiz
    with session_scope(services.db) as session:
        left = allowance(session, quiz, participant_id, local_day(services.contest,
                                                                  services.now()))
    if not left.any_left:
        return Step(END, "quiz_no_attempts", {"quiz": quiz, "left": left})
    try:
        attempt_id, asked = attempts.start_attempt(services, participant_id)
    except attempts.AttemptInProgress as ongoing:
        return _resume(turn, ongoing.attempt_id)
    turn.data.clear()
    turn.data["attempt"] = attempt_id
    return Step(ANSWERING, "quiz_started", {
        "asked": asked, "marked": None, "quiz": quiz, "left_today": left.today - 1,
        "window": window_at(services.contest, services.now())})


def _resume(turn, attempt_id: int) -> Step:
    turn.data["attempt"] = attempt_id
    asked = attempts.current_question(turn.services, attempt_id)
    if asked is None:
        return Step(END, "quiz_over", {})
    return Step(ANSWERING, "quiz_question", {"asked": asked, "marked": None, "resumed": True,
                                            "quiz": turn.services.contest.quiz})


def _result(turn, result, status: str, marked=None) -> Step:
    contest = turn.services.contest
    with session_scope(turn.services.db) as session:
        participant = participant_of(session, contest.id, turn.openid)
        context = standing_context(session, contest, participant.id if participant else None)
        left = allowance(session, contest.quiz, participant.id if participant else None,
                         local_day(contest, turn.services.now()))
    return Step(END, "quiz_result", {
        **context, "result": result, "status": status, "quiz": contest.quiz, "left": left,
        "marked": marked if contest.quiz.show_answers == "after_each" else None})


def _participant_id(turn, profile: dict) -> int:
    with session_scope(turn.services.db) as session:
        participant = save_participant(session, turn.services.contest.id, turn.openid, profile,
                                       turn.services.now())
        session.flush()
        return participant.id


def _profile_context(turn, reason: str | None = None, first: bool = False) -> dict:
    contest = turn.services.contest
    return {"field": turn.data["field"], "reason": reason, "first": first, "quiz": contest.quiz,
            "window": window_at(contest, turn.services.now())}


def _msg_id(turn) -> str:
    message_id = getattr(turn.message, "id", None)
    return str(message_id) if message_id else ""


def _has_quiz(matcher):
    return lambda turn: turn.services.contest.quiz is not None and matcher(turn)


QUIZ = Conversation(
    name="quiz",
    entry_points=[Route(words(*QUIZ_WORDS), start_quiz, to=(PROFILE, ANSWERING))],
    states={
        PROFILE: [Route(any_text(), receive_profile_answer, to=(PROFILE, ANSWERING))],
        ANSWERING: [Route(any_text(), receive_answer, to=(ANSWERING,))],
    },
    reprompt=reprompt,
    on_cancel=cancel_quiz,
)
QUIZ_COMMANDS = [
    Route(_has_quiz(words(*RANKING_WORDS)), show_ranking),
    Route(_has_quiz(words(REVIEW_WORD)), show_review),
    Route(_has_quiz(prefix(REVIEW_WORD)), show_review),
]
QUIZ_WORDS_ELSEWHERE = Route(words(*QUIZ_WORDS), quiz_word_elsewhere)
