"""A 2,000-recipient broadcast against the fake platform with its quotas, by a real RQ worker:
every recipient ends with exactly one delivery or a recorded reason, and nothing is doubled."""
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, update

from bot.db import session_scope
from bot.delivery.broadcasts import confirm_broadcast, create_broadcast, preview, progress
from bot.models import Delivery

TEXT = "投票明天截止，请抓紧时间为喜爱的作品投票。"


def _spend_mass_allowance(services, openids: list) -> None:
    """These users already got their 4 mass messages this month (by our records)."""
    now = datetime.now(UTC)
    with session_scope(services.db) as session:
        session.execute(insert(Delivery), [dict(
            contest_id=services.contest.id, openid=openid, purpose="earlier", channel="mass",
            status="sent", payload={}, attempts=1, idempotency_key=f"earlier:{openid}:{n}",
            created_at=now, sent_at=now) for openid in openids for n in range(4)])


def _crowd(stack) -> dict:
    groups = {
        "window": stack.people([f"oWin{i:04d}" for i in range(150)], window=True),
        "mass": stack.people([f"oMass{i:04d}" for i in range(1700)]),
        "spent": stack.people([f"oSpent{i:03d}" for i in range(100)]),
        "unfollowed": stack.people([f"oGone{i:03d}" for i in range(50)], following=False),
    }
    _spend_mass_allowance(stack.services, groups["spent"])
    return groups


def _pushes(stack, openids) -> Counter:
    return Counter({openid: len(stack.received(openid)) for openid in openids})


def test_two_thousand_recipients_each_get_one_delivery_or_a_reason(notice_stack):
    stack = notice_stack()
    groups = _crowd(stack)
    everyone = [openid for members in groups.values() for openid in members]
    assert len(everyone) == 2000
    broadcast_id = create_broadcast(stack.services, audience="followers", text=TEXT,
                                    created_by="test")
    assert preview(stack.services, broadcast_id)["size"] == {"total": 1950, "following": 1950}

    confirm_broadcast(stack.services, broadcast_id, "test")
    stack.run_worker()

    deliveries = stack.deliveries(broadcast_id)
    assert len(deliveries) == 1950 and len({d.openid for d in deliveries}) == 1950
    by_openid = {d.openid: d for d in deliveries}
    assert {d.status for d in deliveries} <= {"sent", "deferred"}
    assert all(by_openid[o].channel == "custom" for o in groups["window"])
    assert all(by_openid[o].channel == "mass" for o in groups["mass"])
    assert all(by_openid[o].status == "deferred" and by_openid[o].channel == "next_reply"
               for o in groups["spent"])
    pushes = _pushes(stack, everyone)
    assert all(pushes[o] == 1 for o in groups["window"] + groups["mass"])
    assert all(pushes[o] == 0 for o in groups["spent"] + groups["unfollowed"])
    done = progress(stack.services, broadcast_id)
    assert done["state"] == "done" and done["pending"] == 0
    assert (done["sent"], done["deferred"], done["failed"]) == (1850, 100, 0)
    mass_calls = [c for c in stack.platform.state.calls if "mass/send" in c.get("path", "")]
    assert 1 <= len(mass_calls) <= 60

    # Run it again: confirm again and work the queue: nothing is sent twice.
    confirm_broadcast(stack.services, broadcast_id, "test")
    stack.run_worker()
    assert _pushes(stack, everyone) == pushes
    assert len(stack.deliveries(broadcast_id)) == 1950


