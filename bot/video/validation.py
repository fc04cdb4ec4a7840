"""A stored video probed once, checked against the contest's rules, its entry updated, and the
entrant told the verdict.

A file is probed once (ValidationResult is unique per file); each submission of it updates the
entry and gets exactly one message, so a retried or re-run job changes nothing twice.
"""
import logging
from typing import cast

from sqlalchemy import select

from bot import audit
from bot.db import session_scope
from bot.delivery.tell import tell_entrant
from bot.entries import TAKES_VIDEO
from bot.models import Entry, EntryState, MediaFile, ValidationResult
from bot.sqlbits import dialect_insert
from bot.video.check import check_video, probe_failure, verdict_of
from bot.video.poster import make_poster
from bot.video.probe import ProbeError, VideoFacts, probe_file
from bot.video.store import media_root, poster_path

log = logging.getLogger(__name__)


def validate_media(services, media_file_id: int, submission: str) -> str:
    """Probe and check the file (once), update its entry, and tell the entrant the verdict."""
    with session_scope(services.db) as session:
        media_file = session.get(MediaFile, media_file_id)
        entry_id, path = media_file.entry_id, media_file.path
        category = media_file.entry.category
        known = media_file.validation is not None
    rules = services.contest.video_rules_for(category)
    if not known:
        _inspect_and_store(services, media_file_id, path, rules)
    verdict, findings, facts = _stored_result(services, media_file_id)
    _apply_to_entry(services, entry_id, media_file_id, verdict)
    tell_entrant(services, entry_id, submission, "video_verdict",
         {"verdict": verdict, "findings": findings, "rules": rules, "facts": facts,
          "replace_until": services.contest.phase("collection").end})
    return verdict


def _inspect_and_store(services, media_file_id: int, relative_path: str, rules) -> None:
    root = media_root(services.settings)
    facts = None
    try:
        facts = probe_file(root / relative_path, media_root=root)
        findings = check_video(facts, rules)
    except ProbeError as error:
        log.info("media file %s refused by the probe: %s (%s)", media_file_id, error.reason,
                 error.detail)
        findings = [probe_failure(error)]
    verdict = verdict_of(findings)
    if verdict == "pass":
        poster = poster_path(root, media_file_id)
        poster.parent.mkdir(parents=True, exist_ok=True)
        # a pass: the probe answered
        make_poster(root / relative_path, poster, duration_s=cast(VideoFacts, facts).duration_s)
    rows = [{"code": f.code, "severity": f.severity, "context": f.context} for f in findings]
    with session_scope(services.db) as session:
        session.execute(dialect_insert(session, ValidationResult).values(
            media_file_id=media_file_id, verdict=verdict, findings=rows,
            probe=facts.to_json() if facts else None, created_at=services.now())
            .on_conflict_do_nothing(index_elements=["media_file_id"]))


def _stored_result(services, media_file_id: int):
    with session_scope(services.db) as session:
        result = session.scalars(select(ValidationResult).where(
            ValidationResult.media_file_id == media_file_id)).one()
        return result.verdict, list(result.findings), result.probe


def _apply_to_entry(services, entry_id: int, media_file_id: int, verdict: str) -> None:
    with session_scope(services.db) as session:
        entry = session.scalars(select(Entry).where(Entry.id == entry_id).with_for_update()).one()
        if entry.current_media_file_id != media_file_id or entry.state not in TAKES_VIDEO:
            return  # a newer video replaced it, or screening has begun
        state = EntryState.VALID if verdict == "pass" else EntryState.VIDEO_REFUSED
        if entry.state == state:
            return  # a re-run of this job (a retry, a killed worker's job): already applied
        audit.record(session, "system", "entry.video_checked", "entry", entry_id, services.now(),
                     media_file=media_file_id, verdict=verdict, previous=entry.state, state=state.value)
        entry.state = state.value
