"""What a submitted video file is, read by ffprobe without opening anything but that one file.

ffmpeg-python 0.2.0's `ffmpeg.probe()` takes no timeout (it calls `communicate()` unbounded),
so ffprobe is run here through subprocess with a timeout that kills it.
"""
import json
import logging
import os
import re
import stat
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot.contest.video_rules import FFPROBE_FORMATS, VideoRules
from bot.video.mp4_samples import iso_damage

log = logging.getLogger(__name__)

FFPROBE = "ffprobe"
# ffprobe 5.1 demuxer names of plain media containers. A demuxer is allowed when any of its
# comma-separated names is listed ("mov" admits "mov,mp4,m4a,3gp,3g2,mj2"). hls, concat, image2,
# dash and the raw/text demuxers are left out: they open other files or are no container.
SAFE_DEMUXERS = "mov,mp4,m4a,3gp,3g2,mj2,avi,mpeg,mpegts,matroska,webm,asf,flv"
SAFE_FLAGS = ("-protocol_whitelist", "file", "-format_whitelist", SAFE_DEMUXERS)
PLAYLIST_DEMUXERS = {"hls", "concat", "dash", "image2", "webm_dash_manifest", "sdp", "rtsp"}
PLAYLIST_HEADS = (b"#EXTM3U", b"ffconcat", b"<?xml", b"v=0")
ISO_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"}
ISO_FORMAT = FFPROBE_FORMATS["mp4"]
# The tail read: ffprobe seeks to the last keyframe and reads the packets to the end, where an
# mkv or flv cut short fails (an mp4 reads as a quiet EOF: iso_damage reads its index).
TAIL_READ = ("-show_entries", "packet=stream_index", "-read_intervals", "99999999%")
# What ffprobe 5.1 says when packet data is missing or does not fit its declared sizes.
DAMAGE_MARKERS = ("partial file", "File ended prematurely", "exceeds containing master element",
                  "Packet mismatch", "Invalid NAL unit size")
SEEK_REFUSED = "Could not read packets in interval"
OTHER_LABELS = {"mpegts": "ts"}


class ProbeError(Exception):
    """The file cannot be probed; `reason` is a finding code, `detail` a short text for logs."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class VideoFacts:
    """What ffprobe saw in a video file; sizes are those of the picture as displayed."""

    container: str
    container_label: str
    duration_s: float | None
    width: int
    height: int
    coded_width: int
    coded_height: int
    rotation: int
    sar: str | None
    orientation: str
    aspect_ratio: float
    has_audio: bool
    size_bytes: int
    video_codec: str
    audio_codec: str | None
    frame_rate: float | None

    def to_json(self) -> dict:
        """A JSON-serialisable dict (stored as ValidationResult.probe)."""
        return asdict(self)


def probe_file(path, *, media_root, timeout_s: float = 30.0) -> VideoFacts:
    """Probe one regular file under media_root; ProbeError when it is not a usable video."""
    path = safe_media_path(path, media_root)
    data = run_ffprobe(path, timeout_s)
    facts = facts_from_probe(data, path, path.stat().st_size)
    if facts.container == ISO_FORMAT and (damage := iso_damage(path, facts.size_bytes)):
        raise ProbeError("truncated", damage)
    return facts


def safe_media_path(path, media_root) -> Path:
    """The absolute path when it is a regular file (no symlink) inside media_root."""
    root = Path(media_root).resolve()
    given = Path(os.path.abspath(path))
    if not given.resolve().is_relative_to(root):
        raise ProbeError("outside_media_root", str(given))
    try:
        mode = os.lstat(given).st_mode
    except OSError as exc:
        raise ProbeError("not_regular_file", f"{given}: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise ProbeError("not_regular_file", f"{given}: mode {stat.filemode(mode)}")
    return given


def run_ffprobe(path: Path, timeout_s: float, tail_read: bool = True) -> dict:
    """ffprobe's JSON for the file, with the safety flags; ProbeError if refused, damaged, slow."""
    command = [FFPROBE, "-v", "error", "-hide_banner", *SAFE_FLAGS, "-print_format", "json",
               "-show_format", "-show_streams", *(TAIL_READ if tail_read else ()),
               f"file:{path}"]
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL,
                              timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise ProbeError("timeout", f"ffprobe ran over {timeout_s:g} s on {path.name}") from None
    stderr = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0 and tail_read and SEEK_REFUSED in stderr:
        # Short streams without an index (a few seconds of MPEG-TS) cannot seek: header only.
        left = max(0.1, timeout_s - (time.monotonic() - started))
        return run_ffprobe(path, left, tail_read=False)
    if done.returncode != 0:
        raise ProbeError(failure_reason(stderr, path), stderr[-300:])
    if any(marker in stderr for marker in DAMAGE_MARKERS):
        raise ProbeError("truncated", stderr[-300:])
    try:
        return json.loads(done.stdout.decode("utf-8", "replace"))
    except ValueError:
        raise ProbeError("not_a_video", f"ffprobe printed no JSON for {path.name}") from None


