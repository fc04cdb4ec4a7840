"""解析: a person's last ended attempt, question by question (their answer, the right one, the
explanation), cut into pages that each fit one passive reply."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models.quiz import AttemptState, QuizAnswer, QuizAttempt, QuizParticipant
from bot.quiz.answers import shown_options, to_shown_letters

PAGE_BYTES = 1500  # a passive reply holds about 2000 bytes; the page's frame takes the rest
STEM_CHARS = 60


def review_pages(session: Session, contest, openid: str) -> list[list[dict]]:
    """The items of the person's last ended attempt, in pages (empty: no attempt yet)."""
    attempt = session.scalars(
        select(QuizAttempt).join(QuizParticipant)
        .where(QuizParticipant.contest_id == contest.id, QuizParticipant.openid == openid,
               QuizAttempt.state.not_in([AttemptState.IN_PROGRESS.value,
                                         AttemptState.OFFLINE.value]))
        .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc()).limit(1)).first()
    if attempt is None:
        return []
    items = [_item(answer, attempt.drawn[answer.position]["order"]) for answer in
             session.scalars(select(QuizAnswer).where(QuizAnswer.attempt_id == attempt.id)
                             .order_by(QuizAnswer.position))]
    return _pages(items)


def _item(answer: QuizAnswer, order: list[int]) -> dict:
    question = answer.question
    stem = question.stem if len(question.stem) <= STEM_CHARS else question.stem[:STEM_CHARS] + "…"
    right = to_shown_letters(question.answer, order)
    options = dict(shown_options(question.options, order))
    return {"number": answer.position + 1, "kind": question.kind, "stem": stem,
            "given": to_shown_letters(answer.given, order) if answer.given else "",
            "right": right, "right_text": "；".join(options[letter] for letter in right
                                                   if letter in options),
            "correct": answer.correct, "late": answer.late,
            "disabled": question.disabled_at is not None, "explanation": question.explanation}


def _pages(items: list[dict]) -> list[list[dict]]:
    pages: list[list[dict]] = [[]]
    used = 0
    for item in items:
        size = sum(len(str(value).encode("utf-8")) for value in item.values()) + 60
        if pages[-1] and used + size > PAGE_BYTES:
            pages.append([])
            used = 0
        pages[-1].append(item)
        used += size
    return pages
