"""初审: an organizer approves or rejects an entry with a reason; the entrant is told by an RQ job.

Also 入围: when the contest's scoring.finalists is `selected`, an organizer marks approved entries
as finalists (and back). Each change is locked, audited with the username, and refused with a
Chinese reason (409) when the entry is not in a state it can leave that way.
"""
import logging

from flask import flash
from redis.exceptions import RedisError

from bot import audit
from bot.console.blueprint import ConsoleError
from bot.console.entry_queries import get_entry
from bot.entries import PASSED_SCREENING, TAKES_VIDEO, state_label
from bot.models import EntryState
from bot.queueing import TELL_SCREENING

log = logging.getLogger(__name__)

DECISIONS = {"approve": EntryState.APPROVED, "reject": EntryState.REJECTED}
# The states each decision may leave: approving needs a video checked (a refused one with a
# reason); rejecting is possible until the jury's results.
LEAVES: dict[str, frozenset[EntryState]] = {
    EntryState.APPROVED: frozenset({EntryState.VALID, EntryState.VIDEO_REFUSED,
                                    EntryState.REJECTED}),
    EntryState.REJECTED: TAKES_VIDEO | PASSED_SCREENING,
}
MAX_REASON = 200


def check_reason(decision: str, reason: str, previous: str) -> str:
    """The reason, trimmed; ConsoleError 400 when it is needed and missing, or too long."""
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_REASON:
        raise ConsoleError(400, f"理由不能超过{MAX_REASON}字。")
    if not reason and (decision == "rejected" or previous == "video_refused"):
        raise ConsoleError(400, "请填写理由：未通过初审，或通过未过格式检查的作品，都需要说明理由。")
    return reason


def screen(db, contest, entry_id: int, action: str, reason: str, actor: str, at):
    """Apply an approve/reject decision; returns (entry, the audit line)."""
    if action not in DECISIONS:
        raise ConsoleError(400, "请选择“通过”或“不通过”。")
    decision = DECISIONS[action]
    entry = get_entry(db, contest.id, entry_id, lock=True)
    if entry.state not in LEAVES[decision]:
        raise ConsoleError(409, f"作品当前状态为“{state_label(entry.state)}”，不能设为"
                                f"“{state_label(decision)}”。")
    if decision == "approved" and entry.current_media_file_id is None:
        raise ConsoleError(409, "作品还没有视频，不能通过初审。")
    reason = check_reason(decision, reason, entry.state)
    line = audit.record(db, actor, "entry.screened", "entry", entry.id, at,
                        previous=entry.state, state=decision, reason=reason)
    entry.state = decision
    db.flush()
    log.info("entry %s screened %s by %s", entry.id, decision, actor)
    return entry, line


def set_finalist(db, contest, entry_id: int, mark: bool, actor: str, at):
    """Mark an approved entry as a finalist (入围), or take the mark back."""
    if contest.scoring is None or contest.scoring.finalists != "selected":
        raise ConsoleError(409, "本赛事所有通过初审的作品都参加评审，无需单独设置入围。")
    entry = get_entry(db, contest.id, entry_id, lock=True)
    source, target = ("approved", "finalist") if mark else ("finalist", "approved")
    if entry.state != source:
        raise ConsoleError(409, f"作品当前状态为“{state_label(entry.state)}”，无法更改入围设置。")
    audit.record(db, actor, "entry.finalist", "entry", entry.id, at,
                 previous=entry.state, state=target)
    entry.state = target
    return entry


def queue_push(jobs, entry_id: int, decision: str, reason: str, submission: str) -> bool:
    """Queue the message to the entrant; False (and a warning shown) when Redis is down."""
    try:
        jobs.enqueue(TELL_SCREENING, entry_id, decision, reason, submission,
                     job_id=f"screening-{submission}")
        return True
    except RedisError as error:
        log.warning("screening push for entry %s not queued: %s", entry_id,
                    type(error).__name__)
        flash("决定已保存，但通知参赛者的消息未能排队（Redis不可用），请稍后重新提交同一决定。",
              "warning")
        return False
