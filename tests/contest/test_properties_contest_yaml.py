"""Property-based drill of the contest YAML loader: mutated copies of the shipped contests.

Whatever the mutation (a key removed, renamed or added, a value of the wrong type, the text cut
or garbled), load_contest either loads the contest or raises ContestConfigError naming the file
and a key (or a line of the file); it never raises anything else.
"""
import copy

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.contest import CONTESTS_DIR, contest_ids, load_contest
from bot.contest.yaml_file import ContestConfigError

DRILL = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])
SHIPPED = {cid: (CONTESTS_DIR / f"{cid}.yaml").read_text(encoding="utf-8")
           for cid in contest_ids()}
WRONG_VALUES = st.one_of(st.none(), st.integers(-5, 10**12), st.floats(allow_nan=True),
                         st.booleans(), st.text(max_size=20), st.lists(st.integers(), max_size=3),
                         st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
                         st.sampled_from(["2020-13-45", "25:99", "-1", "", "无", "yes", "ＡＢ"]))


def _paths(node, prefix=()):
    """Every (path, value) in a parsed YAML tree."""
    yield prefix, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


def _parent_and_key(tree, path):
    node = tree
    for part in path[:-1]:
        node = node[part]
    return node, path[-1]


@st.composite
def mutated(draw):
    contest_id = draw(st.sampled_from(sorted(SHIPPED)))
    text = SHIPPED[contest_id]
    how = draw(st.sampled_from(["remove", "retype", "rename", "add", "cut", "garble",
                                "duplicate_line"]))
    if how in ("cut", "garble", "duplicate_line"):
        lines = text.splitlines(keepends=True)
        at = draw(st.integers(0, len(lines) - 1))
        if how == "cut":
            text = "".join(lines[:at]) + lines[at][:draw(st.integers(0, len(lines[at])))]
        elif how == "garble":
            junk = draw(st.sampled_from(["\t", ": :", "- ", "[", "{", "&a", "*b", "!!python/x ",
                                         "'", '"', "\x00", "%", "  ", "? "]))
            text = "".join(lines[:at]) + junk + "".join(lines[at:])
        else:
            text = "".join(lines[:at + 1]) + lines[at] + "".join(lines[at + 1:])
        return contest_id, how, None, text
    tree = yaml.safe_load(text)
    paths = [p for p, _ in _paths(tree) if p and isinstance(p[-1], str)]
    path = draw(st.sampled_from(paths))
    tree = copy.deepcopy(tree)
    parent, key = _parent_and_key(tree, path)
    if how == "remove":
        del parent[key]
    elif how == "retype":
        parent[key] = draw(WRONG_VALUES)
    elif how == "rename":
        parent[key + "_x"] = parent.pop(key)
        path = path[:-1] + (key + "_x",)
    else:
        path = path[:-1] + ("surprise_key",)
        parent["surprise_key"] = draw(WRONG_VALUES)
    dumped = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)
    return contest_id, how, path, dumped


@pytest.mark.timeout(60)
@DRILL
@given(case=mutated())
def test_a_mutated_contest_file_loads_or_is_refused_naming_the_key(tmp_path_factory, case):
    contest_id, how, path, text = case
    target = tmp_path_factory.mktemp("yaml") / f"{contest_id}.yaml"
    target.write_text(text, encoding="utf-8")
    try:
        load_contest(str(target))
    except ContestConfigError as error:
        assert str(error).startswith(f"{contest_id}.yaml: ")
        assert error.key and error.reason, str(error)
        if how in ("rename", "add"):  # an unknown key is refused by its name
            assert any(str(path[-1]) in key for key, _ in error.problems), str(error)
