"""A broken contest file gives a ContestConfigError naming the file, the key path and the reason."""
import pytest

from bot.contest import CONTESTS_DIR as CONFIG_DIR
from bot.contest import ContestConfigError, load_contest

MINIMAL = """\
id: demo
name: 测试微视频大赛
short_name: 测试大赛
organizer: 测试主办单位
seed: none
phases:
  - id: collection
    name: 作品征集
    start: 2020-06-15
    end: 2020-07-15
  - id: voting
    name: 网络投票
    start: 2020-08-01
    end: 2020-08-10
entrant_kinds:
  - id: individual
    name: 个人
    max_entries: 2
categories:
  - id: main
    name: 微视频
form:
  - id: title
    label: 作品名称
    role: title
    max_length: 30
voting:
  phase: voting
scoring:
  jury_weight: 70
  vote_weight: 30
  criteria:
    - {id: theme, name: 主题, max_points: 100}
awards:
  - {id: first, name: 一等奖, count: 1}
"""


def write(tmp_path, text, name="demo.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def error_for(tmp_path, text, name="demo.yaml") -> ContestConfigError:
    with pytest.raises(ContestConfigError) as caught:
        load_contest(write(tmp_path, text, name))
    return caught.value


def test_the_minimal_file_loads(tmp_path):
    contest = load_contest(write(tmp_path, MINIMAL))
    assert contest.kind("individual").max_entries == 2


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    error = error_for(tmp_path, MINIMAL.replace("  - id: voting\n", "  - id: [voting\n"))
    assert str(error).startswith("demo.yaml: line ")
    assert error.file == "demo.yaml" and "invalid YAML" in error.reason


def test_empty_file(tmp_path):
    error = error_for(tmp_path, "")
    assert str(error).startswith("demo.yaml: (file): ") and "empty" in error.reason


def test_a_file_that_is_not_a_mapping(tmp_path):
    error = error_for(tmp_path, "- 一\n- 二\n")
    assert error.file == "demo.yaml" and "mapping" in error.reason


def test_unknown_key_is_named_with_a_suggestion(tmp_path):
    error = error_for(tmp_path, MINIMAL.replace("    max_entries: 2", "    max_entry: 2"))
    assert error.key == "entrant_kinds[0].max_entry"
    assert "unknown key" in error.reason and "max_entries" in error.reason
    assert str(error).startswith("demo.yaml: entrant_kinds[0].max_entry: unknown key")


def test_unknown_top_level_key(tmp_path):
    error = error_for(tmp_path, MINIMAL + "awrds: []\n")
    assert error.key == "awrds" and "did you mean 'awards'" in error.reason


def test_end_before_start(tmp_path):
    error = error_for(tmp_path, MINIMAL.replace("    end: 2020-08-10", "    end: 2020-07-31"))
    assert str(error).startswith("demo.yaml: phases[1].end: ends (2020-07-31 23:59:59) before")


def test_overlapping_phases(tmp_path):
    error = error_for(tmp_path, MINIMAL.replace("    start: 2020-08-01", "    start: 2020-07-15"))
    assert error.key == "phases[1].start" and "collection" in error.reason


def test_bad_reference_to_a_phase(tmp_path):
    error = error_for(tmp_path, MINIMAL.replace("  phase: voting", "  phase: vote"))
    assert str(error) == "demo.yaml: voting.phase: no phase has id 'vote'"


def test_bad_reference_to_a_category(tmp_path):
    text = MINIMAL.replace("    max_length: 30\n",
                           "    max_length: 30\n    applies_to_categories: [cartoon]\n")
    error = error_for(tmp_path, text)
    assert error.key == "form[0].applies_to_categories[0]" and "'cartoon'" in error.reason


def test_wrong_type(tmp_path):
    error = error_for(tmp_path, MINIMAL.replace("    max_entries: 2", "    max_entries: two"))
    assert error.key == "entrant_kinds[0].max_entries" and "integer" in error.reason


def test_bad_date(tmp_path):
    error = error_for(tmp_path, MINIMAL.replace("    start: 2020-06-15", "    start: June 15"))
    assert error.key == "phases[0].start" and "'June 15'" in error.reason


def test_impossible_date_is_a_yaml_error_with_its_line(tmp_path):
    error = error_for(tmp_path, MINIMAL.replace("2020-06-15", "2020-13-15"))
    assert error.key == "line 9, column 12" and "2020-13-15" in error.reason


def test_missing_required_key(tmp_path):
    error = error_for(tmp_path, MINIMAL.replace("organizer: 测试主办单位\n", ""))
    assert str(error) == "demo.yaml: organizer: required key is missing"


def test_duplicate_key(tmp_path):
    error = error_for(tmp_path, MINIMAL.replace("seed: none\n", "seed: none\nseed: again\n"))
    assert "given twice" in error.reason and error.key.startswith("line 6")


def test_weights_must_sum_to_100(tmp_path):
    error = error_for(tmp_path, MINIMAL.replace("jury_weight: 70", "jury_weight: 60"))
    assert error.key == "scoring" and "must be 100" in error.reason


def test_award_shares_must_not_exceed_100_percent(tmp_path):
    text = MINIMAL.replace("  - {id: first, name: 一等奖, count: 1}\n",
                           "  - {id: first, name: 一等奖, share: 60}\n"
                           "  - {id: second, name: 二等奖, share: 50}\n")
    error = error_for(tmp_path, text)
    assert error.key == "awards[1].share" and "110%" in error.reason


def test_votes_award_needs_voting(tmp_path):
    text = MINIMAL.replace("voting:\n  phase: voting\n", "").replace(
        "jury_weight: 70\n  vote_weight: 30", "jury_weight: 100\n  vote_weight: 0").replace(
        "count: 1}", "count: 1, ranked_by: votes}")
    error = error_for(tmp_path, text)
    assert error.key == "awards[0].ranked_by"


def test_duplicate_ids(tmp_path):
    error = error_for(tmp_path, MINIMAL.replace("  - id: voting\n", "  - id: collection\n"))
    assert error.key == "phases[1].id" and "duplicate" in error.reason


def test_unquoted_aspect_ratio_is_explained(tmp_path):
    error = error_for(tmp_path, MINIMAL + "video_rules:\n  aspect_ratios: [16:9]\n")
    assert error.key == "video_rules.aspect_ratios[0]" and "'16:9'" in error.reason


def test_bad_regex(tmp_path):
    text = MINIMAL.replace("    max_length: 30\n",
                           "    pattern: '[a-'\n    pattern_message: 格式不对\n")
    error = error_for(tmp_path, text)
    assert error.key == "form[0].pattern" and "regular expression" in error.reason


def test_id_must_match_the_file_name(tmp_path):
    error = error_for(tmp_path, MINIMAL, name="other.yaml")
    assert str(error).startswith("other.yaml: id: ")


def test_unknown_contest_id_lists_the_shipped_ones():
    with pytest.raises(ContestConfigError) as caught:
        load_contest("no-such-contest")
    assert "jiangmen-2020" in caught.value.reason


def test_every_problem_is_kept(tmp_path):
    text = MINIMAL.replace("    max_entries: 2", "    max_entries: two").replace(
        "name: 测试微视频大赛", "nam: 测试微视频大赛")
    error = error_for(tmp_path, text)
    keys = {key for key, _ in error.problems}
    assert {"nam", "name", "entrant_kinds[0].max_entries"} <= keys
    assert "more problem" in error.reason


def test_a_blind_jury_may_not_be_shown_a_personal_field(tmp_path):
    text = MINIMAL.replace("    max_length: 30\n", "    max_length: 30\n"
                           "  - id: phone\n    label: 联系电话\n    type: phone\n"
                           "    judge_visible: true\n")
    error = error_for(tmp_path, text)
    assert error.key == "form[1].judge_visible" and "blind jury" in error.reason


def test_a_mapping_made_a_key_is_a_yaml_error_with_its_line(tmp_path):
    error = error_for(tmp_path, MINIMAL.replace("seed: none\n", "? seed: none\n"))
    assert "a key must be a plain word" in error.reason and error.key.startswith("line ")


def test_a_wrong_key_of_a_mapping_of_choices_is_named(tmp_path):
    text = (CONFIG_DIR / "guangxi-2022.yaml").read_text(encoding="utf-8")
    renamed = error_for(tmp_path, text.replace("      单选: {count: 6}", "      单选题: {count: 6}"),
                        "guangxi-2022.yaml")
    assert renamed.key == "quiz.draw.by_type.单选题"
    retyped = error_for(tmp_path, text.replace("      法律法规: {share: 20}",
                                               "      法律法规: {share: 一半}"), "guangxi-2022.yaml")
    assert retyped.key == "quiz.draw.by_category.法律法规.share"
