"""probe_file and make_poster on real files made by ffmpeg, and on files posing as videos."""
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.video import probe as video_probe
from bot.video.poster import make_poster
from bot.video.probe import ProbeError, facts_from_probe, probe_file
from tests.video_fixtures import (
    cut_short,
    drop_block,
    make_ffconcat,
    make_hls_playlist,
    make_text_as_mp4,
    make_truncated,
    make_video,
    overwrite_block,
)


def _refused(path, root, **kwargs) -> str:
    with pytest.raises(ProbeError) as caught:
        probe_file(path, media_root=root, **kwargs)
    return caught.value.reason


def _image_size(path: Path) -> tuple[int, int]:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=width,height",
                          "-of", "csv=p=0", str(path)], capture_output=True, check=True, text=True)
    width, height = out.stdout.strip().split(",")
    return int(width), int(height)


@pytest.fixture
def http_server():
    """A local HTTP server that counts every request it gets."""
    hits = []

    class Counting(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "video/mp2t")
            self.end_headers()
            self.wfile.write(b"\x47" * 188 * 10)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_plain_mp4_facts(sample_video, video_dir):
    facts = probe_file(sample_video, media_root=video_dir)
    assert facts.container == "mov,mp4,m4a,3gp,3g2,mj2" and facts.container_label == "mp4"
    assert facts.duration_s == pytest.approx(3.0, abs=0.05)
    assert (facts.width, facts.height, facts.rotation, facts.orientation) == (1280, 720, 0,
                                                                            "landscape")
    assert facts.aspect_ratio == pytest.approx(16 / 9, abs=0.001)
    assert facts.has_audio and facts.audio_codec == "aac" and facts.video_codec == "h264"
    assert facts.frame_rate == 1.0 and facts.size_bytes == sample_video.stat().st_size
    assert json.loads(json.dumps(facts.to_json())) == facts.to_json()


def test_five_minute_file_duration(video_dir):
    path = make_video(video_dir, "long.mp4", seconds=305)
    assert probe_file(path, media_root=video_dir).duration_s == pytest.approx(305, abs=0.1)


def test_piped_matroska_has_no_duration(sample_video, video_dir):
    target = video_dir / "piped.mkv"
    with open(target, "wb") as out:  # written to a pipe, the muxer cannot go back for Duration
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(sample_video), "-c", "copy",
                        "-f", "matroska", "pipe:1"], stdout=out, check=True)
    facts = probe_file(target, media_root=video_dir)
    assert facts.container_label == "mkv" and facts.duration_s is None


def test_duration_falls_back_to_video_then_audio_stream(tmp_path):
    video = {"codec_type": "video", "codec_name": "h264", "width": 640, "height": 480}
    audio = {"codec_type": "audio", "codec_name": "aac", "duration": "12.5"}
    data = {"format": {"format_name": "flv"}, "streams": [dict(video, duration="9.75"), audio]}
    assert facts_from_probe(data, tmp_path / "a.flv", 1).duration_s == 9.75
    data["streams"][0] = dict(video, duration="N/A")
    assert facts_from_probe(data, tmp_path / "a.flv", 1).duration_s == 12.5


@pytest.mark.parametrize("rotate, size", [(90, (720, 1280)), (270, (720, 1280)),
                                          (180, (1280, 720))])
def test_rotated_phone_video_is_judged_as_displayed(video_dir, rotate, size):
    path = make_video(video_dir, "phone.mp4", rotate=rotate)
    facts = probe_file(path, media_root=video_dir)
    assert (facts.width, facts.height) == size and facts.rotation == rotate
    assert (facts.coded_width, facts.coded_height) == (1280, 720)
    assert facts.orientation == ("portrait" if rotate != 180 else "landscape")


def test_non_square_pixels_stretch_the_width(video_dir):
    path = make_video(video_dir, "hdv.mp4", width=1440, height=1080, sar="4:3")
    facts = probe_file(path, media_root=video_dir)
    assert (facts.coded_width, facts.width, facts.height, facts.sar) == (1440, 1920, 1080, "4:3")


def test_cover_art_is_not_the_video_stream(video_dir):
    path = make_video(video_dir, "cover.mp4", cover_art=True)
    streams = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", "-show_streams", str(path)],
        capture_output=True, check=True).stdout)["streams"]
    assert any(s["codec_name"] == "mjpeg" and s["disposition"]["attached_pic"] for s in streams)
    facts = probe_file(path, media_root=video_dir)
    assert (facts.video_codec, facts.width, facts.height) == ("h264", 1280, 720)


