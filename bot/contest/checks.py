"""Rules that span several parts of a contest (order of phases, references between keys).

Each check raises ConfigProblem with the key path that breaks the rule, e.g. "phases[1].end".
"""
from bot.contest.quiz_rules import shipped_bank_path
from bot.contest.schema import PERSONAL_ROLES, PERSONAL_TYPES, ConfigProblem

LISTS_WITH_IDS = ("phases", "eligibility", "entrant_kinds", "form", "categories", "pledges",
                  "awards", "notices")


def check_contest(contest) -> None:
    """Run every cross-reference check on a validated contest."""
    _check_unique_ids(contest)
    _check_phases(contest)
    _check_entries(contest)
    _check_storage(contest)
    _check_kind_refs(contest)
    _check_form(contest)
    _check_voting_and_scoring(contest)
    _check_awards(contest)
    _check_notices(contest)
    _check_quiz(contest)


def _check_unique_ids(contest) -> None:
    lists = [(name, getattr(contest, name)) for name in LISTS_WITH_IDS]
    if contest.scoring is not None:
        lists.append(("scoring.criteria", contest.scoring.criteria))
    for name, items in lists:
        seen = set()
        for index, item in enumerate(items):
            if item.id in seen:
                raise ConfigProblem(f"{name}[{index}].id", f"duplicate id {item.id!r}")
            seen.add(item.id)


def _check_phases(contest) -> None:
    previous = None
    for index, phase in enumerate(contest.phases):
        if phase.end <= phase.start:
            raise ConfigProblem(f"phases[{index}].end", f"ends ({phase.end:%Y-%m-%d %H:%M:%S}) "
                                f"before it starts ({phase.start:%Y-%m-%d %H:%M:%S})")
        if previous is not None and phase.start <= previous.end:
            raise ConfigProblem(f"phases[{index}].start", f"starts "
                                f"({phase.start:%Y-%m-%d %H:%M:%S}) before phase "
                                f"{previous.id!r} ends ({previous.end:%Y-%m-%d %H:%M:%S}); "
                                f"list phases in order, without overlaps")
        previous = phase


def _check_storage(contest) -> None:
    cap = contest.entrant_limits.max_storage_mb
    files = [(None, contest.video_rules)] + [(c.id, contest.video_rules_for(c.id))
                                             for c in contest.categories]
    for category, rules in files:
        if rules.max_file_mb is not None and rules.max_file_mb > cap:
            raise ConfigProblem("entrant_limits.max_storage_mb",
                                f"{cap} MB is less than one file of {rules.max_file_mb:g} MB "
                                f"(max_file_mb{' of ' + category if category else ''})")


def _check_entries(contest) -> None:
    if contest.phase("collection") is None:
        for name in ("entrant_kinds", "form", "categories", "pledges", "eligibility"):
            if getattr(contest, name):
                raise ConfigProblem(name, "the contest has no 'collection' phase, so it takes "
                                    "no entries; remove this key or add the phase")
        return
    for name in ("entrant_kinds", "categories"):
        if not getattr(contest, name):
            raise ConfigProblem(name, "a contest with a 'collection' phase needs at least one")
    if not any(field.role == "title" for field in contest.form):
        raise ConfigProblem("form", "needs a field with role: title (the work's name)")


def _refs(key: str, names, known, what: str) -> None:
    for position, name in enumerate(names):
        if name not in known:
            raise ConfigProblem(f"{key}[{position}]", f"no {what} has id {name!r} "
                                f"(known: {', '.join(sorted(known)) or 'none'})")


def _check_kind_refs(contest) -> None:
    kinds = {kind.id for kind in contest.entrant_kinds}
    for key in ("eligibility", "pledges", "form"):
        for index, item in enumerate(getattr(contest, key)):
            _refs(f"{key}[{index}].applies_to_kinds", item.applies_to_kinds, kinds,
                  "entrant kind")


