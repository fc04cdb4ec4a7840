"""Real files against every seed contest's video rules, and the Chinese text the entrant reads."""
import dataclasses
import json
import subprocess
from types import SimpleNamespace

import pytest

from bot.chat.render import make_chat_environment, render_chat
from bot.contest import load_contest
from bot.video.check import Finding, check_video, probe_failure, ratio_label, verdict_of
from bot.video.probe import ProbeError, probe_file

# name -> make_video arguments; each file is made once per session, on first use.
FILES = {
    "hd1080.mp4": dict(seconds=10, width=1920, height=1080),
    "hd720.mp4": dict(seconds=10),
    "long305.mp4": dict(seconds=305),
    "small640.mp4": dict(width=640, height=360),
    "phone720.mp4": dict(rotate=90),
    "phone1080.mp4": dict(width=1920, height=1080, rotate=90),
    "phone640.mp4": dict(width=640, height=360, rotate=90),
    "square.mp4": dict(width=1080, height=1080),
    "four3.mp4": dict(width=1440, height=1080),
    "mid75.mp4": dict(seconds=75, width=1920, height=1080),
    "long95.mp4": dict(seconds=95, width=1920, height=1080),
    "mute.mp4": dict(audio=False),
    "clip.flv": dict(),
    "clip.mov": dict(width=1920, height=1080),
    "clip.avi": dict(width=1920, height=1080),
    "clip.mpg": dict(),
    "clip.wmv": dict(),
    "worst.flv": dict(seconds=305, width=640, height=360, audio=False),
}
RULES = {
    "jiangmen": ("jiangmen-2020", None),
    "gansu_video": ("gansu-2023", "micro_video"),
    "gansu_animation": ("gansu-2023", "micro_animation"),
    "shandong": ("shandong-2021-housing", "t01_standardization"),
    "guangxi": ("guangxi-2022", None),
}
# (rules, file, {code: expected context subset}, fragments of the message the entrant reads)
CASES = [
    ("jiangmen", "hd720.mp4", {}, ["格式检查通过", "初选", "2020年7月16日", "2020年7月15日 23:59"]),
    ("jiangmen", "phone720.mp4", {}, ["格式检查通过"]),
    ("jiangmen", "clip.mpg", {}, ["格式检查通过"]),
    ("jiangmen", "mute.mp4", {}, ["格式检查通过"]),
    ("jiangmen", "long305.mp4", {"too_long": {"duration_s": 305.0, "max_s": 300}},
     ["时长5分5秒", "5分钟的上限"]),
    ("jiangmen", "small640.mp4", {"resolution_too_low": {
        "width": 640, "height": 360, "short_side": 360, "min_height": 720}},
     ["640×360（横屏）", "720P", "1280×720"]),
    ("jiangmen", "phone640.mp4", {"resolution_too_low": {
        "width": 360, "height": 640, "orientation": "portrait", "rotation": 90}},
     ["360×640（竖屏）", "720P"]),
    ("jiangmen", "clip.flv", {"container_not_allowed": {
        "container": "flv", "allowed": ["avi", "mov", "mp4", "mpg"]}},
     ["文件格式为FLV", "AVI、MOV、MP4、MPG"]),
    ("jiangmen", "worst.flv", {"too_long": {"duration_s": 305.0}, "resolution_too_low": {},
                               "container_not_allowed": {"container": "flv"}},
     ["共3处问题", "1. 时长5分5秒", "2. 分辨率640×360", "3. 文件格式为FLV"]),
    ("gansu_video", "hd1080.mp4", {}, ["格式检查通过", "协会初审", "2023年5月11日"]),
    ("gansu_video", "phone1080.mp4", {}, ["格式检查通过"]),
    ("gansu_video", "clip.mov", {}, ["格式检查通过"]),
    ("gansu_video", "mid75.mp4", {"soft_too_long": {"duration_s": 75.0, "soft_max_s": 60,
                                                    "max_s": 90}},
     ["格式检查通过", "请注意：时长1分15秒，超过1分钟", "特殊情况不超过1分30秒"]),
    ("gansu_video", "long95.mp4", {"too_long": {"duration_s": 95.0, "max_s": 90}},
     ["时长1分35秒", "超过本赛微视频类别1分30秒的上限"]),
    ("gansu_video", "hd720.mp4", {"size_not_allowed": {
        "width": 1280, "height": 720, "below_allowed": True,
        "allowed": ["1920x1080", "3840x2160", "1080x1920", "2160x3840"]}},
     ["分辨率1280×720（横屏），低于本赛微视频类别要求", "1920×1080、3840×2160"]),
    ("gansu_video", "square.mp4", {"size_not_allowed": {"below_allowed": False},
                                   "orientation_not_allowed": {"orientation": "square"},
                                   "aspect_ratio_not_allowed": {"ratio_label": "1:1"}},
     ["画面为方形（1080×1080）", "只接受横屏或竖屏作品", "画面比例为1:1", "要求16:9或9:16"]),
    ("gansu_video", "four3.mp4", {"size_not_allowed": {"width": 1440},
                                  "aspect_ratio_not_allowed": {
                                      "aspect_ratio": 1.333, "ratio_label": "4:3",
                                      "allowed": ["16:9", "9:16"]}},
     ["画面比例为4:3（1440×1080）", "16:9或9:16"]),
    ("gansu_video", "clip.avi", {"container_not_allowed": {"container": "avi",
                                                           "allowed": ["mp4", "mov"]}},
     ["文件格式为AVI", "只接受MP4、MOV格式"]),
    ("gansu_animation", "hd1080.mp4", {}, ["格式检查通过"]),
    ("gansu_animation", "phone1080.mp4", {"orientation_not_allowed": {
        "width": 1080, "height": 1920, "orientation": "portrait", "allowed": ["landscape"]}},
     ["画面为竖屏（1080×1920）", "本赛微动漫类别只接受横屏作品"]),
    ("gansu_animation", "mid75.mp4", {"too_long": {"duration_s": 75.0, "max_s": 60}},
     ["时长1分15秒", "1分钟的上限"]),
    ("shandong", "clip.wmv", {}, ["格式检查通过", "初审（形式审查）", "2021年9月21日"]),
    ("shandong", "hd1080.mp4", {}, ["格式检查通过"]),
    ("shandong", "mute.mp4", {"no_audio": {}}, ["视频没有声音", "要求音画齐全"]),
    ("shandong", "small640.mp4", {"resolution_too_low": {"short_side": 360, "min_height": 480}},
     ["640×360", "低于本赛480P的要求", "854×480"]),
    ("shandong", "clip.mov", {"container_not_allowed": {"container": "mov"}},
     ["文件格式为MOV", "MP4、AVI、MPG、WMV"]),
    ("shandong", "long305.mp4", {"too_long": {"max_s": 300}}, ["5分5秒"]),
    ("guangxi", "hd720.mp4", {}, ["格式检查通过", "作品审核"]),
    ("guangxi", "long305.mp4", {"too_long": {"duration_s": 305.0}}, ["5分钟"]),
    ("guangxi", "small640.mp4", {"resolution_too_low": {"min_height": 720}}, ["720P"]),
    ("guangxi", "clip.flv", {"container_not_allowed": {"allowed": ["mp4", "mov"]}},
     ["MP4、MOV"]),
]


