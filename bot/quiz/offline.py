"""The offline half: scores of the paper (线下) quiz, imported from .xlsx (姓名, 单位, 城市, 分数)
into the same rankings, marked offline. An import replaces the previous offline list (the
sheet is the whole list), all or nothing: one bad row and nothing changes."""
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot import audit
from bot.models.quiz import AttemptState, QuizAttempt, QuizParticipant
from bot.quiz.bank import BankError, cell_text
from bot.quiz.people import check_profile_answer, local_day
from bot.quiz.sheets import MAX_ROWS

HEADERS = ("姓名", "单位", "城市", "分数")


def parse_offline(contest, rows: list[tuple]) -> list[dict]:
    """Checked rows {name, unit, city, score}; BankError naming each bad row and column."""
    header = next((i for i, row in enumerate(rows[:5])
                   if {"姓名", "分数"} <= {cell_text(c) for c in row}), None)
    if header is None:
        raise BankError([f"表头须包含：{'、'.join(HEADERS)}。"])
    names = [cell_text(cell) for cell in rows[header]]
    missing = [name for name in HEADERS if name not in names]
    if missing:
        raise BankError([f"表头缺少以下列：{'、'.join(missing)}。"])
    columns = {name: names.index(name) for name in HEADERS}
    body = rows[header + 1:]
    if len(body) > MAX_ROWS:
        raise BankError([f"线下成绩一次最多导入{MAX_ROWS}行，这个文件有{len(body)}行以上，"
                         "请分成几个文件。"])
    checked: list[dict] = []
    errors: list[str] = []
    seen: dict[tuple, int] = {}
    for number, row in enumerate(body, header + 2):
        values = {name: cell_text(row[i]) if i < len(row) else "" for name, i in columns.items()}
        if not any(values.values()):
            continue
        person = (values["姓名"], values["单位"], values["城市"])
        if person in seen:
            errors.append(f"第{number}行「姓名」：与第{seen[person]}行是同一个人"
                          "（姓名、单位、城市相同）。")
        seen.setdefault(person, number)
        checked.append(_row(contest, number, values, errors))
    if not checked and not errors:
        errors.append("表格里没有成绩。")
    if errors:
        raise BankError(errors)
    return checked


def _row(contest, number: int, values: dict, errors: list) -> dict:
    row: dict[str, object] = {}
    for field, column in (("name", "姓名"), ("unit", "单位"), ("city", "城市")):
        value, reason = check_profile_answer(contest, field, values[column])
        if reason:
            errors.append(f"第{number}行「{column}」：“{values[column][:20]}”不可用（"
                          + {"length": "长度不对", "digits": "不能有数字",
                             "not_a_city": "不是本赛的城市"}[reason] + "）。")
        row[field] = value or ""
    try:
        score = Decimal(values["分数"])
        if not Decimal(0) <= score <= Decimal(100):
            raise InvalidOperation
        row["score"] = score.quantize(Decimal("0.1"))
    except InvalidOperation:
        errors.append(f"第{number}行「分数」：请填0到100之间的数。")
    return row


def import_offline(session: Session, contest, rows: list[dict], actor: str,
                   at: datetime) -> int:
    """Replace the contest's offline scores with these rows; how many were imported."""
    old = select(QuizParticipant.id).where(QuizParticipant.contest_id == contest.id,
                                           QuizParticipant.source == "offline")
    session.execute(delete(QuizAttempt).where(QuizAttempt.participant_id.in_(old)))
    session.execute(delete(QuizParticipant).where(QuizParticipant.id.in_(old)))
    for row in rows:
        person = QuizParticipant(contest_id=contest.id, openid=None, name=row["name"],
                                 unit=row["unit"], city=row["city"], source="offline",
                                 created_at=at)
        session.add(person)
        session.flush()
        session.add(QuizAttempt(contest_id=contest.id, participant_id=person.id, drawn=[],
                                state=AttemptState.OFFLINE.value, day=local_day(contest, at),
                                position=0, started_at=at, finished_at=at,
                                score=row["score"]))
    audit.record(session, actor, "quiz.offline_imported", "contest", contest.id, at,
                 rows=len(rows))
    return len(rows)