def test_audio_with_cover_art_only_has_no_video_stream(sample_video, video_dir):
    cover = video_dir / "cover.jpg"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    "color=c=red:size=320x240:duration=1", "-frames:v", "1", str(cover)],
                   check=True)
    song = video_dir / "song.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(sample_video), "-i", str(cover),
                    "-map", "0:a", "-map", "1", "-c", "copy", "-disposition:v:0", "attached_pic",
                    str(song)], check=True)
    assert _refused(song, video_dir) == "no_video_stream"


@pytest.mark.parametrize("name, kwargs, label, format_name", [
    ("clip.mov", {}, "mov", "mov,mp4,m4a,3gp,3g2,mj2"),
    ("quicktime-named.mp4", {"container": "mov"}, "mov", "mov,mp4,m4a,3gp,3g2,mj2"),
    ("clip.m4v", {}, "m4v", "mov,mp4,m4a,3gp,3g2,mj2"),
    ("clip.3gp", {}, "3gp", "mov,mp4,m4a,3gp,3g2,mj2"),
    ("clip.avi", {}, "avi", "avi"),
    ("clip.mpg", {}, "mpg", "mpeg"),
    ("clip.wmv", {}, "wmv", "asf"),
    ("clip.flv", {}, "flv", "flv"),
    ("clip.mkv", {}, "mkv", "matroska,webm"),
    ("clip.ts", {}, "ts", "mpegts"),
])
def test_container_labels(video_dir, name, kwargs, label, format_name):
    facts = probe_file(make_video(video_dir, name, **kwargs), media_root=video_dir)
    assert (facts.container_label, facts.container) == (label, format_name)
    assert facts.duration_s == pytest.approx(3.0, abs=0.25) and facts.has_audio


def test_silent_video(video_dir):
    facts = probe_file(make_video(video_dir, "mute.mp4", audio=False), media_root=video_dir)
    assert not facts.has_audio and facts.audio_codec is None


def test_truncated_and_text_files(video_dir):
    assert _refused(make_truncated(video_dir), video_dir) == "truncated"
    assert _refused(make_text_as_mp4(video_dir), video_dir) == "not_a_video"
    (video_dir / "empty.mp4").write_bytes(b"")
    assert _refused(video_dir / "empty.mp4", video_dir) == "not_a_video"
    (video_dir / "noise.mp4").write_bytes(os.urandom(4096))
    assert _refused(video_dir / "noise.mp4", video_dir) == "not_a_video"


def _phone_export(video_dir, name="phone.mp4", **kwargs):
    """A 20-second faststart mp4 with a 2 s GOP, as phones and editors export them."""
    return make_video(video_dir, name, seconds=20, width=1280, height=720, fps=25, gop=50,
                      faststart=True, **kwargs)


def test_a_faststart_mp4_cut_short_is_refused_though_its_header_is_intact(video_dir):
    whole = _phone_export(video_dir)
    assert probe_file(whole, media_root=video_dir).duration_s == pytest.approx(20, abs=0.1)
    assert whole.read_bytes()[4:8] == b"ftyp" and whole.read_bytes()[36:40] == b"moov"
    for keep in (0.3, 0.9, 0.99):
        assert _refused(cut_short(whole, f"cut-{keep}.mp4", keep=keep), video_dir) == "truncated"


def test_a_faststart_mp4_missing_a_block_mid_file_is_refused(video_dir):
    whole = _phone_export(video_dir)
    assert _refused(drop_block(whole, "gap.mp4", at=0.5, share=0.05), video_dir) == "truncated"
    assert _refused(drop_block(whole, "gap-small.mp4", at=0.4, share=0.001),
                    video_dir) == "truncated"


@pytest.mark.parametrize("fill", [b"\0", None], ids=["zeros", "random"])
def test_a_faststart_mp4_overwritten_mid_file_is_refused(video_dir, fill):
    whole = _phone_export(video_dir)
    damaged = overwrite_block(whole, "damaged.mp4", at=0.5, share=0.05, fill=fill)
    assert damaged.stat().st_size == whole.stat().st_size
    assert _refused(damaged, video_dir) == "truncated"
    assert probe_file(whole, media_root=video_dir).duration_s == pytest.approx(20, abs=0.1)


@pytest.mark.parametrize("name", ["clip.mkv", "clip.flv"])
def test_other_containers_cut_short_are_refused(video_dir, name):
    whole = make_video(video_dir, name, seconds=20, width=640, height=360, fps=25, gop=50)
    assert probe_file(whole, media_root=video_dir).duration_s == pytest.approx(20, abs=0.2)
    assert _refused(cut_short(whole, f"cut-{name}", keep=0.6), video_dir) == "truncated"