def failure_reason(stderr: str, path: Path) -> str:
    """The ProbeError reason for ffprobe's complaint about this file."""
    head = _head(path)
    if "not on whitelist" in stderr:
        demuxer = re.search(r"\[([\w,]+) @", stderr)
        if (demuxer and demuxer.group(1) in PLAYLIST_DEMUXERS) or head.startswith(PLAYLIST_HEADS):
            return "playlist"
        return "not_a_video"
    if "moov atom not found" in stderr and head[4:8] in ISO_BOXES:
        return "truncated"
    return "not_a_video"


def _head(path: Path) -> bytes:
    with open(path, "rb") as stream:
        return stream.read(64).lstrip(b"\xef\xbb\xbf")


def facts_from_probe(data: dict, path: Path, size_bytes: int) -> VideoFacts:
    """VideoFacts from ffprobe's -show_format -show_streams JSON."""
    fmt = data.get("format") or {}
    streams = data.get("streams") or []
    video = next((s for s in streams if s.get("codec_type") == "video"
                  and not (s.get("disposition") or {}).get("attached_pic")), None)
    if video is None:
        raise ProbeError("no_video_stream", f"{path.name}: {len(streams)} streams, no picture")
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    container = fmt.get("format_name", "")
    if not any(name in SAFE_DEMUXERS.split(",") for name in container.split(",")):
        raise ProbeError("not_a_video", f"unexpected demuxer {container!r}")
    coded_w, coded_h = int(video.get("width") or 0), int(video.get("height") or 0)
    if not coded_w or not coded_h:
        raise ProbeError("no_video_stream", f"{path.name}: picture size unknown")
    rotation, sar = rotation_of(video), sar_of(video)
    width, height = displayed_size(coded_w, coded_h, sar, rotation)
    return VideoFacts(
        container=container,
        container_label=container_label(container, (fmt.get("tags") or {}).get("major_brand"),
                                        path.suffix),
        duration_s=_seconds(fmt, video, audio), width=width, height=height,
        coded_width=coded_w, coded_height=coded_h, rotation=rotation, sar=sar,
        orientation=VideoRules().orientation_of(width, height),
        aspect_ratio=round(width / height, 4),
        has_audio=audio is not None, size_bytes=size_bytes,
        video_codec=video.get("codec_name", ""),
        audio_codec=audio.get("codec_name") if audio else None,
        frame_rate=_rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate")))


def _seconds(*sources) -> float | None:
    for source in sources:
        try:
            duration: Any = (source or {}).get("duration")  # None: a TypeError, skipped
            value = float(duration)
        except (TypeError, ValueError):
            continue
        if value > 0:
            return round(value, 3)
    return None


def _rate(text) -> float | None:
    try:
        num, den = (float(part) for part in str(text).split("/"))
    except ValueError:
        return None
    return round(num / den, 3) if num > 0 and den > 0 else None


def rotation_of(stream: dict) -> int:
    """The display rotation in degrees (0, 90, 180 or 270), from the display matrix or old tag."""
    for item in stream.get("side_data_list") or []:
        if "rotation" in item:
            return round(float(item["rotation"])) % 360
    try:
        return round(float((stream.get("tags") or {}).get("rotate", 0))) % 360
    except ValueError:
        return 0


def sar_of(stream: dict) -> str | None:
    """The sample aspect ratio as 'N:D', or None when unknown (0:1 or absent)."""
    sar = stream.get("sample_aspect_ratio")
    if not sar or not re.fullmatch(r"[1-9]\d*:[1-9]\d*", sar):
        return None
    return sar


def displayed_size(width: int, height: int, sar: str | None, rotation: int) -> tuple[int, int]:
    """The size shown on screen: non-square pixels stretch the width, then 90/270 swaps."""
    if sar:
        num, den = (int(part) for part in sar.split(":"))
        width = max(1, round(width * num / den))
    if rotation in (90, 270):
        width, height = height, width
    return width, height


def container_label(format_name: str, major_brand: str | None, suffix: str) -> str:
    """The contest's word for the container: mov and mp4 share a demuxer, so the brand decides."""
    suffix = suffix.lower().lstrip(".")
    if format_name == ISO_FORMAT:
        brand = (major_brand or "").strip().lower()
        if not brand:
            return suffix if suffix in ("mp4", "m4v", "3gp") else "mov"
        if brand == "qt":
            return "mov"
        return "3gp" if brand.startswith("3g") else "m4v" if brand.startswith("m4v") else "mp4"
    if format_name == FFPROBE_FORMATS["mkv"]:
        return "webm" if suffix == "webm" else "mkv"
    for word, name in FFPROBE_FORMATS.items():
        if name == format_name:
            return word
    return OTHER_LABELS.get(format_name, format_name.split(",")[0])
