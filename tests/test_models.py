"""The durable records: constraints that enforce the contest rules, and the entrant repository."""
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, StatementError

from bot.db import Base, make_engine, make_session_factory, session_scope
from bot.entrants import get_or_create_entrant, record_follow, record_unfollow, touch_message
from bot.models import (
    AuditLog,
    ConsoleUser,
    Delivery,
    Entrant,
    Entry,
    MediaFile,
    Score,
    SeenMessage,
    ValidationResult,
    Vote,
    VoteInvalidation,
)

CONTEST = "jiangmen-2020"
T0 = datetime(2020, 8, 3, 1, 0, tzinfo=UTC)


@pytest.fixture(params=["postgresql", "sqlite"])
def any_db_factory(request, tmp_path):
    """A session factory on PostgreSQL (the shared test database) or on a fresh SQLite file."""
    if request.param == "postgresql":
        yield request.getfixturevalue("db_factory")
        return
    import bot.models  # noqa: F401

    engine = make_engine(f"sqlite:///{tmp_path / 'models.sqlite3'}")
    Base.metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


def make_entry(session, contest_id=CONTEST, code="A001", openid="o-entrant", **fields) -> Entry:
    entrant = get_or_create_entrant(session, openid, T0)
    entry = Entry(contest_id=contest_id, code=code, entrant=entrant, entrant_kind="individual",
                  category="微视频", title="我身边的质量故事", **fields)
    session.add(entry)
    session.flush()
    return entry


def make_vote(entry_id, voter="o-voter", period="contest", contest_id=CONTEST, at=T0) -> Vote:
    return Vote(contest_id=contest_id, voter_openid=voter, entry_id=entry_id, period=period,
                channel="chat", cast_at=at)


def run_in_threads(count, work):
    """Run work(index) in `count` threads released together; return what each raised or None."""
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def run(index):
        barrier.wait()
        try:
            work(index)
        except Exception as error:  # noqa: BLE001  (collected for the assertions)
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def count_rows(factory, model) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model))


# --- votes -------------------------------------------------------------------------------------

def test_second_vote_in_the_same_period_is_refused_by_the_database(db_factory):
    with session_scope(db_factory) as session:
        first, second = make_entry(session, code="A001"), make_entry(session, code="A002")
        session.add(make_vote(first.id))
    with pytest.raises(IntegrityError), session_scope(db_factory) as session:
        session.add(make_vote(second.id, at=T0 + timedelta(days=3)))
    assert count_rows(db_factory, Vote) == 1


def test_daily_period_allows_one_vote_each_day_and_each_contest(db_factory):
    with session_scope(db_factory) as session:
        entry = make_entry(session)
        other_contest_entry = make_entry(session, contest_id="gansu-2023")
        session.add(make_vote(entry.id, period="2020-08-03"))
        session.add(make_vote(entry.id, period="2020-08-04", at=T0 + timedelta(days=1)))
        session.add(make_vote(other_contest_entry.id, period="2020-08-03",
                              contest_id="gansu-2023"))
    with pytest.raises(IntegrityError), session_scope(db_factory) as session:
        session.add(make_vote(entry.id, period="2020-08-04", at=T0 + timedelta(days=1, hours=2)))
    assert count_rows(db_factory, Vote) == 3


def test_twenty_simultaneous_identical_votes_leave_one_row(db_factory):
    with session_scope(db_factory) as session:
        entry_id = make_entry(session).id

    def vote(_index):
        with session_scope(db_factory) as session:
            session.add(make_vote(entry_id))

    outcomes = run_in_threads(20, vote)
    assert outcomes.count(None) == 1
    assert all(isinstance(error, IntegrityError) for error in outcomes if error is not None)
    assert count_rows(db_factory, Vote) == 1


def test_a_vote_is_invalidated_at_most_once(db_factory):
    with session_scope(db_factory) as session:
        vote = make_vote(make_entry(session).id)
        session.add(vote)
        session.flush()
        session.add(VoteInvalidation(vote_id=vote.id, reason="刷票", actor="organizer"))
        vote_id = vote.id
    with pytest.raises(IntegrityError), session_scope(db_factory) as session:
        session.add(VoteInvalidation(vote_id=vote_id, reason="again", actor="organizer"))
    with db_factory() as session:
        assert session.get(Vote, vote_id).invalidation.reason == "刷票"


# --- entries and their files -------------------------------------------------------------------

