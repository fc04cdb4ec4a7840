"""Exports read back with openpyxl and checked cell by cell: the registration sheets and summary
tables in the layout of the notices' annexes (甘肃 4 and 5, 江门 1 and 2), votes, scores, ranking."""
import io
from datetime import UTC, datetime

from openpyxl import load_workbook

from bot.console.export_layouts import GANSU_OPINION

TEAM = {"team_name": "江门日报社", "representative": "陈代表", "phone": "0750-3502679",
        "email": "news@example.com", "address": "江门市蓬江区建设路1号", "postcode": "529000",
        "title": "侨都质量故事", "topic": "企业质量故事", "synopsis": "记录江门企业的质量提升之路。"}
PERSON = {"name": "李小明", "phone": "13800138000", "email": "li@example.com",
          "address": "江门市新会区", "postcode": "529100", "title": "我的质量故事",
          "topic": "质量人物故事", "synopsis": "讲述身边质检员的一天。"}
GANSU = {"category": "micro_video", "unit_name": "甘肃某建设有限公司", "title": "陇原质量行",
         "declared_duration": 58, "producer": "甘肃某传媒有限公司", "shot_on": "2023-03-20",
         "finished_on": "2023-04-10", "synopsis": "展示甘肃质量强省建设成果。",
         "copy_text": "兰州，质检员，抽检，合格", "contact_name": "王联络", "phone": "13900001111"}


def _book(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data))


def _row(sheet, row, columns=4):
    return [sheet.cell(row=row, column=c).value for c in range(1, columns + 1)]


def test_jiangmen_registration_sheets_follow_annex_1_and_2(console):  # noqa: F811
    stack = console()
    stack.user("org", "organizer")
    team = stack.add_entry("oT", TEAM, kind="team")
    person = stack.add_entry("oP", PERSON)
    client = stack.client("org")
    sheet = _book(client.get(f"/console/exports/registration/{team.id}.xlsx")).active
    assert sheet.title == "登记表-101"
    assert sheet["A1"].value == "2020年江门市“我身边的质量故事”微视频创作大赛报名表（团体）"
    assert sheet["A2"].value.startswith("作品编号：101　参赛类型：单位或团体　报名时间：2020-06-20")
    assert _row(sheet, 3) == ["参赛选手资料", None, None, None]
    assert _row(sheet, 4) == ["团体名称", "江门日报社", "团体代表姓名", "陈代表"]
    assert _row(sheet, 5) == ["联系电话", "0750-3502679", "电子信箱", "news@example.com"]
    assert _row(sheet, 6) == ["单位地址", "江门市蓬江区建设路1号", "邮政编码", "529000"]
    assert _row(sheet, 7) == ["微视频资料简介", None, None, None]
    assert _row(sheet, 8)[:2] == ["视频题目", "侨都质量故事"]
    assert _row(sheet, 9)[:2] == ["内容简介", "记录江门企业的质量提升之路。"]
    assert _row(sheet, 10)[0] == "其他登记信息" and _row(sheet, 11)[:2] == ["作品主题", "企业质量故事"]
    assert "B8:D8" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.max_row == 11
    solo = _book(client.get(f"/console/exports/registration/{person.id}.xlsx")).active
    assert solo["A1"].value.endswith("报名表（个人）")
    assert _row(solo, 4) == ["姓名", "李小明", "联系电话", "13800138000"]
    assert _row(solo, 5)[:2] == ["电子信箱", "li@example.com"]
    assert _row(solo, 6) == ["单位地址", "江门市新会区", "邮政编码", "529100"]
    both = _book(client.get("/console/exports/registrations.xlsx"))
    assert both.sheetnames == ["登记表-101", "登记表-102"]


def test_jiangmen_summary_has_both_forms_fields_per_entry(console):  # noqa: F811
    stack = console()
    stack.user("org", "organizer")
    stack.add_entry("oT", TEAM, kind="team", state="approved")
    stack.add_entry("oP", PERSON, state="rejected")
    client = stack.client("org")
    sheet = _book(client.get("/console/exports/summary.xlsx")).active
    assert sheet["A1"].value == "2020年江门市“我身边的质量故事”微视频创作大赛报名汇总表"
    assert _row(sheet, 2, 16) == ["序号", "作品编号", "参赛类型", "团体名称", "团体代表姓名", "姓名",
                                  "联系电话", "电子信箱", "单位地址", "邮政编码", "视频题目", "作品主题",
                                  "内容简介", "作品状态", "视频检查", "报名时间"]
    assert _row(sheet, 3, 15) == [1, "101", "单位或团体", "江门日报社", "陈代表", None,
                                  "0750-3502679", "news@example.com", "江门市蓬江区建设路1号",
                                  "529000", "侨都质量故事", "企业质量故事",
                                  "记录江门企业的质量提升之路。", "初审通过", "通过"]
    assert _row(sheet, 4, 6) == [2, "102", "个人", None, None, "李小明"]
    approved = _book(client.get("/console/exports/summary.xlsx?scope=approved")).active
    assert approved.max_row == 3
    assert client.get("/console/exports/summary.xlsx?scope=nope").status_code == 400


def _gansu(console):  # noqa: F811
    stack = console(contest="gansu-2023", now="2023-05-01T10:00:00")
    stack.user("org", "organizer")
    first = stack.add_entry("oG1", GANSU, kind="unit", category="micro_video")
    stack.add_entry("oG2", {**GANSU, "title": "第二部", "unit_name": "甘肃另一单位"}, kind="unit",
                    category="micro_video")
    stack.add_entry("oG3", {**GANSU, "category": "micro_animation", "title": None,
                            "title_animation": "动漫质量", "copy_text": None,
                            "animation_synopsis": "动漫讲质量（甘肃某动漫公司）"},
                    kind="unit", category="micro_animation")
    return stack, first


