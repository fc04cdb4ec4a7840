"""A probed video against a contest's video rules: findings as codes with their facts, no prose.

templates/chat/video_verdict.txt turns the findings into the message the entrant reads.
"""
import math
from dataclasses import dataclass, field
from fractions import Fraction

from bot.contest.video_rules import VideoRules
from bot.video.probe import ProbeError, VideoFacts

ERROR, WARNING = "error", "warning"
# Container durations run a few audio frames past the picture (AAC priming and padding), so a
# film cut at exactly 5:00 measures 300.02 s: that much over a limit is not a violation.
DURATION_SLACK_S = 0.5
MB = 1024 * 1024
UNREADABLE = {"not_regular_file": "file_unreadable", "outside_media_root": "file_unreadable"}
COMMON_RATIOS = ("16:9", "9:16", "4:3", "3:4", "1:1", "21:9", "2:1", "1:2", "3:2", "2:3")


@dataclass(frozen=True)
class Finding:
    """One thing found wrong (or worth telling) about a file: a code, error/warning, the facts."""

    code: str
    severity: str = ERROR
    context: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """A JSON-serialisable dict (stored in ValidationResult.findings)."""
        return {"code": self.code, "severity": self.severity, "context": dict(self.context)}

    @classmethod
    def from_json(cls, data: dict) -> "Finding":
        """The Finding stored by to_json."""
        return cls(data["code"], data.get("severity", ERROR), dict(data.get("context") or {}))


def check_video(facts: VideoFacts, rules: VideoRules) -> list[Finding]:
    """Every finding for these facts under these rules, errors and warnings, in reading order."""
    return (_duration(facts, rules) + _picture(facts, rules) + _container(facts, rules)
            + _audio(facts, rules) + _file_size(facts, rules))


def probe_failure(error: ProbeError) -> Finding:
    """The finding for a file ffprobe could not read (or that was refused before probing)."""
    return Finding(UNREADABLE.get(error.reason, error.reason), ERROR,
                   {"reason": error.reason, "detail": error.detail[:300]})


def verdict_of(findings) -> str:
    """'fail' when any finding is an error, else 'pass' (warnings do not refuse a file)."""
    return "fail" if any(finding.severity == ERROR for finding in findings) else "pass"


def _duration(facts: VideoFacts, rules: VideoRules) -> list[Finding]:
    seconds = facts.duration_s
    limits = (rules.max_duration_s, rules.min_duration_s, rules.soft_max_duration_s)
    if seconds is None:
        if any(limit is not None for limit in limits):
            return [Finding("duration_unknown", ERROR, {})]
        return []
    if rules.max_duration_s is not None and seconds > rules.max_duration_s + DURATION_SLACK_S:
        shown = math.ceil(seconds * 10) / 10
        return [Finding("too_long", ERROR, {"duration_s": shown, "max_s": rules.max_duration_s})]
    if rules.min_duration_s is not None and seconds < rules.min_duration_s:
        shown = math.floor(seconds * 10) / 10
        return [Finding("too_short", ERROR, {"duration_s": shown, "min_s": rules.min_duration_s})]
    soft = rules.soft_max_duration_s
    if soft is not None and seconds > soft + DURATION_SLACK_S:
        return [Finding("soft_too_long", WARNING, {
            "duration_s": math.ceil(seconds * 10) / 10, "soft_max_s": soft,
            "max_s": rules.max_duration_s, "message": rules.soft_max_message})]
    return []


def _picture(facts: VideoFacts, rules: VideoRules) -> list[Finding]:
    """Resolution, exact sizes, orientation, aspect ratio of the displayed picture.

    When the picture is merely turned the wrong way (it would pass on its side), only the
    orientation is reported, not the size and ratio that follow from it.
    """
    w, h = facts.width, facts.height
    seen = {"width": w, "height": h, "orientation": facts.orientation,
            "coded_width": facts.coded_width, "coded_height": facts.coded_height,
            "rotation": facts.rotation}
    wrong_way = bool(rules.orientations) and facts.orientation not in rules.orientations
    findings = []
    if not rules.size_allowed(w, h):
        if rules.min_height is not None and min(w, h) < rules.min_height:
            findings.append(Finding("resolution_too_low", ERROR, {
                **seen, "short_side": min(w, h), "min_height": rules.min_height}))
        if rules.allowed_sizes and (w, h) not in rules.allowed_sizes \
                and not (wrong_way and rules.size_allowed(h, w)):
            findings.append(Finding("size_not_allowed", ERROR, {
                **seen, "allowed": [f"{aw}x{ah}" for aw, ah in rules.allowed_sizes],
                "below_allowed": min(w, h) < min(min(size) for size in rules.allowed_sizes)}))
    if wrong_way:
        findings.append(Finding("orientation_not_allowed", ERROR,
                                {**seen, "allowed": list(rules.orientations)}))
    if not rules.ratio_allowed(w, h) and not (wrong_way and rules.ratio_allowed(h, w)):
        findings.append(Finding("aspect_ratio_not_allowed", ERROR, {
            **seen, "aspect_ratio": round(w / h, 3), "ratio_label": ratio_label(w, h),
            "allowed": list(rules.aspect_ratios), "tolerance": rules.aspect_tolerance}))
    return findings


def ratio_label(width: int, height: int) -> str | None:
    """'4:3' for a picture within 1 % of a common ratio or with small exact terms, else None."""
    for label in COMMON_RATIOS:
        w, h = (int(part) for part in label.split(":"))
        if abs(width / height - w / h) <= 0.01 * (w / h):
            return label
    exact = Fraction(width, height)
    if exact.numerator <= 32 and exact.denominator <= 32:
        return f"{exact.numerator}:{exact.denominator}"
    return None


def _container(facts: VideoFacts, rules: VideoRules) -> list[Finding]:
    if not rules.containers or facts.container_label in rules.containers:
        return []
    return [Finding("container_not_allowed", ERROR, {
        "container": facts.container_label, "format_name": facts.container,
        "allowed": list(rules.containers)})]


def _audio(facts: VideoFacts, rules: VideoRules) -> list[Finding]:
    if not rules.audio_required or facts.has_audio:
        return []
    return [Finding("no_audio", ERROR, {"audio_required": True})]


def _file_size(facts: VideoFacts, rules: VideoRules) -> list[Finding]:
    if rules.max_file_mb is None or facts.size_bytes <= rules.max_file_mb * MB:
        return []
    return [Finding("file_too_large", ERROR, {
        "size_mb": math.ceil(facts.size_bytes / MB * 10) / 10, "max_mb": rules.max_file_mb,
        "size_bytes": facts.size_bytes})]