def test_entry_code_is_unique_per_contest_and_reusable_across_contests(db_factory):
    with session_scope(db_factory) as session:
        make_entry(session, code="A001")
        make_entry(session, contest_id="gansu-2023", code="A001")
        make_entry(session, code=None)  # drafts have no code yet
        make_entry(session, code=None)
    with pytest.raises(IntegrityError), session_scope(db_factory) as session:
        make_entry(session, code="A001")
    assert count_rows(db_factory, Entry) == 4


def test_entry_state_check_rejects_unknown_states(db_factory):
    with session_scope(db_factory) as session:
        entry = make_entry(session)
        assert entry.state == "draft"
        entry.state = "finalist"
    with pytest.raises(IntegrityError), session_scope(db_factory) as session:
        make_entry(session, code="A002", state="shortlisted")


def test_entry_keeps_form_answers_and_aware_timestamps(db_factory):
    form = {"title": "质量在身边", "phone": "13800000000", "members": ["张三", "李四"], "minutes": 4}
    with session_scope(db_factory) as session:
        entry_id = make_entry(session, form=form, pledges_accepted_at=T0).id
    with db_factory() as session:
        entry = session.get(Entry, entry_id)
        assert entry.form == form
        assert entry.pledges_accepted_at == T0
        assert entry.created_at.tzinfo is not None and entry.created_at.utcoffset() == timedelta(0)
        assert entry.entrant.openid == "o-entrant"
    with session_scope(db_factory) as session:
        entry = session.get(Entry, entry_id)
        entry.form["title"] = "质量在我身边"
    with db_factory() as session:
        assert session.get(Entry, entry_id).form["title"] == "质量在我身边"


def test_naive_timestamps_are_refused(db_factory):
    with pytest.raises(StatementError, match="timezone-aware"), \
            session_scope(db_factory) as session:
        make_entry(session, confirmed_at=datetime(2020, 7, 1, 12, 0))


def test_same_file_is_stored_once_per_entry_and_validated_once(db_factory):
    def media(entry_id):
        return MediaFile(entry_id=entry_id, source="chat", wechat_media_id="m1",
                         path="jiangmen-2020/1/a.mp4", size_bytes=12_345_678, sha256="ab" * 32,
                         content_type="video/mp4")

    with session_scope(db_factory) as session:
        entry_id = make_entry(session).id
        media_file = media(entry_id)
        session.add(media_file)
        session.flush()
        session.add(ValidationResult(media_file_id=media_file.id, verdict="fail",
                                     findings=[{"rule": "max_duration", "actual": 305}],
                                     probe={"format": {"duration": "305.0"}}))
        media_file_id = media_file.id
    with pytest.raises(IntegrityError), session_scope(db_factory) as session:
        session.add(media(entry_id))
    with pytest.raises(IntegrityError), session_scope(db_factory) as session:
        session.add(ValidationResult(media_file_id=media_file_id, verdict="pass"))
    with pytest.raises(IntegrityError), session_scope(db_factory) as session:
        session.add(ValidationResult(media_file_id=media_file_id, verdict="maybe"))
    with db_factory() as session:
        stored = session.get(MediaFile, media_file_id)
        assert stored.validation.findings == [{"rule": "max_duration", "actual": 305}]
        assert [file.id for file in stored.entry.media_files] == [media_file_id]


def test_one_score_per_entry_judge_and_criterion(db_factory):
    with session_scope(db_factory) as session:
        entry_id = make_entry(session).id
        session.add(Score(entry_id=entry_id, judge="judge1", criterion="创意", points=Decimal("8.5")))
        session.add(Score(entry_id=entry_id, judge="judge2", criterion="创意", points=Decimal("9")))
    with pytest.raises(IntegrityError), session_scope(db_factory) as session:
        session.add(Score(entry_id=entry_id, judge="judge1", criterion="创意", points=7))
    with db_factory() as session:
        points = session.scalars(select(Score.points).order_by(Score.judge)).all()
    assert points == [Decimal("8.50"), Decimal("9.00")]


# --- messages, audit and console -----------------------------------------------------------------