def test_gansu_registration_sheet_follows_annex_4(console):  # noqa: F811
    stack, first = _gansu(console)
    sheet = _book(stack.client("org").get(f"/console/exports/registration/{first.id}.xlsx")).active
    assert sheet["A1"].value == "质量强国建设微视频作品登记表"
    assert sheet["A2"].value == "报送单位：甘肃某建设有限公司"
    assert sheet["A3"].value.startswith("作品编号：101　参赛类型：单位会员")
    assert _row(sheet, 4)[:2] == ["作品名称", "陇原质量行"]
    assert _row(sheet, 5) == ["作品类别", "微视频", "片长", "58秒"]
    assert _row(sheet, 6)[:2] == ["拍摄单位", "甘肃某传媒有限公司"]
    assert _row(sheet, 7) == ["拍摄时间", "2023年3月20日", "完成时间", "2023年4月10日"]
    assert _row(sheet, 8)[:2] == ["作品简介", "展示甘肃质量强省建设成果。"]
    assert _row(sheet, 9)[:2] == ["报送单位信息", "甘肃某建设有限公司（单位会员）"]
    assert _row(sheet, 10)[:2] == ["报送单位意见", GANSU_OPINION]
    assert _row(sheet, 11) == ["联系人", "王联络", "联系电话", "13900001111"]
    assert _row(sheet, 12)[0] == "其他登记信息"
    assert _row(sheet, 13)[:2] == ["视频文案", "兰州，质检员，抽检，合格"]
    assert sheet.max_row == 13


def test_gansu_summary_follows_annex_5(console):  # noqa: F811
    stack, _ = _gansu(console)
    sheet = _book(stack.client("org").get("/console/exports/summary.xlsx")).active
    assert sheet["A1"].value == "质量强国建设微视频作品汇总表"
    assert sheet["A2"].value == "报送单位：（加盖公章）"
    assert _row(sheet, 3, 7) == ["作品类别", "作品排序", "作品名称", "内容简介（不超过100字）",
                                 "创作单位", "推荐单位", "作品编号"]
    assert _row(sheet, 4, 7) == ["微视频", 1, "陇原质量行", "展示甘肃质量强省建设成果。",
                                 "甘肃某传媒有限公司", "甘肃某建设有限公司", "101"]
    assert _row(sheet, 5, 7) == [None, 2, "第二部", "展示甘肃质量强省建设成果。",
                                 "甘肃某传媒有限公司", "甘肃另一单位", "102"]
    assert _row(sheet, 6, 3) == ["微动漫", 1, "动漫质量"]
    assert "A4:A5" in {str(r) for r in sheet.merged_cells.ranges}


def test_votes_scores_and_ranking_exports(console):  # noqa: F811
    stack = console(now="2020-08-21T10:00:00")
    stack.user("org", "organizer")
    a = stack.add_entry("oA", {"name": "甲", "title": "作品甲"}, state="approved")
    b = stack.add_entry("oB", {"name": "乙", "title": "作品乙"}, state="approved")
    bad = stack.add_votes(a.id, 11)
    stack.add_votes(b.id, 5, start=datetime(2020, 8, 3, 2, tzinfo=UTC))
    client = stack.client("org")
    client.post("/console/votes/invalidate", data={"vote_id": str(bad[0]), "reason": "重复"})
    sums = {"作品甲": [24, 16, 16, 12, 12], "作品乙": [27, 18, 18, 13.5, 13.5]}  # 80 and 90
    from tests.console.test_console_jury import HEADER, _import, _xlsx
    rows = [HEADER] + [["评委甲", code, "", *sums[title]] for code, title in
                       (("101", "作品甲"), ("102", "作品乙"))]
    assert _import(client, _xlsx(rows)).status_code == 302
    votes = _book(client.get("/console/exports/votes.xlsx"))
    assert votes.sheetnames == ["得票统计", "投票明细"]
    assert _row(votes["得票统计"], 2, 5) == ["排名", "作品编号", "作品名称", "有效票数", "作废票数"]
    assert _row(votes["得票统计"], 3, 5) == [1, "101", "作品甲", 10, 1]
    assert _row(votes["得票统计"], 4, 5) == [2, "102", "作品乙", 5, 0]
    detail = votes["投票明细"]
    assert detail.max_row == 2 + 16
    assert _row(detail, 3, 9)[6:] == ["作废", "重复", "org"] and detail["F3"].value.startswith("o~")
    scores = _book(client.get("/console/exports/scores.xlsx"))
    assert _row(scores["评分明细"], 3, 9) == ["101", "作品甲", "评委甲", 24, 16, 16, 12, 12, 80]
    assert _row(scores["评审汇总"], 4, 5) == ["102", "作品乙", 1, 90, 90]
    again = client.get("/console/exports/scores.xlsx").data  # the export imports back
    assert _import(client, io.BytesIO(again)).status_code == 302
    ranking = _book(client.get("/console/exports/ranking.xlsx")).active
    assert ranking["A1"].value.endswith("最终排名（未公布，按当前评分和投票计算）")
    assert _row(ranking, 2, 8) == ["名次", "作品编号", "作品名称", "专业评审得分（满分70）", "有效票数",
                                   "网络投票得分（满分30）", "总分", "奖项"]
    # 甲: 80/100 × 70 + 10/10 × 30 = 86; 乙: 90/100 × 70 + 5/10 × 30 = 78
    assert _row(ranking, 3, 8) == [1, "101", "作品甲", 56, 10, 30, 86, "一等奖、最佳人气奖"]
    assert _row(ranking, 4, 8) == [2, "102", "作品乙", 63, 5, 15, 78, "二等奖"]