def _check_form(contest) -> None:
    categories = {category.id for category in contest.categories}
    asked: dict[str, str] = {}  # field id -> field type, of the fields before this one
    for index, field in enumerate(contest.form):
        key = f"form[{index}]"
        _refs(f"{key}.applies_to_categories", field.applies_to_categories, categories,
              "category")
        if field.applies_to_categories and "category" not in asked.values():
            raise ConfigProblem(f"{key}.applies_to_categories", "a field of type category must "
                                "come earlier in the form, so the category is known")
        _check_field(contest, key, field, asked)
        asked[field.id] = field.type


def _check_field(contest, key: str, field, asked: dict) -> None:
    if field.type == "choice" and not field.choices:
        raise ConfigProblem(f"{key}.choices", "a choice field needs its choices")
    if field.type != "choice" and field.choices:
        raise ConfigProblem(f"{key}.choices", f"only a choice field has choices "
                            f"(this one is {field.type})")
    if field.type == "category" and "category" in asked.values():
        raise ConfigProblem(f"{key}.type", "the form may ask for the category only once")
    if field.type == "topic":
        if "category" not in asked.values() and len(contest.categories) != 1:
            raise ConfigProblem(f"{key}.type", "a topic field must come after the category field")
        if not any(category.topics for category in contest.categories):
            raise ConfigProblem(f"{key}.type", "no category lists any topics")
    if field.not_before is not None and asked.get(field.not_before) != "date":
        raise ConfigProblem(f"{key}.not_before", f"{field.not_before!r} is not a date field "
                            f"asked earlier in the form")
    for low, high in (("min_length", "max_length"), ("min", "max")):
        if getattr(field, low) is not None and getattr(field, high) is not None \
                and getattr(field, low) > getattr(field, high):
            raise ConfigProblem(f"{key}.{high}", f"is smaller than {low}")
    if field.judge_visible and (field.role in PERSONAL_ROLES or field.type in PERSONAL_TYPES):
        raise ConfigProblem(f"{key}.judge_visible", f"a blind jury may not see "
                            f"{field.role or field.type} fields: they name or reach the entrant")
    if field.pattern is not None and not field.pattern_message:
        raise ConfigProblem(f"{key}.pattern_message", "a pattern needs the message shown to "
                            "the entrant when an answer does not match it")


def _check_voting_and_scoring(contest) -> None:
    if contest.voting is not None and contest.phase(contest.voting.phase) is None:
        raise ConfigProblem("voting.phase", f"no phase has id {contest.voting.phase!r}")
    scoring = contest.scoring
    if scoring is not None and scoring.vote_weight > 0 and contest.voting is None:
        raise ConfigProblem("scoring.vote_weight", "the public vote has weight but the "
                            "contest has no voting section")


def _check_awards(contest) -> None:
    total = 0.0
    for index, award in enumerate(contest.awards):
        if award.ranked_by == "votes" and contest.voting is None:
            raise ConfigProblem(f"awards[{index}].ranked_by", "ranked by votes, but the contest "
                                "has no voting section")
        if award.ranked_by == "score" and contest.scoring is None:
            raise ConfigProblem(f"awards[{index}].ranked_by", "ranked by score, but the "
                                "contest has no scoring section")
        if award.share is not None:
            total += award.share
            if total > 100 + 1e-9:
                raise ConfigProblem(f"awards[{index}].share", f"the shares of the finalists "
                                    f"add up to {total:g}%, more than 100%")


def _check_notices(contest) -> None:
    for index, notice in enumerate(contest.notices):
        if notice.phase is not None and contest.phase(notice.phase) is None:
            raise ConfigProblem(f"notices[{index}].phase", f"no phase has id {notice.phase!r}")


def _check_quiz(contest) -> None:
    quiz = contest.quiz
    if quiz is None:
        return
    if quiz.window.phase and contest.phase(quiz.window.phase) is None:
        raise ConfigProblem("quiz.window.phase", f"no phase with id {quiz.window.phase!r}")
    if quiz.bank and not shipped_bank_path(quiz.bank).is_file():
        raise ConfigProblem("quiz.bank", f"no question bank config/quiz/{quiz.bank}.csv")
