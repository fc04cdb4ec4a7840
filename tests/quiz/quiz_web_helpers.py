"""What the quiz's web tests share: whole attempts through chat, spreadsheets in memory, and
file uploads through the console's forms."""
import io

from openpyxl import Workbook, load_workbook

from bot.console.xlsx_style import put
from bot.quiz.bank import HEADERS
from config.settings import PROJECT_ROOT
from tests.quiz_helpers import begin, right_answer, wrong_answer

GUANGXI = {"contest": "guangxi-2022", "now": "2022-09-10T10:00:00"}
SHIPPED_BANK = PROJECT_ROOT / "config" / "quiz" / "guangxi-2022.csv"
BAD_ROWS = [
    ["问答", "这是一道题吗？", "是", "否", "", "", "", "", "A", "", "", ""],
    ["单选", "第二道题？", "甲", "乙", "", "", "", "", "C", "", "", ""],
]


def finish(stack, openid: str, right: int, profile=None) -> None:
    """A whole attempt through chat with `right` right answers (the first ones)."""
    reply = begin(stack, openid, profile) if profile else stack.say(openid, "答题")
    for number in range(10):
        answer = right_answer if number < right else wrong_answer
        reply = stack.say(openid, answer(stack, openid))
    assert "答题完成" in reply, reply


def xlsx(rows: list[list]) -> bytes:
    """A one-sheet workbook holding these rows from A1 (text as text, even `=...`)."""
    book = Workbook()
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            put(book.active, number, column, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bad_bank() -> bytes:
    """A bank sheet whose two rows are both wrong (题型 of row 2, 答案 of row 3)."""
    return xlsx([list(HEADERS), *BAD_ROWS])


def offline_sheet(*people: tuple) -> bytes:
    """An offline score sheet: (姓名, 单位, 城市, 分数) rows under the header."""
    return xlsx([["姓名", "单位", "城市", "分数"], *[list(person) for person in people]])


def upload(client, path: str, data: bytes, name: str, **kwargs):
    """POST a file through a console upload form (field `sheet`)."""
    return client.post(path, data={"sheet": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", **kwargs)


def workbook(response):
    """The .xlsx a download answered with."""
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data))
