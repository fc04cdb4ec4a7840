"""Form answers: every accepted format with its stored value and display, every refusal with its
reason and context, and the Chinese sentence answer_refused.txt makes of each refusal."""
import json
import re
from datetime import date
from functools import cache

import pytest

from bot.answers import (
    NOT_FILLED,
    SKIP_WORDS,
    count_chars,
    field_choices,
    parse_answer,
    parse_choice,
    parse_yes_no,
)
from bot.chat.render import make_chat_environment, render_chat
from bot.contest import FormField, load_contest

TODAY = date(2023, 5, 1)  # inside 甘肃's collection phase
CREW = FormField(id="crew", label="主创人数", type="number", min=1, max=20)
RATING = FormField(id="rating", label="评分", type="number", min=0, max=9.5)


@cache
def contest(contest_id):
    return load_contest(contest_id)


def field_of(ref):
    if isinstance(ref, FormField):
        return None, ref
    contest_id, field_id = ref.split(":")
    return contest(contest_id), contest(contest_id).field(field_id)


def check(ref, text, answers=None):
    owner, form_field = field_of(ref)
    return parse_answer(form_field, text, answers=answers or {}, contest=owner, today=TODAY)


G, J, S = "gansu-2023", "jiangmen-2020", "shandong-2021-housing"
ACCEPTED = [
    (f"{G}:title_animation", "  质量强国我先行  ", "质量强国我先行", "质量强国我先行"),
    (f"{G}:title_animation", "一二三四五六七八九十一二三四五", "一二三四五六七八九十一二三四五", None),
    (f"{G}:animation_synopsis", "水利工程质量故事（甘肃省某某水利水电工程有限公司）", None, None),
    (f"{G}:animation_synopsis", "水利工程质量故事(甘肃水利公司)", None, None),
    (f"{G}:category", "1", "micro_video", "微视频"),
    (f"{G}:category", "２", "micro_animation", "微动漫"),
    (f"{G}:category", "第2个", "micro_animation", "微动漫"),
    (f"{G}:category", "微动漫", "micro_animation", "微动漫"),
    (f"{G}:category", "微动", "micro_animation", "微动漫"),
    (f"{J}:topic", "企业", "企业质量故事", "企业质量故事"),
    (f"{J}:topic", "7", "服务质量故事", "服务质量故事"),
    (f"{S}:unit_type", "10", "其他", "其他"),
    (f"{S}:form_of_expression", "卡通", "动画、卡通演示", "动画、卡通演示"),
    (f"{S}:special_grade", "不是", "否", "否"),
    (f"{S}:special_grade", "对", "是", "是"),
    (f"{S}:city", "济南", "济南市", "济南市"),
    (f"{J}:email", "zhangsan@163.com", "zhangsan@163.com", "zhangsan@163.com"),
    (f"{J}:email", " ZhangSan＠QQ。COM ", "ZhangSan@qq.com", "ZhangSan@qq.com"),
    (f"{J}:postcode", "529000", "529000", "529000"),
    (f"{J}:postcode", "５２９０００", "529000", "529000"),
    (CREW, "3", 3, "3"),
    (CREW, "１２", 12, "12"),
    (RATING, "8.5", 8.5, "8.5"),
]
PHONES = [
    ("13800138000", "13800138000"), ("+86 138 0013 8000", "13800138000"),
    ("86-138-0013-8000", "13800138000"), ("１３８００１３８０００", "13800138000"),
    ("0750-3502679", "0750-3502679"), ("(0750)3502679", "0750-3502679"),
    ("（0750）3502679", "0750-3502679"), ("07503502679", "0750-3502679"),
    ("010-62345678", "010-62345678"), ("02087654321", "020-87654321"),
    ("+86 750 3502679", "0750-3502679"), ("0750-3502679转801", "0750-3502679-801"),
]
ACCEPTED += [(f"{J}:phone", text, value, value) for text, value in PHONES]
ACCEPTED_DATES = ["2023-04-01", "2023年4月1日", "2023年4月1号", "2023/4/1", "2023.4.1",
                  "20230401", "2023-4-1", "２０２３－０４－０１", "二〇二三年四月一日", " 2023年 4月 1日 "]