@pytest.fixture(scope="module")
def chat_env():
    return make_chat_environment()


def _rules(key):
    contest_id, category = RULES[key]
    contest = load_contest(contest_id)
    return contest, category, contest.video_rules_for(category)


def _render(chat_env, contest, category, rules, findings, facts=None) -> str:
    entry = SimpleNamespace(code="101", title="我身边的质量故事", category=category)
    context = dict(entry=entry, verdict=verdict_of(findings), findings=findings, rules=rules,
                   contest=contest, replace_until=contest.phase("collection").end)
    if facts is not None:
        context["facts"] = facts
    return render_chat(chat_env, "video_verdict", context)


def _facts(library, name):
    return probe_file(library.get(name, **FILES[name]), media_root=library.root)


@pytest.mark.parametrize("key, name, expected, fragments", CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_seed_rules(video_library, chat_env, key, name, expected, fragments):
    contest, category, rules = _rules(key)
    facts = _facts(video_library, name)
    findings = check_video(facts, rules)
    assert [f.code for f in findings] == list(expected)
    for finding in findings:
        assert finding.context.items() >= expected[finding.code].items(), finding
        assert json.loads(json.dumps(finding.to_json())) == finding.to_json()
    errors = [f for f in findings if f.severity == "error"]
    assert verdict_of(findings) == ("fail" if errors else "pass")
    text = _render(chat_env, contest, category, rules, findings, facts)
    for fragment in fragments:
        assert fragment in text, text
    assert "{" not in text and "None" not in text and "_" not in text, text
    assert ("未通过格式检查" in text) == bool(errors)


def test_message_without_facts_or_deadline(chat_env):
    contest, category, rules = _rules("jiangmen")
    entry = SimpleNamespace(code="102", title=None)
    text = render_chat(chat_env, "video_verdict", dict(
        entry=entry, verdict="fail", findings=[Finding("no_audio")], rules=rules,
        contest=contest, replace_until=None))
    assert text.startswith("作品（编号102）的视频未通过格式检查：") and "重新发送" in text


def test_file_size_and_minimum_duration(video_library, chat_env):
    contest, category, rules = _rules("guangxi")
    facts = _facts(video_library, "hd720.mp4")
    strict = rules.model_copy(update={"max_file_mb": 0.01, "min_duration_s": 12})
    findings = check_video(facts, strict)
    assert [f.code for f in findings] == ["too_short", "file_too_large"]
    assert findings[0].context == {"duration_s": 10.0, "min_s": 12}
    assert findings[1].context["max_mb"] == 0.01
    assert findings[1].context["size_mb"] >= facts.size_bytes / 1024 / 1024
    text = _render(chat_env, contest, category, strict, findings)
    assert "时长10秒，短于本赛要求的最短12秒" in text and "超过本赛0.01MB的上限" in text


def test_unknown_duration_is_refused_when_a_duration_rule_applies(video_library, tmp_path):
    piped = tmp_path / "piped.mkv"
    with open(piped, "wb") as out:  # written to a pipe, matroska gets no Duration
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i",
                        str(video_library.get("hd720.mp4", **FILES["hd720.mp4"])),
                        "-c", "copy", "-f", "matroska", "pipe:1"], stdout=out, check=True)
    facts = probe_file(piped, media_root=tmp_path)
    assert facts.duration_s is None
    _, _, rules = _rules("guangxi")
    assert [f.code for f in check_video(facts, rules)] == ["duration_unknown",
                                                         "container_not_allowed"]
    lenient = rules.model_copy(update={"max_duration_s": None, "containers": []})
    assert check_video(facts, lenient) == []


