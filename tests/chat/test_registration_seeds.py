"""A full registration for each seed contest, from 报名 to a confirmed entry, through the webhook."""
import logging

import pytest
from sqlalchemy import select

from bot.models import AuditLog, Entry
from tests.registration_scripts import SEED_RUNS, converse


@pytest.mark.parametrize("run", SEED_RUNS, ids=list(SEED_RUNS))
def test_a_seed_contest_registration_ends_with_a_confirmed_entry(start_bot, run, caplog):
    contest_id, now, script = SEED_RUNS[run]
    bot = start_bot(CONTEST=contest_id, CONTEST_NOW=now)
    user = bot.user(openid=f"o-{run.replace(' ', '-')}")
    with caplog.at_level(logging.DEBUG):
        converse(user, script)
        confirmed = user.send_text("确认").content
    assert "报名成功！作品编号：101" in confirmed
    assert "发送作品视频" in confirmed
    with bot.services.db() as session:
        entry = session.scalars(select(Entry)).one()
        audit = session.scalars(select(AuditLog).where(AuditLog.target_id == str(entry.id))).all()
    assert entry.contest_id == contest_id and entry.code == "101"
    assert entry.state == "awaiting_video" and entry.confirmed_at is not None
    assert entry.pledges_accepted_at is not None
    typed = {line for line, _ in script}
    assert entry.title in typed
    assert all(value is None or str(value) in typed or isinstance(value, (int, float))
               or len(str(value)) < 40 for value in entry.form.values())
    assert [line.action for line in audit] == ["entry.confirmed"]
    assert "o-" not in audit[0].actor  # the openid is masked
    phones = [line for line, _ in script if line[:1] in "01" and len(line) >= 11]
    assert phones and not any(p in r.getMessage() for p in phones for r in caplog.records)
    assert "101" in user.send_text("我的作品").content


def test_shandong_2024_has_no_registration(start_bot):
    bot = start_bot(CONTEST="shandong-2024-quality-month", CONTEST_NOW="2024-09-05T10:00:00")
    reply = bot.user().send_text("报名").content
    assert "不设作品征集" in reply
    assert "没有看懂" in bot.user().send_text("是").content