ACCEPTED_DURATIONS = [
    ("3分20秒", 200, "3分20秒"), ("3分钟20秒", 200, "3分20秒"), ("3分20", 200, "3分20秒"),
    ("200秒", 200, "3分20秒"), ("3:20", 200, "3分20秒"), ("03:20", 200, "3分20秒"),
    ("３：２０", 200, "3分20秒"), ("3'20\"", 200, "3分20秒"), ("3′20″", 200, "3分20秒"),
    ("1分钟", 60, "1分钟"), ("90s", 90, "1分30秒"), ("1m30s", 90, "1分30秒"),
    ("1分半", 90, "1分30秒"), ("1.5分钟", 90, "1分30秒"), ("半分钟", 30, "30秒"),
    ("58秒", 58, "58秒"), ("0:58", 58, "58秒"), ("一分三十秒", 90, "1分30秒"),
    ("1小时2分", 3720, "1小时2分钟"), ("1:02:03", 3723, "1小时2分3秒"), ("约58秒", 58, "58秒"),
]


@pytest.mark.parametrize("ref, text, value, display", ACCEPTED)
def test_accepted_answers_are_normalised(ref, text, value, display):
    answer = check(ref, text)
    assert answer.ok, answer
    assert answer.value == (value if value is not None else text.strip())
    assert answer.display == (display if display is not None else str(answer.value))


@pytest.mark.parametrize("text", ACCEPTED_DATES)
def test_every_date_format_is_read(text):
    answer = check(f"{G}:shot_on", text)
    assert (answer.ok, answer.value, answer.display) == (True, "2023-04-01", "2023年4月1日")


@pytest.mark.parametrize("text, seconds, display", ACCEPTED_DURATIONS)
def test_every_duration_format_is_read_as_seconds(text, seconds, display):
    field = FormField(id="length", label="片长", type="duration")
    answer = parse_answer(field, text, answers={}, contest=None, today=TODAY)
    assert (answer.ok, answer.value, answer.display) == (True, seconds, display)


REFUSED = [
    (f"{G}:title_animation", "一二三四五六七八九十一二三四五六", {}, "too_long",
     {"limit": 15, "count": 16, "over": 1}),
    (f"{G}:title_animation", "质量强国建设微视频ABCDEFG", {}, "too_long", {"limit": 15, "count": 16}),
    (f"{J}:synopsis", "太短了", {}, "too_short", {"limit": 10, "count": 3}),
    (f"{G}:contact_name", "   ", {}, "required", {"skipped": False}),
    (f"{G}:contact_name", "跳过", {}, "required", {"skipped": True}),
    (f"{G}:animation_synopsis", "水利工程质量故事，没有注明制作单位", {}, "pattern",
     {"pattern_message": "视频简介文末须在括号内注明制作单位全称，例如：……（甘肃省某某水利水电工程有限公司）。"}),
    (f"{G}:phone", "1380013800", {}, "bad_phone", {"digit_count": 10, "missing_area_code": False}),
    (f"{G}:phone", "3502679", {}, "bad_phone", {"missing_area_code": True}),
    (f"{G}:phone", "12800138000", {}, "bad_phone", {"digit_count": 11}),
    (f"{G}:phone", "电话13800138000", {}, "bad_phone", {}),
    (f"{J}:email", "zhangsan163.com", {}, "bad_email", {"has_at": False}),
    (f"{J}:email", "zhangsan@163", {}, "bad_email", {"has_at": True}),
    (f"{G}:shot_on", "2023-02-30", {}, "bad_date",
     {"impossible": True, "year": 2023, "month": 2, "day": 30}),
    (f"{G}:shot_on", "2023-13-01", {}, "bad_date", {"impossible": True}),
    (f"{G}:shot_on", "去年春天", {}, "bad_date", {"impossible": False}),
    (f"{G}:shot_on", "2023年4月", {}, "bad_date", {"impossible": False}),
    (f"{G}:finished_on", "2023-03-01", {"shot_on": "2023-03-20"}, "date_before",
     {"limit": "2023-03-20", "limit_display": "2023年3月20日", "other_field": "shot_on",
      "other_label": "拍摄时间"}),
    (f"{G}:finished_on", "2019-12-31", {}, "date_before",
     {"limit": "2020-01-01", "limit_display": "2020年1月1日", "other_label": None}),
    (f"{G}:finished_on", "2019-06-01", {"shot_on": "2019-05-01"}, "date_before",
     {"limit": "2020-01-01", "other_label": None}),
    (f"{G}:finished_on", "2023-05-02", {}, "date_after",
     {"limit": "2023-05-01", "limit_display": "2023年5月1日", "is_today": True}),
    (f"{G}:declared_duration", "58", {}, "bad_duration", {"needs_unit": True, "number": "58"}),
    (f"{G}:declared_duration", "很短", {}, "bad_duration", {"needs_unit": False}),
    (f"{G}:declared_duration", "3:75", {}, "bad_duration", {"needs_unit": False}),
    (f"{G}:declared_duration", "3分20秒", {}, "duration_out_of_range",
     {"value": 200, "display": "3分20秒", "max": 90, "max_display": "1分30秒"}),
    (f"{G}:declared_duration", "0秒", {}, "duration_out_of_range", {"min": 1, "value": 0}),
    (CREW, "三个人左右", {}, "bad_number", {"min_display": "1", "max_display": "20"}),
    (CREW, "25", {}, "number_out_of_range", {"value": 25, "min_display": "1", "max_display": "20"}),
    (RATING, "9.6", {}, "number_out_of_range", {"value": 9.6, "max_display": "9.5"}),
    (f"{G}:category", "微", {}, "bad_choice",
     {"choices": ["微视频", "微动漫"], "candidates": ["微视频", "微动漫"]}),
    (f"{G}:category", "3", {}, "bad_choice", {"choices": ["微视频", "微动漫"], "candidates": []}),
    (f"{G}:category", "纪录片", {}, "bad_choice", {"candidates": []}),
    (f"{J}:postcode", "52900", {}, "bad_postcode", {"digit_count": 5}),
    (f"{J}:postcode", "5290001", {}, "bad_postcode", {"digit_count": 7}),
]