def test_duration_slack_and_shown_value(video_library, chat_env):
    contest, category, rules = _rules("jiangmen")
    facts = _facts(video_library, "hd720.mp4")
    assert check_video(dataclasses.replace(facts, duration_s=300.3), rules) == []
    findings = check_video(dataclasses.replace(facts, duration_s=300.55), rules)
    assert findings[0].context == {"duration_s": 300.6, "max_s": 300}
    assert "时长5分0.6秒，超过本赛5分钟的上限" in _render(chat_env, contest, category, rules,
                                                   findings)


@pytest.mark.parametrize("reason, code, fragment", [
    ("not_a_video", "not_a_video", "不是能识别的视频"),
    ("truncated", "truncated", "视频文件不完整"),
    ("playlist", "playlist", "播放列表"),
    ("timeout", "timeout", "规定时间内"),
    ("no_video_stream", "no_video_stream", "没有视频画面"),
    ("not_regular_file", "file_unreadable", "未能读取"),
    ("outside_media_root", "file_unreadable", "未能读取"),
])
def test_probe_failures(chat_env, reason, code, fragment):
    finding = probe_failure(ProbeError(reason, "ffprobe said no"))
    assert (finding.code, finding.severity) == (code, "error")
    assert finding.context == {"reason": reason, "detail": "ffprobe said no"}
    assert verdict_of([finding]) == "fail"
    contest, category, rules = _rules("gansu_video")
    text = _render(chat_env, contest, category, rules, [finding])
    assert fragment in text and "2023年5月10日 23:59前" in text


def test_verdict_and_json_round_trip():
    warning = Finding("soft_too_long", "warning", {"duration_s": 70.0})
    assert verdict_of([]) == "pass" and verdict_of([warning]) == "pass"
    assert verdict_of([warning, Finding("no_audio")]) == "fail"
    assert Finding.from_json(warning.to_json()) == warning


def test_ratio_labels():
    assert [ratio_label(*size) for size in [(1920, 1080), (1080, 1920), (1440, 1080),
                                             (1000, 1000), (2520, 1080), (1919, 1037)]] \
        == ["16:9", "9:16", "4:3", "1:1", "21:9", None]


def test_renders_findings_as_stored_and_entry_as_dict(video_library, chat_env):
    contest, _, rules = _rules("gansu_animation")
    findings = check_video(_facts(video_library, "phone1080.mp4"), rules)
    stored = json.loads(json.dumps([f.to_json() for f in findings]))
    text = render_chat(chat_env, "video_verdict", dict(
        entry={"code": "105", "title": "质量之光"}, verdict="fail", findings=stored,
        rules=rules, contest=contest, replace_until=contest.phase("collection").end))
    assert "作品《质量之光》（编号105）" in text and "画面为竖屏（1080×1920），本赛只接受横屏作品" in text
    with_category = render_chat(chat_env, "video_verdict", dict(
        entry={"code": "105", "title": "质量之光", "category": "micro_animation"},
        verdict="fail", findings=stored, rules=rules, contest=contest, replace_until=None))
    assert "本赛微动漫类别只接受横屏作品" in with_category
