"""The knowledge quiz's .xlsx files: the question bank (template and export, importable back
unchanged: the header is the first row, no title above it) and the rankings of people, units
and cities. Every text cell goes through xlsx_style.put, so no cell is ever a formula."""
from bot.console.xlsx_style import (
    data_rows,
    header_row,
    new_workbook,
    put,
    table_sheet,
    to_bytes,
    widths,
)
from bot.quiz.bank import HEADERS
from bot.quiz.ranking import GroupStanding, Standing

BANK_WIDTHS = [8, 48, *[18] * 6, 8, 40, 12, 8]
TEMPLATE_EXAMPLES = [
    ["单选", "《建设工程质量管理条例》是以国务院令第几号发布的？", "国务院令第279号",
     "国务院令第613号", "国务院令第493号", "国务院令第393号", "", "", "A",
     "《建设工程质量管理条例》于2000年1月30日以国务院令第279号发布。", "法律法规", 10],
    ["多选", "下列属于工程监理常用检查方式的有（ ）。", "旁站", "巡视", "平行检验", "代为签字",
     "", "", "ABC", "《建设工程质量管理条例》第三十八条：采取旁站、巡视和平行检验等形式实施监理。", "质量责任", 10],
    ["判断", "建设工程的保修期，自竣工验收合格之日起计算。", "", "", "", "", "", "", "对",
     "《建设工程质量管理条例》第四十条。", "质量保修", 10],
]
TEMPLATE_NOTES = [
    ["列", "怎么填"],
    ["题型", "单选、多选或判断（也可写单选题、多项选择题等）。"],
    ["题干", "题目本身，300字以内，不能与其他题重复。"],
    ["选项A-F", "从A起连续填写，单选至少2个、多选至少3个选项；判断题不填选项。"],
    ["答案", "选项字母，如A、ABD（多选至少两个）；判断题写“对”或“错”。"],
    ["解析", "答题后给答题人看的解释，600字以内，可空。"],
    ["分类", "用于按分类抽题，可空（空着为“未分类”）。"],
    ["分值", "1到100的整数，可空（空着为10分）。"],
    ["导入", "第一行是表头，一行一道题；任何一行有误则整表不导入，并列出每一处错误。"],
]


def _bank_book(rows: list[list]):
    book = new_workbook()
    sheet = book.create_sheet("题库")
    header_row(sheet, 1, [str(cell) for cell in rows[0]])
    data_rows(sheet, 2, rows[1:])
    widths(sheet, BANK_WIDTHS)
    sheet.freeze_panes = "A2"
    return book


def bank_workbook(rows: list[list]) -> bytes:
    """A bank sheet: `rows` (the header first, as bank.export_rows gives them) from row 1."""
    return to_bytes(_bank_book(rows))


def template_workbook() -> bytes:
    """The bank template: the header, one 单选, one 多选 and one 判断 row, and a notes sheet."""
    book = _bank_book([list(HEADERS), *TEMPLATE_EXAMPLES])
    notes = book.create_sheet("填写说明")
    for number, (column, text) in enumerate(TEMPLATE_NOTES, start=1):
        put(notes, number, 1, column)
        put(notes, number, 2, text)
    widths(notes, [12, 80])
    return to_bytes(book)


def _number(value) -> float | None:
    return float(value) if value is not None else None


def people_workbook(quiz, standings: list[Standing]) -> bytes:
    """个人排名 (the award list): rank, full name, unit, city, score, time, online or offline,
    passed or not."""
    rows = [[s.rank, s.name, s.unit, s.city, float(s.score), _number(s.duration_s),
             "线下" if s.offline else "线上", "是" if s.score >= quiz.pass_mark else "否"]
            for s in standings]
    book = new_workbook()
    table_sheet(book, "个人排名", f"{quiz.name}获奖名单（个人排名，及格线{quiz.pass_mark:g}分）",
                ["名次", "姓名", "单位", "城市", "分数", "用时（秒）", "线上/线下", "是否及格"],
                rows, [8, 12, 36, 12, 10, 12, 12, 10])
    return to_bytes(book)


def units_workbook(quiz, groups: list[GroupStanding]) -> bytes:
    """单位排名: rank, unit, members, and their average or total score."""
    rule = quiz.ranking.units
    measure = "合计" if rule.by == "total" else "平均分"
    book = new_workbook()
    table_sheet(book, "单位排名",
                f"{quiz.name}单位排名（参加人数满{rule.min_members}人的单位，按{measure}）",
                ["名次", "单位", "人数", measure],
                [[g.rank, g.name, g.members, float(g.score)] for g in groups], [8, 40, 10, 12])
    return to_bytes(book)


def cities_workbook(quiz, groups: list[GroupStanding]) -> bytes:
    """城市排名: rank, city, members, average score."""
    book = new_workbook()
    table_sheet(book, "城市排名", f"{quiz.name}城市排名（按平均分）",
                ["名次", "城市", "人数", "平均分"],
                [[g.rank, g.name, g.members, float(g.score)] for g in groups], [8, 16, 10, 12])
    return to_bytes(book)
