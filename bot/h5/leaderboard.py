"""The knowledge quiz's public leaderboard (GET /h5/quiz, no login), the page the chat's 排名
links to: people (names masked, the top BOARD_SIZE), units and cities, offline rows marked.

Only Standing.public_name leaves this module: a full participant name never reaches the page.
"""
from flask import render_template

from bot.chat.render import cn_duration
from bot.db import session_scope
from bot.h5.blueprint import PageError, h5
from bot.quiz import ranking
from bot.quiz.people import window_at
from bot.quiz.ranking import GroupStanding, Standing
from bot.services import current_services

BOARD_SIZE = 50
WINDOW_STATES = {"open": "进行中", "not_yet": "未开始", "closed": "已结束"}


def person_row(standing: Standing) -> dict:
    """A person as the public page shows them: masked name, unit, city, score, time."""
    duration = standing.duration_s
    return {"rank": standing.rank, "name": standing.public_name, "unit": standing.unit,
            "city": standing.city, "score": f"{standing.score:.1f}",
            "time": cn_duration(float(duration)) if duration is not None else "",
            "offline": standing.offline}


def group_row(group: GroupStanding) -> dict:
    """A unit or a city as the public page shows it."""
    return {"rank": group.rank, "name": group.name, "members": group.members,
            "score": f"{group.score:.1f}"}


def board(session, contest) -> dict:
    """The page's three tables (units empty when the contest ranks none)."""
    everyone = ranking.people(session, contest)
    shown = contest.quiz.ranking
    return {
        "people": [person_row(s) for s in everyone[:BOARD_SIZE]] if shown.people else [],
        "ranked": len(everyone),
        "units": [group_row(g) for g in ranking.units(everyone, shown.units)]
        if shown.units else [],
        "cities": [group_row(g) for g in ranking.cities(everyone)] if shown.cities else [],
    }


@h5.get("/quiz")
def quiz_board():
    """The quiz leaderboard: 个人, 单位, 城市, and the quiz window."""
    services = current_services()
    contest = services.contest
    if contest.quiz is None:
        raise PageError(404, "没有知识竞赛", "本赛事没有举办知识竞赛。")
    window = window_at(contest, services.now())
    with session_scope(services.db) as session:
        tables = board(session, contest)
    return render_template("leaderboard.html", contest=contest, quiz=contest.quiz,
                           window=window, window_state=WINDOW_STATES.get(window.state, ""),
                           board_size=BOARD_SIZE, **tables)
