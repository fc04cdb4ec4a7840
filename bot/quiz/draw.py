"""The questions of an attempt: drawn at random from the bank by the contest's rules, but
reproducible from the attempt's stored seed (an organizer can see exactly what was asked).

Types get exactly their counts; categories get as close to theirs as the bank allows: a first
pass takes questions whose category still has room, a second fills what is left. The questions
and each question's options come in an order of their own per attempt.
"""
import random
from collections import Counter
from dataclasses import dataclass

from bot.models.quiz import QuestionKind


@dataclass(frozen=True)
class Drawn:
    """One question of an attempt: its id and the order its options are shown in."""

    question: int
    order: tuple[int, ...]  # order[i]: the original option shown as letter i

    def to_json(self) -> dict:
        """As stored in QuizAttempt.drawn."""
        return {"question": self.question, "order": list(self.order)}


def new_seed() -> int:
    """A fresh seed for an attempt (stored with it)."""
    return random.SystemRandom().randrange(1, 2**62)


def draw(seed: int, questions: list, quiz) -> list[Drawn]:
    """The attempt's questions from `questions` (a bank's enabled QuizQuestions)."""
    rng = random.Random(seed)
    pool = sorted(questions, key=lambda question: question.id)
    rng.shuffle(pool)
    chosen = _choose(pool, quiz.questions, quiz.type_counts(), quiz.category_counts())
    rng.shuffle(chosen)
    return [Drawn(question.id, _option_order(rng, question)) for question in chosen]


def _choose(pool: list, total: int, by_type: dict, by_category: dict) -> list:
    type_room = Counter(by_type) if by_type else None
    category_room = Counter(by_category) if by_category else None
    chosen: list = []
    for strict in (True, False):
        for question in pool:
            if len(chosen) == total:
                return chosen
            if question in chosen or (type_room is not None and type_room[question.kind] <= 0):
                continue
            if strict and category_room is not None and category_room[question.category] <= 0:
                continue
            chosen.append(question)
            if type_room is not None:
                type_room[question.kind] -= 1
            if category_room is not None:
                category_room[question.category] -= 1
    return chosen


def _option_order(rng: random.Random, question) -> tuple[int, ...]:
    if question.kind == QuestionKind.JUDGE:
        return ()
    order = list(range(len(question.options)))
    rng.shuffle(order)
    return tuple(order)
