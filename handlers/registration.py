"""The entry conversation (报名), declared as a state table and driven by the contest YAML.

Eligibility questions, the entrant kind, the form fields, the pledges, a summary that can be
edited, and confirmation. The draft lives in the session: whatever is still missing is asked
next, so resuming, editing and a changed category all follow from `ask_next`.
"""
from bot.chat.conversation import END, STAY, Conversation, Route, Step, any_text, words
from handlers import registration_flow as flow
from handlers.phase_guide import stage_of

ELIGIBILITY, KIND, FORM, PLEDGE, SUMMARY = "ELIGIBILITY", "KIND", "FORM", "PLEDGE", "SUMMARY"
# ask_next goes to whichever of these the draft still misses (the summary once nothing is).
NEXT_MISSING = (ELIGIBILITY, KIND, FORM, PLEDGE, SUMMARY)
ENTRY_WORDS = ("报名", "我要报名", "参赛", "我要参赛")


def start_registration(turn) -> Step:
    """报名: outside the collection phase say when it runs; else begin with the first question."""
    closed = flow.collection_closed(turn)
    if closed:
        return Step(END, "registration_closed", {**closed, "stage": stage_of(turn)})
    turn.data.clear()
    turn.data.update(passed=[], kind=None, answers={}, displays={}, pledged=[], field=None)
    return ask_next(turn, before=(("registration_started", flow.overview(turn)),))


def ask_next(turn, before=()) -> Step:
    """The next thing still missing from the draft, or the summary when nothing is."""
    contest, data = turn.services.contest, turn.data
    question = flow.pending_question(contest, data)
    if question is not None:
        data["question"] = question.id
        return Step(ELIGIBILITY, "eligibility_question", flow.question_context(turn, question),
                    before)
    if data["kind"] is None:
        return Step(KIND, "kind_question", {"kinds": contest.entrant_kinds}, before)
    field = flow.pending_field(contest, data)
    if field is not None:
        data["field"] = field.id
        return Step(FORM, "field_prompt", flow.field_context(turn, field), before)
    pledge = flow.pending_pledge(contest, data)
    if pledge is not None:
        data["pledge"] = pledge.id
        return Step(PLEDGE, "pledge_prompt", {"pledge": pledge}, before)
    data["field"] = None
    return Step(SUMMARY, "summary", flow.summary_context(turn), before)


def receive_eligibility_answer(turn) -> Step:
    """是/否 to an eligibility question; the failing answer ends with the notice's reason."""
    question = flow.current_question(turn)
    yes = flow.yes_no(turn.text)
    if yes is None:
        return Step(STAY, "eligibility_question",
                    {**flow.question_context(turn, question), "retry": True})
    if yes != question.pass_answer:
        flow.log_refusal(turn, "eligibility", question.id)
        return Step(END, "eligibility_failed", {"question": question,
                                                "reason": flow.failure_reason(question)})
    turn.data["passed"].append(question.id)
    return ask_next(turn)


def receive_kind(turn) -> Step:
    """个人 or 团体/单位, by number or name; a kind at its entry limit is refused."""
    kinds = turn.services.contest.entrant_kinds
    index = flow.choice_index(turn.text, [kind.name for kind in kinds])
    if index is None:
        return Step(STAY, "kind_question", {"kinds": kinds, "retry": True})
    limit = flow.limit_reached(turn, kinds[index])
    if limit:
        return Step(END, "entry_limit_reached", limit)
    turn.data["kind"] = kinds[index].id
    return ask_next(turn)


def receive_field_answer(turn) -> Step:
    """One form answer, checked at once; a refusal says why and asks again."""
    field = turn.services.contest.field(turn.data["field"])
    answer = flow.check_answer(turn, field)
    if not answer.ok:
        return Step(STAY, "field_refused",
                    {**flow.field_context(turn, field), **answer.context, "reason": answer.reason})
    turn.data["answers"][field.id] = answer.value
    turn.data["displays"][field.id] = answer.display
    return ask_next(turn)


def receive_pledge_answer(turn) -> Step:
    """同意 accepts the pledge in full; refusing it ends the registration."""
    pledge = flow.current_pledge(turn)
    agreed = flow.agrees(turn.text)
    if agreed is None:
        return Step(STAY, "pledge_prompt", {"pledge": pledge, "retry": True})
    if not agreed:
        return Step(END, "pledge_declined", {"pledge": pledge})
    turn.data["pledged"].append(pledge.id)
    return ask_next(turn)


def receive_summary_command(turn) -> Step:
    """确认 submits the entry; 改 N edits field N and comes back here; anything else re-shows."""
    if flow.is_confirm(turn.text):
        return confirm(turn)
    field = flow.field_to_edit(turn)
    if field is None:
        return Step(STAY, "summary", {**flow.summary_context(turn), "retry": True,
                                      "asked_number": flow.edit_number(turn.text)})
    turn.data["field"] = field.id
    return Step(FORM, "field_prompt", {**flow.field_context(turn, field), "editing": True})


def confirm(turn) -> Step:
    """确认: re-check the deadline and related dates, then store the entry with its code."""
    closed = flow.collection_closed(turn)
    if closed:
        return Step(END, "registration_closed", {**closed, "at_confirm": True})
    broken = flow.broken_relation(turn)
    if broken is not None:
        field, answer = broken
        turn.data["answers"].pop(field.id)
        return ask_next(turn, before=(("answer_refused", {"field": field, "reason": answer.reason,
                                                          **answer.context}),))
    return flow.store_entry(turn)


def reprompt(turn) -> Step:
    """Ask the question of the current state again (after 帮助, a pause, or a kept draft)."""
    if turn.state == FORM and turn.data.get("field"):
        return Step(STAY, "field_prompt",
                    flow.field_context(turn, turn.services.contest.field(turn.data["field"])))
    return ask_next(turn)


REGISTRATION = Conversation(
    name="registration",
    entry_points=[Route(words(*ENTRY_WORDS), start_registration, to=NEXT_MISSING)],
    states={
        ELIGIBILITY: [Route(any_text(), receive_eligibility_answer, to=NEXT_MISSING)],
        KIND: [Route(any_text(), receive_kind, to=NEXT_MISSING)],
        FORM: [Route(any_text(), receive_field_answer, to=NEXT_MISSING)],
        PLEDGE: [Route(any_text(), receive_pledge_answer, to=NEXT_MISSING)],
        SUMMARY: [Route(any_text(), receive_summary_command, to=NEXT_MISSING)],
    },
    reprompt=reprompt,
    confirm_cancel=True,
)
