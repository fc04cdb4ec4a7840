"""Registration-sheet layouts (登记表/报名表) in the shape of each notice's annexes.

A layout is a title, a line under it, and rows. A row is a Section (a full-width heading) or a
list of (label, source) pairs: one pair spans the whole width, two share it. A source is a field
id, several ids separated by "|" (the first answered wins), or a function (contest, entry) -> text.
Contests without their own layout get one built from the form: the entrant's fields, then the
work's. Answers a layout does not show are added under 其他登记信息.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.console.labels import answer_text, kind_label

TALL = frozenset({"内容简介", "作品简介", "报送单位意见"})
ENTRANT_ROLES = frozenset({"entrant_name", "contact_name", "phone", "email", "organization",
                           "address"})
GANSU_OPINION = ("经我单位审核，该作品申报材料属实。我单位同意推荐该作品参加质量强国建设微视频征集活动。\n"
                 "年　月　日（请加盖推荐单位公章）")


@dataclass(frozen=True)
class Section:
    """A full-width heading row."""

    title: str


@dataclass
class Layout:
    """One registration sheet's shape."""

    title: str
    subtitle: str | Callable[..., str] = ""  # text, or a function (contest, entry) -> text
    rows: list = field(default_factory=list)
    shows: frozenset = frozenset()  # field ids a function source shows


def value_of(contest, entry, source) -> str:
    """The text a source gives for this entry."""
    if callable(source):
        return source(contest, entry)
    if not source.startswith("="):
        for field_id in source.split("|"):
            answer = (entry.form or {}).get(field_id)
            if answer not in (None, ""):
                return answer_text(contest, contest.field(field_id), answer)
        return ""
    return source[1:]


def used_fields(layout: Layout) -> set[str]:
    """The field ids a layout shows."""
    ids = set(layout.shows)
    for row in layout.rows:
        if isinstance(row, list):
            for _, source in row:
                if isinstance(source, str) and not source.startswith("="):
                    ids.update(source.split("|"))
    return ids


def _gansu_submitter(contest, entry) -> str:
    return value_of(contest, entry, "unit_name|person_organization|person_name")


def _gansu_info(contest, entry) -> str:
    name = _gansu_submitter(contest, entry)
    return f"{name}（{kind_label(contest, entry.entrant_kind)}）" if name else ""


GANSU = Layout("质量强国建设微视频作品登记表",
               lambda contest, entry: f"报送单位：{_gansu_submitter(contest, entry)}", [
                   [("作品名称", "title|title_animation")],
                   [("作品类别", "category"), ("片长", "declared_duration")],
                   [("拍摄单位", "producer")],
                   [("拍摄时间", "shot_on"), ("完成时间", "finished_on")],
                   [("作品简介", "synopsis")],
                   [("报送单位信息", _gansu_info)],
                   [("报送单位意见", "=" + GANSU_OPINION)],
                   [("联系人", "contact_name"), ("联系电话", "phone")],
               ], frozenset({"unit_name", "person_organization", "person_name"}))


def _jiangmen(kind_name: str, people: list) -> Layout:
    return Layout(f"2020年江门市“我身边的质量故事”微视频创作大赛报名表（{kind_name}）", "", [
        Section("参赛选手资料"), *people, Section("微视频资料简介"),
        [("视频题目", "title")], [("内容简介", "synopsis")]])


JIANGMEN = {
    "team": _jiangmen("团体", [[("团体名称", "team_name"), ("团体代表姓名", "representative")],
                               [("联系电话", "phone"), ("电子信箱", "email")],
                               [("单位地址", "address"), ("邮政编码", "postcode")]]),
    "individual": _jiangmen("个人", [[("姓名", "name"), ("联系电话", "phone")],
                                     [("电子信箱", "email")],
                                     [("单位地址", "address"), ("邮政编码", "postcode")]]),
}


def _pairs(fields) -> list:
    rows, pending = [], []
    for form_field in fields:
        if form_field.role == "synopsis" or (form_field.max_length or 0) > 60:
            rows.append([(form_field.label, form_field.id)])
            continue
        pending.append((form_field.label, form_field.id))
        if len(pending) == 2:
            rows.append(pending)
            pending = []
    return rows + ([pending] if pending else [])


def generic_layout(contest, entry) -> Layout:
    """A layout built from the form fields asked of this entry's kind and category."""
    fields = contest.fields_for(entry.entrant_kind, entry.category)
    kind = contest.kind(entry.entrant_kind)
    title = f"{contest.name}{(kind.form_title if kind and kind.form_title else '报名表')}"
    people = [f for f in fields if f.role in ENTRANT_ROLES]
    work = [f for f in fields if f.role not in ENTRANT_ROLES]
    return Layout(title, "", [Section("参赛者资料"), *_pairs(people),
                              Section("作品资料"), *_pairs(work)])


def layout_for(contest, entry) -> Layout:
    """The registration sheet layout of this entry."""
    if contest.id == "gansu-2023":
        return GANSU
    if contest.id == "jiangmen-2020" and entry.entrant_kind in JIANGMEN:
        return JIANGMEN[entry.entrant_kind]
    return generic_layout(contest, entry)


def leftover_rows(contest, entry, layout: Layout) -> list:
    """Answered fields the layout does not show, as full-width rows."""
    shown = used_fields(layout)
    return [[(f.label, f.id)] for f in contest.form
            if f.id not in shown and (entry.form or {}).get(f.id) not in (None, "")]