def test_delivery_idempotency_key_is_unique(db_factory):
    def delivery(status="pending"):
        return Delivery(contest_id=CONTEST, openid="o-1", purpose="phase:voting_open",
                        channel="custom", status=status, payload={"text": "投票开始了"},
                        idempotency_key="phase:voting_open:o-1")

    with session_scope(db_factory) as session:
        session.add(delivery())
    with pytest.raises(IntegrityError), session_scope(db_factory) as session:
        session.add(delivery())
    with pytest.raises(IntegrityError), session_scope(db_factory) as session:
        session.add(Delivery(openid="o-2", purpose="x", channel="custom", status="lost",
                             idempotency_key="other"))
    with db_factory() as session:
        stored = session.scalars(select(Delivery)).one()
    assert (stored.status, stored.attempts, stored.payload) == ("pending", 0, {"text": "投票开始了"})


def test_seen_message_console_user_and_audit_constraints(db_factory):
    with session_scope(db_factory) as session:
        session.add(SeenMessage(dedupe_key="msg:o-1:1234567890"))
        session.add(ConsoleUser(username="admin", password_hash="x", role="organizer"))
        session.add(AuditLog(actor="admin", action="entry.approve", target_type="entry",
                             target_id="1", detail={"from": "valid", "to": "approved"}))
    with pytest.raises(IntegrityError), session_scope(db_factory) as session:
        session.add(SeenMessage(dedupe_key="msg:o-1:1234567890"))
    with pytest.raises(IntegrityError), session_scope(db_factory) as session:
        session.add(ConsoleUser(username="boss", password_hash="x", role="owner"))
    with db_factory() as session:
        user = session.scalars(select(ConsoleUser)).one()
        assert user.disabled is False
        assert session.scalars(select(AuditLog)).one().detail == {"from": "valid", "to": "approved"}


# --- bot.entrants --------------------------------------------------------------------------------

def test_ten_simultaneous_follows_make_one_entrant(any_db_factory):
    def follow(index):
        with session_scope(any_db_factory) as session:
            record_follow(session, "o-new", T0 + timedelta(seconds=index))

    outcomes = run_in_threads(10, follow)
    assert outcomes == [None] * 10
    with any_db_factory() as session:
        entrant = session.scalars(select(Entrant)).one()
    assert entrant.openid == "o-new" and entrant.subscribed
    assert entrant.subscribed_at == T0 + timedelta(seconds=9)  # the latest follow wins


def test_simultaneous_first_messages_make_one_entrant(any_db_factory):
    def message(index):
        with session_scope(any_db_factory) as session:
            touch_message(session, "o-new", T0 + timedelta(seconds=index), is_event=index % 2 == 0)

    assert run_in_threads(10, message) == [None] * 10
    with any_db_factory() as session:
        entrant = session.scalars(select(Entrant)).one()
    assert entrant.last_message_at == T0 + timedelta(seconds=9)
    assert entrant.last_event_at == T0 + timedelta(seconds=8)
    assert entrant.subscribed is False


def test_get_or_create_returns_the_existing_entrant(any_db_factory):
    with session_scope(any_db_factory) as session:
        first = get_or_create_entrant(session, "o-1", T0)
        again = get_or_create_entrant(session, "o-1", T0 + timedelta(hours=1))
        assert again is first
    with session_scope(any_db_factory) as session:
        later = get_or_create_entrant(session, "o-1", T0 + timedelta(days=1))
        assert later.id == first.id and later.first_seen_at == T0


def test_follow_state_follows_event_time_not_arrival_order(any_db_factory):
    with session_scope(any_db_factory) as session:
        record_follow(session, "o-1", T0)
        entrant = record_unfollow(session, "o-1", T0 + timedelta(hours=2))
        assert not entrant.subscribed
        # A retried follow from before the unfollow arrives late: still unfollowed.
        entrant = record_follow(session, "o-1", T0 + timedelta(hours=1))
        assert not entrant.subscribed
        assert entrant.subscribed_at == T0 + timedelta(hours=1)
        entrant = record_follow(session, "o-1", T0 + timedelta(hours=3))
        assert entrant.subscribed and entrant.last_event_at == T0 + timedelta(hours=3)


def test_contact_times_never_move_backwards(any_db_factory):
    with session_scope(any_db_factory) as session:
        touch_message(session, "o-1", T0 + timedelta(minutes=5), is_event=False)
        touch_message(session, "o-1", T0, is_event=False)
    with any_db_factory() as session:
        entrant = session.scalars(select(Entrant)).one()
        assert entrant.last_message_at == T0 + timedelta(minutes=5)
        assert entrant.last_event_at is None


def test_entrant_functions_refuse_naive_times(any_db_factory):
    with pytest.raises(ValueError), session_scope(any_db_factory) as session:
        record_follow(session, "o-1", datetime(2020, 8, 3, 9, 0))
