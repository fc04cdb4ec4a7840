"""Real video files made by ffmpeg from lavfi sources, and files that only pose as videos.

`from tests.video_fixtures import *` in conftest.py provides the pytest fixtures; the helpers
(make_video, make_truncated, cut_short, drop_block, overwrite_block, make_text_as_mp4,
make_hls_playlist, make_ffconcat) are plain
functions any test may call.
"""
import os
import subprocess
from pathlib import Path

import pytest

__all__ = ["make_video", "make_truncated", "cut_short", "drop_block", "overwrite_block",
           "make_text_as_mp4", "make_hls_playlist",
           "make_ffconcat", "VideoLibrary", "video_dir", "sample_video", "video_library"]

# container word -> (ffmpeg muxer, video encoder, audio encoder, extra output options)
MUXERS = {
    "mp4": ("mp4", "libx264", "aac", []), "mov": ("mov", "libx264", "aac", []),
    "m4v": ("ipod", "libx264", "aac", []), "3gp": ("3gp", "libx264", "aac", []),
    "mkv": ("matroska", "libx264", "aac", []), "flv": ("flv", "libx264", "aac", []),
    "ts": ("mpegts", "libx264", "aac", []), "avi": ("avi", "mpeg4", "mp2", []),
    # MPEG-1/2 video knows only the standard frame rates.
    "mpg": ("mpeg", "mpeg2video", "mp2", ["-r", "25"]),
    "wmv": ("asf", "wmv2", "wmav2", []),
}
X264_FAST = ["-preset", "ultrafast", "-crf", "40", "-pix_fmt", "yuv420p"]


def _ffmpeg(*args) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
                   check=True, timeout=120)