@pytest.mark.parametrize("ref, text, answers, reason, context", REFUSED)
def test_refusals_carry_their_reason_and_context(ref, text, answers, reason, context):
    answer = check(ref, text, answers)
    assert (answer.ok, answer.reason) == (False, reason), answer
    assert {key: answer.context[key] for key in context} == context


@pytest.mark.parametrize("text", ["1" * 6000, "一" * 6000, "1分" * 3000, "(0" * 3000,
                                  "a." * 3000 + "@", "1" * 5000 + "秒", "\u200d" * 100])
def test_hostile_input_is_refused_quietly_and_results_are_json(text):
    refs = [f"{G}:{name}" for name in ("title_animation", "category", "declared_duration",
                                        "shot_on", "phone")] + [f"{J}:email", f"{J}:postcode", CREW]
    for ref in refs:
        answer = check(ref, text)
        json.dumps([answer.value, answer.context])
        assert not answer.ok, (ref, answer)


@pytest.mark.parametrize("ref, text", [(ref, text) for ref, text, *_ in ACCEPTED]
                         + [(f"{G}:declared_duration", "1分半"), (f"{G}:shot_on", "2023年4月1日")])
def test_a_stored_value_rechecks_as_itself(ref, text):
    stored = check(ref, text)
    again = check(ref, stored.value)
    assert (again.ok, again.value, again.display) == (True, stored.value, stored.display)


def test_a_finish_date_on_the_shoot_date_is_accepted():
    answer = check(f"{G}:finished_on", "2023-03-20", {"shot_on": "2023-03-20"})
    assert (answer.ok, answer.value) == (True, "2023-03-20")


def test_today_comes_from_the_contest_clock():
    assert check(f"{G}:shot_on", "2023-05-01").ok
    assert check(f"{G}:shot_on", "2023-05-02").reason == "date_after"


@pytest.mark.parametrize("word", sorted(SKIP_WORDS) + ["跳过。", "ＳＫＩＰ"])
def test_an_optional_field_can_be_skipped(word):
    for ref in (f"{G}:contact_title", f"{G}:person_organization", f"{G}:topic"):
        assert check(ref, word) == check(ref, "跳过")
    answer = check(f"{G}:contact_title", word)
    assert (answer.ok, answer.value, answer.display) == (True, None, NOT_FILLED)


def test_topics_follow_the_chosen_category():
    owner, topic = field_of(f"{G}:topic")
    chosen = field_choices(topic, contest=owner, answers={"category": "micro_animation"})
    assert chosen == list(owner.category("micro_animation").topics)
    answer = check(f"{G}:topic", "2", {"category": "micro_animation"})
    assert (answer.ok, answer.value) == (True, "企业质量案例")
    assert field_choices(owner.field("category"), contest=owner, answers={}) == ["微视频", "微动漫"]


