"""A poster (one JPEG frame) for an entry's video, made by ffmpeg with the probe's safety flags."""
import logging
import os
import stat
import subprocess
from pathlib import Path

from bot.video.probe import SAFE_FLAGS

log = logging.getLogger(__name__)

FFMPEG = "ffmpeg"
POSTER_WIDTH = 640
POSTER_AT = 0.10  # of the duration: past a black opening, still early in the film
# Square pixels first (iw*sar), then at most 640 wide with an even height; ffmpeg applies the
# display-matrix rotation itself (autorotate is on by default for decoded input).
POSTER_FILTER = (f"scale=trunc(iw*sar/2)*2:ih,setsar=1,"
                 f"scale='min({POSTER_WIDTH},iw)':-2")


def make_poster(path, out_path, *, duration_s: float | None, timeout_s: float = 30.0) -> bool:
    """Write one JPEG frame of the video to out_path; False (and a log line) on any failure."""
    source, target = Path(path), Path(out_path)
    if not _regular_file(source):
        log.warning("poster refused: %s is not a regular file", source)
        return False
    partial = target.with_name(f".{target.name}.part.jpg")
    done = _run(poster_command(source, partial, duration_s), timeout_s, source)
    if done and partial.is_file() and partial.stat().st_size > 0:
        os.replace(partial, target)
        return True
    partial.unlink(missing_ok=True)
    return False


def poster_command(source: Path, target: Path, duration_s: float | None) -> list[str]:
    """The ffmpeg command line: seek, decode one frame, scale, write a JPEG."""
    at = max(0.0, (duration_s or 0.0) * POSTER_AT)
    return [FFMPEG, "-nostdin", "-hide_banner", "-v", "error", *SAFE_FLAGS,
            "-ss", f"{at:.3f}", "-i", f"file:{source.resolve()}",
            "-map", "0:V:0", "-frames:v", "1", "-vf", POSTER_FILTER, "-q:v", "4",
            "-f", "image2", "-update", "1", "-y", f"file:{target}"]


def _run(command: list[str], timeout_s: float, source: Path) -> bool:
    try:
        done = subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL,
                              timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        log.warning("poster timed out after %gs: %s", timeout_s, source)
        return False
    except OSError as exc:
        log.warning("poster could not start ffmpeg: %s", exc)
        return False
    if done.returncode != 0:
        log.warning("poster failed for %s: %s", source,
                    done.stderr.decode("utf-8", "replace").strip()[-300:])
        return False
    return True


def _regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False
