"""投票, 投票 <编号> and 排行 in chat: the same rules as the gallery page (bot.voting.cast_vote)."""
import re
from typing import Any

from bot import voting as votes
from bot.chat.conversation import END, Route, Step, normalize_text, words
from bot.db import session_scope
from handlers.phase_guide import stage_of

STANDINGS_TOP = 10
VOTE_WORD = "投票"
# 投票 101, 投票101, 投票：101, 投票 第101号, 投票 #101 (full-width forms are folded first)
_VOTE_WITH_CODE = re.compile(r"^投票\s*[:：#]?\s*(?:编号|第)?\s*(\S.*?)\s*号?$")

# One chat template per outcome of cast_vote.
OUTCOME_TEMPLATES = {
    votes.RECORDED: "vote_recorded",
    votes.ALREADY_VOTED: "vote_already",
    votes.NO_VOTING: "vote_none",
    votes.NOT_YET: "vote_not_yet",
    votes.CLOSED: "vote_closed",
    votes.NOT_FOLLOWING: "vote_follow_first",
    votes.UNKNOWN_ENTRY: "vote_unknown_entry",
    votes.NOT_VOTABLE: "vote_not_votable",
}


def gallery_url(settings) -> str:
    """The gallery page's public address."""
    return settings["PUBLIC_BASE_URL"].rstrip("/") + "/h5/gallery"


def _vote_with_code(turn) -> bool:
    if turn.msg_type != "text":
        return False
    text = normalize_text(turn.text)
    return text.startswith(VOTE_WORD) and len(text) > len(VOTE_WORD)


def code_in(text: str) -> str | None:
    """The code in '投票 101' (full-width digits, '第…号' and a colon allowed), or None."""
    match = _VOTE_WITH_CODE.match(normalize_text(text))
    if not match:
        return None
    code = votes.normalize_code(match.group(1))
    return code if re.fullmatch(r"\d{1,9}", code) else None


def how_to_vote(turn) -> Step:
    """投票: how to vote, the window, the gallery link (or: this contest has no public vote)."""
    info = votes.window(turn.services.contest, turn.services.now())
    if info.state == votes.NO_VOTING:
        return Step(END, "vote_none", {"stage": stage_of(turn)})
    return Step(END, "vote_how", {"info": info, "voting": info.voting, "phase": info.phase,
                                  "gallery_url": gallery_url(turn.services.settings),
                                  "stage": stage_of(turn)})


def vote(turn) -> Step:
    """投票 <编号>: cast the vote and say what happened."""
    code = code_in(turn.text)
    if code is None:
        info = votes.window(turn.services.contest, turn.services.now())
        if info.state == votes.NO_VOTING:
            return Step(END, "vote_none", {"stage": stage_of(turn)})
        return Step(END, "vote_code_unclear", {"text": normalize_text(turn.text)[:20],
                                               "gallery_url": gallery_url(turn.services.settings)})
    with turn.services.db_engine.begin() as connection:  # Core: the vote is on the hot path
        outcome = votes.cast_vote(connection, turn.services.contest, turn.openid, code,
                                  turn.services.now(), "chat")
    context: dict[str, Any] = {"outcome": outcome, "voting": outcome.voting, "phase": outcome.phase,
               "gallery_url": gallery_url(turn.services.settings)}
    if outcome.status in (votes.NOT_YET, votes.CLOSED, votes.NO_VOTING):
        context["stage"] = stage_of(turn)  # out of the window: say what runs now instead
    return Step(END, OUTCOME_TEMPLATES[outcome.status], context)


def show_standings(turn) -> Step:
    """排行: the top entries by valid votes, when the contest shows standings."""
    contest = turn.services.contest
    if contest.voting is None:
        return Step(END, "vote_none", {"stage": stage_of(turn)})
    if not contest.voting.show_standings:
        return Step(END, "standings_hidden", {"phase": contest.phase(contest.voting.phase)})
    with session_scope(turn.services.db) as session:
        lines = votes.standings(session, contest, limit=STANDINGS_TOP)
    info = votes.window(contest, turn.services.now())
    return Step(END, "standings", {"lines": lines, "info": info, "phase": info.phase,
                                   "top": STANDINGS_TOP,
                                   "gallery_url": gallery_url(turn.services.settings)})


def _readable_vote(turn) -> bool:
    return turn.msg_type == "text" and code_in(turn.text) is not None


VOTING_WORDS = [
    Route(words("投票", "我要投票", "怎么投票", "如何投票", "投票方式"), how_to_vote),
    Route(words("排行", "排行榜", "投票排行", "票数", "排名"), show_standings),
]
VOTE_WITH_CODE = Route(_vote_with_code, vote)
# Inside a conversation only a vote with a readable code counts: "投票的意义" stays an answer.
VOTE_WITH_READABLE_CODE = Route(_readable_vote, vote)
VOTING_COMMANDS = VOTING_WORDS + [VOTE_WITH_CODE]