YES_NO = [("是", True), ("是的", True), ("对", True), ("有", True), ("y", True), ("YES", True),
          ("Ｙｅｓ", True), ("1", True), ("１", True), ("✓", True), ("√", True), ("好的。", True),
          ("没错", True), ("是，我在江门工作", True), ("否", False), ("不是", False),
          ("不对", False), ("没有", False), ("n", False), ("No!", False), ("2", False),
          ("２", False), ("×", False), ("不同意", False), ("也许", None), ("", None),
          ("3", None), ("是不是", None)]


@pytest.mark.parametrize("text, expected", YES_NO)
def test_yes_no(text, expected):
    assert parse_yes_no(text) is expected


CHOICES = ["微视频", "微动漫", "纪录片", "纪实短片"]


@pytest.mark.parametrize("text, expected", [
    ("1", 0), ("１", 0), ("第2个", 1), ("第二个", 1), ("2.", 1), ("选3", 2), ("4 纪实短片", 3),
    ("微视频", 0), ("微动", 1), ("纪录", 2), ("纪实", 3), ("短片", 3),
    ("微", None), ("纪", None), ("5", None), ("0", None), ("2 纪录片", None), ("动画", None),
])
def test_parse_choice(text, expected):
    assert parse_choice(text, CHOICES) == expected


@pytest.mark.parametrize("text, expected", [
    ("质量强国", 4), ("  质量强国\n", 4), ("Quality", 7), ("质量 good", 7), ("👍质量", 3),
    ("👨‍👩‍👧好", 2), ("🇨🇳加油", 3), ("👍🏽", 1), ("❤️", 1), ("", 0), ("（甘肃）", 4),
])
def test_count_chars(text, expected):
    assert count_chars(text) == expected


# One refusal per reason code, on real fields, and what the sentence must name.
RENDERED = [
    (f"{G}:contact_name", "跳过", {}, ["联系人", "必填", "不能跳过"]),
    (f"{G}:title_animation", "一二三四五六七八九十一二三四五六", {}, ["15", "16"]),
    (f"{J}:synopsis", "太短了", {}, ["10", "3"]),
    (f"{G}:animation_synopsis", "没有注明制作单位的简介", {}, ["括号内注明制作单位全称"]),
    (f"{G}:phone", "12345", {}, ["13800138000", "0750-3502679", "5位"]),
    (f"{G}:phone", "3502679", {}, ["区号", "0750-3502679"]),
    (f"{J}:email", "zhangsan163.com", {}, ["zhangsan@163.com", "@"]),
    (f"{G}:shot_on", "2023-02-30", {}, ["2023年2月没有30日", "2023-04-01"]),
    (f"{G}:shot_on", "上个月", {}, ["2023-04-01", "2023年4月1日"]),
    (f"{G}:finished_on", "2023-03-01", {"shot_on": "2023-03-20"}, ["拍摄时间", "2023年3月20日"]),
    (f"{G}:finished_on", "2019-12-31", {}, ["完成时间", "2020年1月1日"]),
    (f"{G}:finished_on", "2023-06-01", {}, ["今天", "2023年5月1日"]),
    (f"{G}:declared_duration", "58", {}, ["58秒", "1:30"]),
    (f"{G}:declared_duration", "很短", {}, ["1:30", "1分30秒"]),
    (f"{G}:declared_duration", "3分20秒", {}, ["1分30秒", "3分20秒"]),
    (CREW, "几个", {}, ["1", "20"]),
    (CREW, "25", {}, ["主创人数", "20", "25"]),
    (f"{G}:category", "纪录片", {}, ["1. 微视频", "2. 微动漫"]),
    (f"{G}:category", "微", {}, ["微视频、微动漫", "数字"]),
    (f"{J}:postcode", "52900", {}, ["6位", "529000"]),
]


@pytest.mark.parametrize("ref, text, answers, expected", RENDERED)
def test_every_refusal_renders_as_a_chinese_sentence(ref, text, answers, expected):
    answer = check(ref, text, answers)
    assert not answer.ok
    _, form_field = field_of(ref)
    message = render_chat(make_chat_environment(), "answer_refused",
                          {"reason": answer.reason, **answer.context, "field": form_field})
    assert re.search(r"[\u4e00-\u9fff]", message)
    for snippet in expected:
        assert snippet in message, message


def test_every_reason_code_has_a_rendering_case():
    reasons = {check(ref, text, answers).reason for ref, text, answers, _ in RENDERED}
    assert reasons == {reason for *_, reason, _ in REFUSED}