def make_video(directory, name="v.mp4", *, seconds=3, width=1280, height=720, fps=1,
               audio=True, container=None, rotate=None, sar=None, cover_art=False,
               vcodec=None, gop=None, faststart=False) -> Path:
    """Write a test-pattern video (with a sound track unless audio=False) and return its path.

    container: a contest word (mp4, mov, avi, mpg, wmv, flv, mkv, ts, m4v, 3gp); default from the
    name's extension. rotate: degrees stored as the phone's display rotation; sar: e.g. "4:3";
    cover_art: a 320x240 JPEG attached as a second video stream (mp4/mov/m4v only).
    gop: frames between keyframes (x264's default is 250; phones use 1-2 s); faststart: the
    index (moov) before the data, as phones and editors export for streaming (mp4/mov/m4v).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    word = container or target.suffix.lstrip(".").lower() or "mp4"
    muxer, default_vcodec, acodec, extra = MUXERS[word]
    codec = vcodec or default_vcodec
    # One frame is drawn and then repeated: encoding identical frames costs next to nothing,
    # which keeps a 305-second 1080p file to about a second.
    picture = (f"testsrc=size={width}x{height}:rate={fps}:duration=1,format=yuv420p,"
               f"loop=loop=-1:size=1,trim=duration={seconds}")
    if sar:
        picture += f",setsar={sar.replace(':', '/')}"
    inputs = ["-f", "lavfi", "-i", picture]
    if audio:
        # A one-second tone, then silence: ffmpeg's AAC encoder is slow on minutes of tone.
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=8000:duration="
                   f"{min(seconds, 1)},apad=whole_dur={seconds}"]
    codecs = ["-c:v", codec, *(X264_FAST if codec == "libx264" else ["-q:v", "10"]), *extra]
    codecs += ["-g", str(gop)] if gop else []
    codecs += ["-movflags", "+faststart"] if faststart else []
    codecs += ["-c:a", acodec, "-b:a", "32k"] if audio else ["-an"]
    if not (rotate or cover_art):
        _ffmpeg(*inputs, *codecs, "-f", muxer, str(target))
        return target
    plain = directory / f".plain-{target.name}"
    _ffmpeg(*inputs, *codecs, "-f", muxer, str(plain))
    _remux(plain, target, muxer, rotate=rotate, cover_art=cover_art)
    plain.unlink()
    return target


def _remux(source: Path, target: Path, muxer: str, *, rotate, cover_art) -> None:
    """Copy the streams, adding a display rotation and/or an attached cover picture."""
    args = ["-i", str(source)]
    maps = ["-map", "0"]
    if cover_art:
        cover = target.with_name(f".cover-{target.stem}.jpg")
        _ffmpeg("-f", "lavfi", "-i", "color=c=red:size=320x240:duration=1", "-frames:v", "1",
                str(cover))
        args += ["-i", str(cover)]
        maps += ["-map", "1", "-disposition:v:1", "attached_pic"]
    # ffmpeg 5.1 has no -display_rotation: the old rotate tag becomes the display matrix.
    meta = ["-metadata:s:v:0", f"rotate={rotate}"] if rotate else []
    _ffmpeg(*args, *maps, "-c", "copy", *meta, "-f", muxer, str(target))
    if cover_art:
        cover.unlink()


def make_truncated(directory, name="truncated.mp4", *, keep_bytes=4000, **video) -> Path:
    """An mp4 cut short (its moov atom, written last, is lost), as after an interrupted upload."""
    source = make_video(directory, f".whole-{name}", seconds=video.pop("seconds", 5), **video)
    target = Path(directory) / name
    target.write_bytes(source.read_bytes()[:keep_bytes])
    source.unlink()
    return target


def cut_short(source, name, *, keep=0.3) -> Path:
    """A copy of `source` holding only its first `keep` share of bytes (an interrupted copy)."""
    data = Path(source).read_bytes()
    target = Path(source).with_name(name)
    target.write_bytes(data[:int(len(data) * keep)])
    return target


def drop_block(source, name, *, at=0.5, share=0.1) -> Path:
    """A copy of `source` that lost `share` of its bytes at `at` (a resumed copy skipped them)."""
    data = Path(source).read_bytes()
    start, length = int(len(data) * at), int(len(data) * share)
    target = Path(source).with_name(name)
    target.write_bytes(data[:start] + data[start + length:])
    return target


def overwrite_block(source, name, *, at=0.5, share=0.05, fill=b"\0") -> Path:
    """A copy of `source`, same size, with `share` of its bytes at `at` replaced by `fill`
    repeated (zeros: a damaged disk or copy) or, with fill=None, by random bytes."""
    data = bytearray(Path(source).read_bytes())
    start, length = int(len(data) * at), max(1, int(len(data) * share))
    data[start:start + length] = os.urandom(length) if fill is None else \
        (fill * length)[:length]
    target = Path(source).with_name(name)
    target.write_bytes(bytes(data))
    return target


def make_text_as_mp4(directory, name="notes.mp4") -> Path:
    """A text file wearing a .mp4 name."""
    target = Path(directory) / name
    target.write_text("这不是视频。This is a plain text file, not a video.\n" * 20,
                      encoding="utf-8")
    return target


def make_hls_playlist(directory, url, name="playlist.mp4") -> Path:
    """An HLS playlist named .mp4 whose only segment is at `url`."""
    target = Path(directory) / name
    target.write_text("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n"
                      f"#EXTINF:10.0,\n{url}\n#EXT-X-ENDLIST\n", encoding="utf-8")
    return target


def make_ffconcat(directory, target_path, name="concat.mp4") -> Path:
    """An ffconcat script named .mp4 that points at another local file."""
    target = Path(directory) / name
    target.write_text(f"ffconcat version 1.0\nfile '{Path(target_path).resolve()}'\n",
                      encoding="utf-8")
    return target


class VideoLibrary:
    """Videos made once per test session on first request, then shared read-only."""

    def __init__(self, root: Path):
        self.root = root
        self.made: dict[str, dict] = {}

    def get(self, name: str, **video) -> Path:
        """The file `name` made by make_video(**video); the same name must mean the same kwargs."""
        if name in self.made:
            assert self.made[name] == video, f"{name} was made with {self.made[name]}"
            return self.root / name
        path = make_video(self.root, name, **video)
        path.chmod(0o444)
        self.made[name] = video
        return path


@pytest.fixture(scope="session")
def video_library(tmp_path_factory) -> VideoLibrary:
    """Session-wide read-only videos, made on first use: `video_library.get("x.mp4", seconds=9)`."""
    return VideoLibrary(tmp_path_factory.mktemp("video-library"))


@pytest.fixture
def video_dir(tmp_path) -> Path:
    """An empty media root for one test."""
    root = tmp_path / "media"
    root.mkdir()
    return root


@pytest.fixture
def sample_video(video_dir) -> Path:
    """A 3-second 1280x720 landscape mp4 with sound, inside video_dir."""
    return make_video(video_dir, "sample.mp4")