def test_entrant_audience_records_why_an_unfollowed_entrant_got_nothing(notice_stack):
    from tests.notices_fixtures import make_entries

    stack = notice_stack()
    ids = make_entries(stack.services, 3, "awaiting_video", prefix="oEnt")
    for index in range(3):
        stack.platform.state.add_user(f"oEnt{index:05d}", subscribed=index != 2)
    with session_scope(stack.services.db) as session:
        from bot.models import Entrant
        session.execute(update(Entrant).where(Entrant.openid == "oEnt00002")
                        .values(subscribed=False))
    broadcast_id = create_broadcast(stack.services, audience="entrants_without_video",
                                    text=TEXT, created_by="test")
    confirm_broadcast(stack.services, broadcast_id, "test")
    stack.run_worker()
    outcome = {d.openid: (d.status, d.channel, d.errmsg) for d in stack.deliveries(broadcast_id)}
    assert outcome["oEnt00002"] == ("skipped", "none", "not following")
    assert outcome["oEnt00000"][:2] == ("sent", "mass")
    assert len(ids) == 3


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs, no except clause catches it."""


def _run_until_killed(stack, broadcast_id: int, module, name: str) -> None:
    """Fan out, with the worker killed right after module.name has run."""
    from bot.delivery.fanout import fan_out
    from bot.wechat.client import make_api
    real = getattr(module, name)

    def step_then_die(*args, **kwargs):
        real(*args, **kwargs)
        raise WorkerKilled(name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, name, step_then_die)
        with pytest.raises(WorkerKilled):
            fan_out(stack.services, make_api(stack.services), broadcast_id)
    stack.services.redis.delete(f"lock:broadcast:{broadcast_id}")  # its lease ran out


def _mass_calls(stack) -> list:
    return [c for c in stack.platform.state.calls if c["path"] == "/cgi-bin/message/mass/send"]


def test_a_mass_batch_interrupted_after_the_call_is_not_sent_again(notice_stack):
    import bot.delivery.fanout_mass
    stack = notice_stack()
    openids = stack.people([f"oRetry{i:03d}" for i in range(20)])
    broadcast_id = create_broadcast(stack.services, audience="followers", text=TEXT,
                                    created_by="test")
    confirm_broadcast(stack.services, broadcast_id, "test", enqueue=False)
    # WeChat took the batch; the worker died before recording it.
    _run_until_killed(stack, broadcast_id, bot.delivery.fanout_mass, "_mass_call")
    before = _pushes(stack, openids)
    assert set(before.values()) == {1}
    assert {d.status for d in stack.deliveries(broadcast_id)} == {"pending"}
    assert stack.broadcast(broadcast_id).mass_claim["key"] == _mass_calls(stack)[0]["body"][
        "clientmsgid"]

    confirm_broadcast(stack.services, broadcast_id, "test")  # still sending: queued again
    stack.run_worker()
    assert _pushes(stack, openids) == before  # same clientmsgid: WeChat answered 45065
    calls = _mass_calls(stack)
    assert len(calls) == 2 and calls[0]["body"]["clientmsgid"] == calls[1]["body"]["clientmsgid"]
    assert {(d.status, d.channel) for d in stack.deliveries(broadcast_id)} == {("sent", "mass")}
    assert stack.broadcast(broadcast_id).mass_claim is None
    assert progress(stack.services, broadcast_id)["sent"] == 20


def test_customer_service_sends_cut_off_by_a_crash_are_recorded_not_repeated(notice_stack):
    import bot.delivery.fanout_single
    stack = notice_stack()
    windowed = stack.people([f"oCut{i:03d}" for i in range(30)], window=True)
    broadcast_id = create_broadcast(stack.services, audience="followers", text=TEXT,
                                    created_by="test")
    confirm_broadcast(stack.services, broadcast_id, "test", enqueue=False)
    # The 30 messages went out; the worker died before writing down what happened.
    _run_until_killed(stack, broadcast_id, bot.delivery.fanout_single, "custom_outcome")
    assert sum(_pushes(stack, windowed).values()) >= 1

    pushed = _pushes(stack, windowed)
    confirm_broadcast(stack.services, broadcast_id, "test")
    stack.run_worker()
    assert _pushes(stack, windowed) == pushed  # nobody got it a second time
    outcome = {(d.status, d.errmsg) for d in stack.deliveries(broadcast_id)}
    assert outcome == {("failed", "interrupted during the send; not retried to avoid a double")}
    assert progress(stack.services, broadcast_id)["failed"] == 30


def test_a_broadcast_held_by_a_dead_run_is_free_again_when_its_lease_runs_out(notice_stack,
                                                                              monkeypatch):
    import bot.delivery.fanout
    from bot.delivery.fanout import fan_out
    from bot.wechat.client import make_api
    stack = notice_stack()
    openids = stack.people([f"oLease{i:03d}" for i in range(5)])
    broadcast_id = create_broadcast(stack.services, audience="followers", text=TEXT,
                                    created_by="test")
    confirm_broadcast(stack.services, broadcast_id, "test", enqueue=False)
    monkeypatch.setattr(bot.delivery.fanout, "LEASE_SECONDS", 2)
    dead_run = stack.services.redis.lock(f"lock:broadcast:{broadcast_id}", timeout=2)
    assert dead_run.acquire(blocking=False)  # and then the process was killed
    report = fan_out(stack.services, make_api(stack.services), broadcast_id)
    assert report["sent"] == 5 and set(_pushes(stack, openids).values()) == {1}


def test_a_subscription_account_sends_by_a_temporary_tag_once_a_day(notice_stack):
    stack = notice_stack(account="subscription")
    crowd = stack.people([f"oSub{i:03d}" for i in range(120)])
    stack.people(["oSubWin"], window=True)
    first = create_broadcast(stack.services, audience="followers", text=TEXT, created_by="test")
    confirm_broadcast(stack.services, first, "test")
    stack.run_worker()
    outcome = {d.openid: (d.status, d.channel) for d in stack.deliveries(first)}
    assert outcome.pop("oSubWin") == ("sent", "custom")
    assert set(outcome.values()) == {("sent", "mass")} and len(outcome) == 120
    assert _pushes(stack, crowd) == Counter({openid: 1 for openid in crowd})
    calls = stack.platform.state.calls
    tagging = [c for c in calls if c["path"] == "/cgi-bin/tags/members/batchtagging"]
    assert len(tagging) == 3 and all(len(c["body"]["openid_list"]) <= 50 for c in tagging)
    assert [c["path"] for c in calls].count("/cgi-bin/message/mass/sendall") == 1
    assert stack.platform.state.tags == {}  # the temporary tag is gone

    second = create_broadcast(stack.services, audience="followers", text="第二条通知",
                              created_by="test")
    confirm_broadcast(stack.services, second, "test")
    stack.run_worker()  # a subscription account's one mass send a day is spent: 45028
    kept = {d.openid: (d.status, d.errcode) for d in stack.deliveries(second)}
    assert kept["oSub000"] == ("deferred", 45028)
    reply = stack.platform.sim("POST", "/users/oSub000/send",
                               json={"type": "text", "content": "帮助"})["reply"]["Content"]
    assert reply.startswith("第二条通知")
