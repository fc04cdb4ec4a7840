"""What the console flags for a closer look (nothing is refused): a perfect score in an
implausibly short time, and several people of one unit giving the very same answers."""
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from bot.models.quiz import AttemptState, QuizAnswer, QuizAttempt, QuizParticipant

FAST_SECONDS_PER_QUESTION = 3  # reading a question takes longer than this
SAME_ANSWERS_LEAST = 3  # people of one unit answering alike
SHARED_LEAST = 5  # questions two attempts must share to be compared
WRONG_LEAST = 2  # identical wrong answers among them (right answers alike prove nothing)


@dataclass(frozen=True)
class Signal:
    """One flag: its kind (fast_perfect, same_answers), the unit, and the attempts it names."""

    kind: str
    unit: str
    attempts: tuple[int, ...]
    people: tuple[str, ...]
    detail: str


def signals(session: Session, contest) -> list[Signal]:
    """Every flag of the contest's ended online attempts."""
    ended = (AttemptState.FINISHED.value, AttemptState.CANCELLED.value,
             AttemptState.TIMED_OUT.value)
    attempts = session.execute(
        select(QuizAttempt.id, QuizAttempt.score, QuizAttempt.duration_s, QuizAttempt.drawn,
               QuizParticipant.name, QuizParticipant.unit)
        .join(QuizParticipant, QuizParticipant.id == QuizAttempt.participant_id)
        .where(QuizAttempt.contest_id == contest.id, QuizAttempt.state.in_(ended))).all()
    return _fast_perfect(attempts, contest.quiz) + _same_answers(session, attempts)


def _fast_perfect(attempts: Sequence[Row], quiz) -> list[Signal]:
    limit = quiz.questions * FAST_SECONDS_PER_QUESTION
    return [Signal("fast_perfect", row.unit, (row.id,), (row.name,),
                   f"{float(row.duration_s):g}秒答完{len(row.drawn)}题，满分")
            for row in attempts
            if row.score is not None and row.score >= 100 and row.duration_s is not None
            and float(row.duration_s) < limit]


def _same_answers(session: Session, attempts: Sequence[Row]) -> list[Signal]:
    """People of one unit whose answers agree on every question they were both asked, wrong
    answers included: with random draws, only a shared answer sheet makes that likely."""
    by_id = {row.id: row for row in attempts}
    given: dict[int, dict[int, str]] = defaultdict(dict)
    wrong: dict[int, set[int]] = defaultdict(set)
    for answer in session.execute(select(QuizAnswer.attempt_id, QuizAnswer.question_id,
                                         QuizAnswer.given, QuizAnswer.correct)
                                  .where(QuizAnswer.attempt_id.in_(list(by_id)),
                                         QuizAnswer.given != "")):
        given[answer.attempt_id][answer.question_id] = answer.given
        if not answer.correct:
            wrong[answer.attempt_id].add(answer.question_id)
    by_unit: dict[str, list[int]] = defaultdict(list)
    for attempt_id in given:
        if by_id[attempt_id].unit:
            by_unit[by_id[attempt_id].unit].append(attempt_id)
    flags = []
    for unit, ids in by_unit.items():
        for group in _agreeing(ids, given, wrong):
            people = tuple(sorted({by_id[i].name for i in group}))
            if len(people) >= SAME_ANSWERS_LEAST:
                flags.append(Signal("same_answers", unit, tuple(sorted(group)), people,
                                    f"{len(people)}人在共同答过的题上答案完全相同（含相同的错误答案）"))
    return flags


def _agreeing(ids: list[int], given: dict, wrong: dict) -> list[set[int]]:
    """Groups of attempts linked by pairs that share SHARED_LEAST questions, answer every one
    of them alike, and share WRONG_LEAST identical wrong answers."""
    parent = {attempt_id: attempt_id for attempt_id in ids}

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for index, first in enumerate(ids):
        for second in ids[index + 1:]:
            shared = given[first].keys() & given[second].keys()
            if (len(shared) >= SHARED_LEAST
                    and all(given[first][q] == given[second][q] for q in shared)
                    and len(wrong[first] & wrong[second] & shared) >= WRONG_LEAST):
                parent[root(first)] = root(second)
    groups: dict[int, set[int]] = defaultdict(set)
    for attempt_id in ids:
        groups[root(attempt_id)].add(attempt_id)
    return [group for group in groups.values() if len(group) > 1]
