"""The five shipped seed contests load and carry the rules of their notices."""
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.contest import CONTESTS_DIR, contest_ids, load_contest

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEEDS = {
    "shandong-2021-housing": "000_6fe9eb11933e06ff.txt",
    "shandong-2024-quality-month": "001_42105bbffbff3859.txt",
    "gansu-2023": "002_2f8ba9d331c34c1b.txt",
    "jiangmen-2020": "003_f13b573b050a0a03.txt",
    "guangxi-2022": "004_4e992135bde090fb.txt",
}


def local(*parts):
    return datetime(*parts, tzinfo=SHANGHAI)


def test_the_five_seed_contests_are_shipped():
    assert contest_ids() == sorted(SEEDS)


@pytest.mark.parametrize("contest_id", sorted(SEEDS))
def test_each_seed_contest_loads_and_names_its_seed(contest_id):
    contest = load_contest(contest_id)
    assert contest.id == contest_id
    assert contest.seed == SEEDS[contest_id]
    assert contest.timezone == "Asia/Shanghai"
    first_line = (CONTESTS_DIR / f"{contest_id}.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("#") and SEEDS[contest_id] in first_line


def test_a_contest_loads_from_a_path_too():
    path = Path(CONTESTS_DIR) / "gansu-2023.yaml"
    assert load_contest(str(path)).short_name == "质量强国建设微视频"


def test_jiangmen_phases_switch_at_midnight_shanghai_time():
    contest = load_contest("jiangmen-2020")
    assert contest.phase_at(local(2020, 7, 15, 23, 59, 59)).id == "collection"
    assert contest.phase_at(local(2020, 7, 15, 23, 59, 59, 900000)).id == "collection"
    assert contest.phase_at(local(2020, 7, 16, 0, 0, 0)).id == "screening"
    assert contest.phase_at(local(2020, 6, 14, 23, 59, 59)) is None
    assert contest.phase_at(local(2020, 6, 15)).id == "collection"
    assert contest.phase_at(local(2020, 8, 12)) is None  # between voting and judging
    # 2020-07-15 16:00 UTC is 2020-07-16 00:00 in Shanghai
    utc = datetime(2020, 7, 15, 16, 0, tzinfo=ZoneInfo("UTC"))
    assert contest.phase_at(utc).id == "screening"


def test_jiangmen_voting_window_is_august_1_to_10():
    contest = load_contest("jiangmen-2020")
    assert contest.voting.phase == "voting"
    assert not contest.is_open("voting", local(2020, 7, 31, 23, 59, 59))
    assert contest.is_open("voting", local(2020, 8, 1))
    assert contest.is_open("voting", local(2020, 8, 10, 23, 59, 59))
    assert not contest.is_open("voting", local(2020, 8, 11))
    assert contest.voting.votes_per_user == 1 and contest.voting.per == "contest"
    assert contest.voting.follow_required


def test_jiangmen_entry_limits_individual_two_units_unlimited():
    contest = load_contest("jiangmen-2020")
    assert contest.kind("individual").max_entries == 2
    assert contest.kind("team").max_entries is None


def test_jiangmen_forms_follow_annex_1_and_2():
    contest = load_contest("jiangmen-2020")
    team = [field.label for field in contest.fields_for("team", "micro_video")]
    person = [field.label for field in contest.fields_for("individual", "micro_video")]
    assert team[:2] == ["团体名称", "团体代表姓名"]
    assert person[0] == "姓名"
    for label in ("联系电话", "电子信箱", "单位地址", "邮政编码", "视频题目", "内容简介"):
        assert label in team and label in person


def test_jiangmen_video_rules_and_scoring():
    contest = load_contest("jiangmen-2020")
    rules = contest.video_rules_for("micro_video")
    assert rules.max_duration_s == 300 and rules.min_height == 720
    assert set(rules.containers) == {"avi", "mov", "mp4", "mpg"}
    assert any("片头字幕" in check for check in rules.manual_checks)
    assert (contest.scoring.jury_weight, contest.scoring.vote_weight) == (70, 30)


def test_jiangmen_awards():
    contest = load_contest("jiangmen-2020")
    awards = {award.id: award for award in contest.awards}
    assert [awards[i].count for i in ("first", "second", "third")] == [1, 3, 5]
    assert awards["popular"].name == "最佳人气奖" and awards["popular"].ranked_by == "votes"
    assert awards["excellent"].count == 20
    counts = contest.award_counts(100)
    assert counts["first"] + counts["second"] + counts["third"] + counts["excellent"] == 29


def test_jiangmen_reminds_three_days_before_the_deadline():
    due = {notice.id: when for when, notice in load_contest("jiangmen-2020").scheduled_notices()}
    assert due["deadline_in_3_days"] == local(2020, 7, 12, 10, 0)
    assert due["voting_open"] == local(2020, 8, 1, 10, 0)


def test_gansu_animation_is_60_seconds_landscape_16_9():
    rules = load_contest("gansu-2023").video_rules_for("micro_animation")
    assert rules.max_duration_s == 60
    assert rules.orientations == ["landscape"] and rules.aspect_ratios == ["16:9"]
    assert rules.size_allowed(1920, 1080) and rules.size_allowed(3840, 2160)
    assert not rules.size_allowed(1080, 1920)


def test_gansu_micro_video_accepts_both_orientations_with_unswapped_sizes():
    rules = load_contest("gansu-2023").video_rules_for("micro_video")
    assert rules.max_duration_s == 90 and rules.soft_max_duration_s == 60
    for size in ((1920, 1080), (3840, 2160), (1080, 1920), (2160, 3840)):
        assert rules.size_allowed(*size)
    assert rules.ratio_allowed(1080, 1920) and not rules.ratio_allowed(1440, 1080)
    assert set(rules.containers) == {"mp4", "mov"}


def test_gansu_form_rules():
    contest = load_contest("gansu-2023")
    animation = {field.id: field for field in contest.fields_for("unit", "micro_animation")}
    assert animation["title_animation"].max_length == 15
    synopsis = animation["animation_synopsis"]
    assert synopsis.max_length == 140
    assert synopsis.matches_pattern("讲述质量故事。（甘肃省某某水利工程有限公司）")
    assert not synopsis.matches_pattern("讲述质量故事。")
    assert animation["synopsis"].max_length == 100
    assert animation["finished_on"].not_before == "shot_on"
    assert animation["finished_on"].not_before_date == date(2020, 1, 1)
    video = {field.id for field in contest.fields_for("unit", "micro_video")}
    assert "copy_text" in video and "animation_synopsis" not in video


def test_gansu_eligibility_asks_organisations_about_legal_establishment():
    contest = load_contest("gansu-2023")
    everyone = {question.id for question in contest.eligibility_for(None)}
    assert {"supports_party_line", "clean_record", "made_after_2020"} <= everyone
    assert "legally_established" not in everyone
    assert "legally_established" in {q.id for q in contest.eligibility_for("unit")}
    assert "legally_established" not in {q.id for q in contest.eligibility_for("individual")}


def test_shandong_2021_units_only_12_topics_and_award_shares():
    contest = load_contest("shandong-2021-housing")
    assert [kind.id for kind in contest.entrant_kinds] == ["unit"]
    assert len(contest.categories) == 12
    rules = contest.video_rules_for("t06_testing")
    assert rules.max_duration_s == 300 and rules.min_height == 480
    assert set(rules.containers) == {"mp4", "avi", "mpg", "wmv"}
    assert contest.voting is None and contest.scoring.vote_weight == 0
    assert [award.share for award in contest.awards] == [5, 20, 35, 40]
    assert list(contest.award_counts(20).values()) == [1, 4, 7, 8]
    assert sum(contest.award_counts(13).values()) == 13
    assert contest.phase_at(local(2021, 9, 20, 23, 59, 59)).id == "collection"
    assert contest.phase_at(local(2021, 9, 21)).id == "screening"


def test_shandong_2024_pushes_twelve_slogans_and_takes_no_entries():
    contest = load_contest("shandong-2024-quality-month")
    assert not contest.accepts_entries
    assert contest.phase("collection") is None
    assert len(contest.slogans) == 12
    assert contest.slogans[9] == "恪守质量诚信践行社会责任"
    scheduled = contest.scheduled_notices()
    pushed = {notice.text for _, notice in scheduled if notice.kind == "slogan"}
    assert pushed == set(contest.slogans)
    assert all(local(2024, 9, 1) <= when <= local(2024, 9, 30, 23, 59, 59)
               for when, _ in scheduled)


def test_guangxi_runs_in_september_2022_without_public_vote():
    contest = load_contest("guangxi-2022")
    assert contest.phase("collection").start == local(2022, 9, 8)
    assert contest.voting is None
    assert any(notice.id == "quiz" for notice in contest.notices)