def test_a_non_faststart_mp4_is_judged_as_before(video_dir):
    whole = make_video(video_dir, "plain.mp4", seconds=20, width=1280, height=720, fps=25, gop=50)
    assert whole.read_bytes()[36:40] != b"moov"  # the index is written last
    assert probe_file(whole, media_root=video_dir).duration_s == pytest.approx(20, abs=0.1)
    assert _refused(cut_short(whole, "cut.mp4", keep=0.3), video_dir) == "truncated"
    with pytest.raises(ProbeError, match="moov atom not found"):
        probe_file(video_dir / "cut.mp4", media_root=video_dir)


def test_paths_outside_the_media_root_are_refused(tmp_path, video_dir):
    outside = make_video(tmp_path, "outside.mp4")
    (video_dir / "link.mp4").symlink_to(outside)
    assert _refused(video_dir / "link.mp4", video_dir) == "outside_media_root"
    assert _refused(video_dir / ".." / "outside.mp4", video_dir) == "outside_media_root"
    assert _refused(outside, video_dir) == "outside_media_root"


def test_only_regular_files_are_probed(sample_video, video_dir):
    (video_dir / "inner-link.mp4").symlink_to(sample_video)
    assert _refused(video_dir / "inner-link.mp4", video_dir) == "not_regular_file"
    (video_dir / "folder.mp4").mkdir()
    assert _refused(video_dir / "folder.mp4", video_dir) == "not_regular_file"
    assert _refused(video_dir / "missing.mp4", video_dir) == "not_regular_file"


def test_fifo_is_refused_without_hanging(video_dir):
    fifo = video_dir / "pipe.mp4"
    os.mkfifo(fifo)
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(_refused(fifo, video_dir)),
                              daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive() and outcome == ["not_regular_file"]


def test_hls_playlist_fetches_nothing(video_dir, http_server):
    base, hits = http_server
    playlist = make_hls_playlist(video_dir, f"{base}/segment.ts")
    assert _refused(playlist, video_dir) == "playlist"
    assert not make_poster(playlist, video_dir / "poster.jpg", duration_s=10)
    assert hits == []
    # The same file, probed without our flags but with http allowed, does reach the server.
    subprocess.run(["ffprobe", "-v", "quiet", "-protocol_whitelist", "file,http,tcp",
                    str(playlist)], timeout=30, check=False)
    assert hits


def test_local_references_are_never_opened(sample_video, video_dir):
    # A FIFO as the referenced file: opening it would block, so a quick refusal proves it was not.
    trap = video_dir / "trap.ts"
    os.mkfifo(trap)
    hls = make_hls_playlist(video_dir, str(trap), name="local-hls.mp4")
    concat = make_ffconcat(video_dir, sample_video)
    concat_trap = make_ffconcat(video_dir, trap, name="concat-trap.mp4")
    started = time.monotonic()
    for path in (hls, concat, concat_trap):
        assert _refused(path, video_dir, timeout_s=10) == "playlist"
    assert time.monotonic() - started < 5


def test_timeout_kills_ffprobe(sample_video, video_dir, tmp_path, monkeypatch):
    path = sample_video
    assert _refused(path, video_dir, timeout_s=0.001) == "timeout"
    pid_file = tmp_path / "pid"
    slow = tmp_path / "slow-ffprobe"
    slow.write_text(f"#!{sys.executable}\nimport os, time\n"
                    f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n")
    slow.chmod(0o755)
    monkeypatch.setattr(video_probe, "FFPROBE", str(slow))
    started = time.monotonic()
    assert _refused(path, video_dir, timeout_s=1) == "timeout"
    assert time.monotonic() - started < 5
    assert not Path(f"/proc/{pid_file.read_text()}").exists()


def test_poster_is_upright_and_at_most_640_wide(video_dir):
    phone = make_video(video_dir, "phone.mp4", rotate=90, seconds=10)
    assert make_poster(phone, video_dir / "phone.jpg", duration_s=10)
    assert _image_size(video_dir / "phone.jpg") == (640, 1138)
    hdv = make_video(video_dir, "hdv.mp4", width=1440, height=1080, sar="4:3")
    assert make_poster(hdv, video_dir / "hdv.jpg", duration_s=None)
    assert _image_size(video_dir / "hdv.jpg") == (640, 360)
    small = make_video(video_dir, "small.avi", width=320, height=240)
    assert make_poster(small, video_dir / "small.jpg", duration_s=3)
    assert _image_size(video_dir / "small.jpg") == (320, 240)


def test_poster_failure_is_false_and_leaves_nothing(video_dir, caplog):
    text = make_text_as_mp4(video_dir)
    assert not make_poster(text, video_dir / "text.jpg", duration_s=None)
    assert not make_poster(video_dir / "missing.mp4", video_dir / "m.jpg", duration_s=None)
    assert sorted(p.name for p in video_dir.iterdir()) == ["notes.mp4"]
    assert "poster" in caplog.text
