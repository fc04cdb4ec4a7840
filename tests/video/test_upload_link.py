"""The personal upload link, end to end: 上传 in chat through the fake WeChat, the page and its
chunked API over real HTTP, a real RQ worker checking the uploaded original with ffprobe."""
import functools
import http.client
import json
import os
import re
import shutil
import subprocess
import threading
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select

from bot.h5.upload_links import upload_link
from bot.models import AuditLog, MediaFile
from tests.intake_fixtures import Stack, entry_for
from tests.video_fixtures import make_video

CHUNK = 8 * 1024  # small chunks, so a few-second fixture takes many requests
LINK = re.compile(r"https?://\S+/h5/upload/\S+")


class UploadStack(Stack):
    """The intake stack, plus what the upload tests need: chat, links, the partial files."""

    def link(self, openid: str, code: str = "101", now=None) -> str:
        entry = self.entry(code)
        return upload_link(self.services.settings, self.services.contest.id, entry.id, openid,
                           now or self.services.now())

    def uploads(self) -> list:
        folder = self.media_root / "uploads"
        return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.fixture
def stack(stack):
    """The shared intake stack, built as an UploadStack."""
    return functools.partial(stack, stack_class=UploadStack)


class Uploader:
    """What the page's script does, in Python: status, chunks in order, complete."""

    def __init__(self, link: str):
        self.link = link

    def status(self, name: str, size: int) -> requests.Response:
        return requests.get(self.link + "/status", params={"name": name, "size": size},
                            timeout=30)

    def put(self, name: str, data: bytes, start: int, total: int) -> requests.Response:
        return requests.put(self.link + "/chunks", params={"name": name}, data=data, timeout=30,
                            headers={"Content-Range": f"bytes {start}-{start + len(data) - 1}"
                                                      f"/{total}",
                                     "Content-Type": "application/octet-stream"})

    def send(self, name: str, blob: bytes, start: int = 0, stop_at: int | None = None) -> int:
        offset = start
        while offset < len(blob) and (stop_at is None or offset < stop_at):
            answer = self.put(name, blob[offset:offset + CHUNK], offset, len(blob))
            assert answer.status_code == 200, answer.text
            offset = answer.json()["offset"]
        return offset

    def complete(self, name: str, size: int, content_type="video/mp4") -> requests.Response:
        return requests.post(self.link + "/complete", timeout=60,
                             json={"name": name, "size": size, "content_type": content_type})

    def upload(self, path: Path) -> requests.Response:
        blob = path.read_bytes()
        offset = self.status(path.name, len(blob)).json()["offset"]
        self.send(path.name, blob, offset)
        return self.complete(path.name, len(blob))


def test_upload_in_chat_gives_a_link_and_a_chunked_upload_ends_in_a_validated_entry(
        stack, tmp_path):
    stack = stack()
    openid = stack.follower("oUploader")
    entry_for(stack, openid)
    reply = stack.say(openid, "上传")
    assert "作品101《匠心侨都》上传原片" in reply and "48小时内有效" in reply
    link = LINK.search(reply).group(0)
    assert link.startswith(stack.bot.url + "/h5/upload/")
    assert "oUploader" not in link  # the openid is not readable in the link

    video = make_video(tmp_path, "原片.mp4", seconds=4, width=1280, height=720)
    blob = video.read_bytes()
    assert len(blob) > 3 * CHUNK
    uploader = Uploader(link)
    assert uploader.status(video.name, len(blob)).json() == {
        "offset": 0, "size": len(blob), "complete": False, "chunk_bytes": 2 * 1024 * 1024,
        "max_bytes": 2048 * 1024 * 1024}
    uploader.send(video.name, blob)
    assert uploader.status(video.name, len(blob)).json()["offset"] == len(blob)
    done = uploader.complete(video.name, len(blob))
    assert done.status_code == 200 and done.json()["complete"] is True
    assert "作品101《匠心侨都》的视频已上传" in done.json()["message"]

    entry = stack.entry()
    assert entry.state == "validating"
    with stack.services.db() as session:
        media = session.get(MediaFile, entry.current_media_file_id)
        received = session.scalars(select(AuditLog).where(
            AuditLog.action == "entry.video_received")).one()
    assert media.source == "upload" and media.content_type == "video/mp4"
    assert media.size_bytes == len(blob) and media.wechat_media_id is None
    assert (stack.media_root / media.path).read_bytes() == blob
    assert received.detail["source"] == "upload" and received.detail["previous"] == "awaiting_video"
    assert received.actor.startswith("openid:o~") and "oUploader" not in received.actor
    assert stack.uploads() == []  # the partial file moved into place

    again = uploader.complete(video.name, len(blob))  # the answer was lost: same answer again
    assert again.status_code == 200 and again.json()["submission"] == done.json()["submission"]

    stack.run_worker()
    assert stack.entry().state == "valid"
    pushed = stack.pushed(openid)
    assert len(pushed) == 1 and "通过" in pushed[0] and "101" in pushed[0]


def test_a_dropped_connection_resumes_where_it_stopped_and_the_file_is_identical(
        stack, tmp_path):
    stack = stack()
    openid = stack.follower("oFlaky")
    entry_for(stack, openid)
    video = make_video(tmp_path, "flaky.mp4", seconds=5, width=1280, height=720)
    blob = video.read_bytes()
    uploader = Uploader(stack.link(openid))
    stopped = uploader.send(video.name, blob, stop_at=2 * CHUNK)
    assert stopped == 2 * CHUNK

    # The next chunk is cut off mid-body: the connection drops after 1000 of its bytes.
    address = urlsplit(uploader.link)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    connection.putrequest("PUT", address.path + "/chunks?name=flaky.mp4")
    connection.putheader("Content-Range", f"bytes {stopped}-{stopped + CHUNK - 1}/{len(blob)}")
    connection.putheader("Content-Length", str(CHUNK))
    connection.endheaders()
    connection.send(blob[stopped:stopped + 1000])
    connection.close()

    # The page is reloaded from a fresh link (上传 again): the server still has 2 chunks.
    reloaded = Uploader(LINK.search(stack.say(openid, "上传 101")).group(0))
    status = reloaded.status(video.name, len(blob))
    assert status.json()["offset"] == stopped
    reloaded.send(video.name, blob, start=status.json()["offset"])
    assert reloaded.complete(video.name, len(blob)).status_code == 200
    entry = stack.entry()
    with stack.services.db() as session:
        media = session.get(MediaFile, entry.current_media_file_id)
    assert (stack.media_root / media.path).read_bytes() == blob
    stack.run_worker()
    assert stack.entry().state == "valid"


def test_two_tabs_sending_the_same_file_at_once_do_not_corrupt_it(stack, tmp_path):
    stack = stack()
    openid = stack.follower("oTwoTabs")
    entry_for(stack, openid)
    video = make_video(tmp_path, "twice.mp4", seconds=5, width=1280, height=720)
    blob = video.read_bytes()
    link = stack.link(openid)
    errors = []

    def tab():
        uploader = Uploader(link)
        offset = 0
        try:
            while offset < len(blob):
                answer = uploader.put(video.name, blob[offset:offset + CHUNK], offset, len(blob))
                assert answer.status_code in (200, 409), answer.text
                offset = answer.json()["offset"]
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    tabs = [threading.Thread(target=tab) for _ in range(3)]
    for thread in tabs:
        thread.start()
    for thread in tabs:
        thread.join(60)
    assert errors == []
    answers = []
    completing = [threading.Thread(target=lambda: answers.append(
        Uploader(link).complete(video.name, len(blob)))) for _ in range(2)]
    for thread in completing:
        thread.start()
    for thread in completing:
        thread.join(60)
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].json()["submission"] == answers[1].json()["submission"]
    with stack.services.db() as session:
        assert len(session.scalars(select(MediaFile)).all()) == 1
    with stack.services.db() as session:
        media = session.get(MediaFile, stack.entry().current_media_file_id)
    assert (stack.media_root / media.path).read_bytes() == blob


def test_a_chunk_out_of_order_gets_409_with_the_current_offset(stack, tmp_path):
    stack = stack()
    openid = stack.follower("oOrder")
    entry_for(stack, openid)
    blob = make_video(tmp_path, "o.mp4", seconds=4).read_bytes()
    uploader = Uploader(stack.link(openid))
    uploader.send("o.mp4", blob, stop_at=CHUNK)
    skipped = uploader.put("o.mp4", blob[2 * CHUNK:3 * CHUNK], 2 * CHUNK, len(blob))
    assert skipped.status_code == 409
    assert skipped.json()["offset"] == CHUNK and skipped.json()["error"] == "wrong_offset"
    repeated = uploader.put("o.mp4", blob[:CHUNK], 0, len(blob))
    assert repeated.status_code == 409 and repeated.json()["offset"] == CHUNK
    early = uploader.complete("o.mp4", len(blob))
    assert early.status_code == 409 and early.json()["offset"] == CHUNK
    assert uploader.status("o.mp4", len(blob)).json()["offset"] == CHUNK
    uploader.send("o.mp4", blob, start=CHUNK)
    assert uploader.complete("o.mp4", len(blob)).status_code == 200


def test_a_declared_size_over_the_limit_is_refused_at_once_and_nothing_is_stored(stack):
    stack = stack()
    openid = stack.follower("oHuge")
    entry_for(stack, openid)
    uploader = Uploader(stack.link(openid))
    huge = 2048 * 1024 * 1024 + 1  # 江门 2020: max_file_mb 2048
    status = uploader.status("huge.mp4", huge)
    assert status.status_code == 413 and status.json()["max_bytes"] == huge - 1
    assert "2 GB上限" in status.json()["message"]
    first = uploader.put("huge.mp4", b"\0" * CHUNK, 0, huge)
    assert first.status_code == 413 and first.json()["error"] == "too_large"
    assert uploader.complete("huge.mp4", huge).status_code == 413
    assert stack.uploads() == []
    assert stack.entry().state == "awaiting_video"


def test_a_tampered_link_gets_a_403_page_and_an_expired_one_a_410_page(stack):
    stack = stack()
    openid = stack.follower("oTamper")
    entry_for(stack, openid)
    link = stack.link(openid)
    head, token = link.rsplit("/", 1)
    tampered = head + "/" + token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    page = requests.get(tampered, timeout=10)
    assert page.status_code == 403 and "链接无效" in page.text and "回复“上传”" in page.text
    assert "text/html" in page.headers["Content-Type"]
    api = requests.get(tampered + "/status", params={"name": "a.mp4", "size": 10}, timeout=10)
    assert api.status_code == 403 and api.json()["error"] == "invalid_link"
    assert requests.get(head + "/not-a-token", timeout=10).status_code == 403

    old = stack.link(openid, now=stack.services.now() - timedelta(hours=49))
    expired = requests.get(old, timeout=10)
    assert expired.status_code == 410 and "过期" in expired.text
    assert "2020年6月20日 09:00" in expired.text  # 49 h ago plus the 48 h it lasted
    fresh = stack.link(openid, now=stack.services.now() - timedelta(hours=47))
    assert requests.get(fresh, timeout=10).status_code == 200


def test_someone_elses_entry_and_an_entry_past_the_deadline_are_refused(stack, tmp_path):
    stack = stack()
    owner = stack.follower("oOwner")
    entry_for(stack, owner)
    stranger = stack.follower("oStranger")
    entry = stack.entry()
    forged = upload_link(stack.services.settings, stack.services.contest.id, entry.id,
                         stranger, stack.services.now())
    page = requests.get(forged, timeout=10)
    assert page.status_code == 403 and "不匹配" in page.text
    blob = make_video(tmp_path, "x.mp4", seconds=2).read_bytes()
    assert Uploader(forged).put("x.mp4", blob[:CHUNK], 0, len(blob)).status_code == 403
    other_contest = upload_link(stack.services.settings, "gansu-2023", entry.id, owner,
                                stack.services.now())
    assert requests.get(other_contest, timeout=10).status_code == 410

    stack.services.clock.jump_to("2020-07-16T00:00:30")  # the collection ended at 07-15 23:59:59
    link = stack.link(owner, now=stack.services.now() - timedelta(hours=1))
    late = requests.get(link, timeout=10)
    assert late.status_code == 410 and "作品征集已于2020年7月15日 23:59截止" in late.text
    late_chunk = Uploader(link).put("x.mp4", blob[:CHUNK], 0, len(blob))
    assert late_chunk.status_code == 410 and late_chunk.json()["error"] == "deadline_passed"
    expired_too = stack.link(owner, now=stack.services.now() - timedelta(days=20))
    assert "2020年7月15日 23:59截止" in requests.get(expired_too, timeout=10).text
    assert "截止" in stack.say(owner, "上传")
    assert stack.uploads() == []


def test_an_entry_in_screening_takes_no_video(stack):
    stack = stack()
    openid = stack.follower("oApproved")
    entry_for(stack, openid, state="approved")
    link = stack.link(openid)
    page = requests.get(link, timeout=10)
    assert page.status_code == 409 and "不能再上传" in page.text
    assert "不能再上传或替换视频" in stack.say(openid, "上传")


def test_the_page_renders_on_a_phone_with_the_categorys_rules(stack):
    stack = stack()
    openid = stack.follower("oPhone")
    entry_for(stack, openid)
    phone = {"User-Agent": "Mozilla/5.0 (Linux; Android 13; V2183A) AppleWebKit/537.36 "
                           "(KHTML, like Gecko) Chrome/111.0 Mobile Safari/537.36 "
                           "MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 NetType/WIFI"}
    page = requests.get(stack.link(openid), headers=phone, timeout=10)
    assert page.status_code == 200
    html = page.text
    assert '<meta name="viewport" content="width=device-width' in html
    assert "《匠心侨都》" in html and ">101<" in html
    for rule in ("时长不超过5分钟", "分辨率不低于720P", "AVI/MOV/MP4/MPG", "文件大小不超过2 GB",
                 "片头字幕必须有参赛作品名称"):
        assert rule in html
    assert 'type="file"' in html and 'accept="video/*"' in html
    assert "XMLHttpRequest" in html and "Content-Range" in html
    assert "<script type=\"module\"" not in html and "=>" not in html  # old WebViews
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_the_chat_word_answers_each_case(stack):
    stack = stack()
    nobody = stack.follower("oNobody")
    assert "请先回复“报名”" in stack.say(nobody, "上传")
    openid = stack.follower("oTwoWorks")
    entry_for(stack, openid, "第一部")
    entry_for(stack, openid, "第二部")
    both = stack.say(openid, "上传")
    assert "101《第一部》" in both and "102《第二部》" in both and len(LINK.findall(both)) == 2
    one = stack.say(openid, "上传 102")
    assert "102《第二部》" in one and "101" not in one and len(LINK.findall(one)) == 1
    assert requests.get(LINK.search(one).group(0), timeout=10).status_code == 200
    assert "没有找到您的作品999" in stack.say(openid, "上传 999")


def test_an_upload_before_the_deadline_replaces_the_current_video(stack, tmp_path):
    stack = stack()
    openid = stack.follower("oReplace")
    entry_for(stack, openid)
    stack.say(openid, "我的作品")  # opens the customer-service window for the verdicts
    small = make_video(tmp_path, "small.mp4", seconds=3, width=640, height=360)
    assert Uploader(stack.link(openid)).upload(small).status_code == 200
    stack.run_worker()
    assert stack.entry().state == "video_refused"
    assert "720" in stack.pushed(openid)[0]
    good = make_video(tmp_path, "good.mp4", seconds=3, width=1280, height=720)
    answer = Uploader(stack.link(openid)).upload(good)
    assert answer.status_code == 200 and "将替换之前提交的视频" in answer.json()["message"]
    stack.run_worker()
    assert stack.entry().state == "valid"
    with stack.services.db() as session:
        stored = session.scalars(select(AuditLog).where(
            AuditLog.action == "entry.video_stored").order_by(AuditLog.id)).all()
    assert len(stored) == 2 and stored[1].detail["replaces"] == stored[0].detail["media_file"]
    assert len(stack.pushed(openid)) == 2


def test_page_sized_chunks_pass_the_webhooks_body_cap_and_oversized_ones_do_not(stack):
    stack = stack()
    openid = stack.follower("oBigChunks")
    entry_for(stack, openid)
    blob = bytes(range(256)) * (12 * 1024 + 7)  # about 3 MiB: two 2 MiB chunks, as the page sends
    uploader = Uploader(stack.link(openid))
    first = uploader.put("big.mp4", blob[:2 * 1024 * 1024], 0, len(blob))
    assert first.status_code == 200 and first.json()["offset"] == 2 * 1024 * 1024
    second = uploader.put("big.mp4", blob[2 * 1024 * 1024:], 2 * 1024 * 1024, len(blob))
    assert second.status_code == 200 and second.json()["offset"] == len(blob)

    address = urlsplit(uploader.link)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    connection.putrequest("PUT", address.path + "/chunks?name=other.mp4")
    size = 9 * 1024 * 1024
    connection.putheader("Content-Range", f"bytes 0-{size - 1}/{size * 2}")
    connection.putheader("Content-Length", str(size))
    connection.endheaders()  # no body sent: the answer comes before it is read
    answer = connection.getresponse()
    assert answer.status == 413 and b"chunk_too_large" in answer.read()
    connection.close()

    done = uploader.complete("big.mp4", len(blob), content_type="<script>")
    assert done.status_code == 200
    with stack.services.db() as session:
        media = session.get(MediaFile, stack.entry().current_media_file_id)
    assert media.content_type is None and (stack.media_root / media.path).read_bytes() == blob


# The page's own script, run by node with a minimal DOM and an XMLHttpRequest over node's http
# module that drops every `dropEvery`-th chunk request as a lost connection would.
PAGE_SCRIPT_HARNESS = r"""
const fs = require("fs"), http = require("http"), timers = require("timers");
const [pageUrl, filePath, fileName, dropEvery] = process.argv.slice(2);
const blob = fs.readFileSync(filePath);
const elements = {};
const el = (id) => elements[id] || (elements[id] = {id, style: {}, textContent: "", className: ""});
global.document = {getElementById: el};
global.window = {};
global.setTimeout = (fn) => setImmediate(fn);  // retries without the backoff wait
let puts = 0;
const log = [];
class XMLHttpRequest {
  constructor() { this.headers = {}; this.upload = {}; this.status = 0; this.responseText = ""; }
  open(method, url) { this.method = method; this.url = new URL(url, pageUrl); }
  setRequestHeader(name, value) { this.headers[name] = value; }
  send(body) {
    if (this.method === "PUT" && ++puts % Number(dropEvery) === 0) {
      log.push("PUT dropped"); setImmediate(() => this.onerror()); return;
    }
    const data = body == null ? null : (typeof body === "string" ? Buffer.from(body) : body);
    const headers = Object.assign({}, this.headers);
    if (data) headers["Content-Length"] = data.length;
    const request = http.request(this.url, {method: this.method, headers}, (response) => {
      const parts = [];
      response.on("data", (part) => parts.push(part));
      response.on("end", () => {
        this.status = response.statusCode; this.responseText = Buffer.concat(parts).toString();
        log.push(this.method + " " + response.statusCode); this.onload();
      });
    });
    request.on("error", () => this.onerror());
    if (data && this.upload.onprogress) {
      this.upload.onprogress({lengthComputable: true, loaded: data.length});
    }
    request.end(data || undefined);
  }
}
global.XMLHttpRequest = XMLHttpRequest;
http.get(pageUrl, (response) => {
  let html = "";
  response.on("data", (part) => html += part);
  response.on("end", () => {
    eval(html.match(/<script[^>]*>([\s\S]*?)<\/script>/)[1]);
    const file = {name: fileName, size: blob.length, type: "video/mp4",
                  slice: (from, to) => blob.subarray(from, to)};
    el("file").files = [file];
    el("file").onchange();
    timers.setTimeout(() => el("start").onclick(), 50);
    const started = Date.now();
    (function wait() {
      const message = el("message");
      if (/ok|bad/.test(message.className) || Date.now() - started > 30000) {
        console.log(JSON.stringify({state: message.className, text: message.textContent,
                                    percent: el("percent").textContent, log}));
        process.exit(0);
      }
      timers.setTimeout(wait, 20);
    })();
  });
});
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs the page's script")
def test_the_pages_script_uploads_in_chunks_and_resumes_after_dropped_requests(stack, tmp_path):
    stack = stack()
    openid = stack.follower("oScript")
    entry_for(stack, openid)
    blob = os.urandom(5 * 1024 * 1024 + 123)  # three 2 MiB chunks
    source = tmp_path / "my film.mp4"
    source.write_bytes(blob)
    harness = tmp_path / "harness.js"
    harness.write_text(PAGE_SCRIPT_HARNESS, encoding="utf-8")
    run = subprocess.run(["node", str(harness), stack.link(openid), str(source), "我的 原片.mp4",
                          "2"], capture_output=True, text=True, timeout=60, check=True)
    outcome = json.loads(run.stdout)
    assert outcome["state"] == "notice ok", outcome
    assert "作品101《匠心侨都》的视频已上传" in outcome["text"] and outcome["percent"].startswith("100%")
    assert outcome["log"].count("PUT dropped") >= 1 and outcome["log"].count("PUT 200") == 3
    with stack.services.db() as session:
        media = session.get(MediaFile, stack.entry().current_media_file_id)
    assert (stack.media_root / media.path).read_bytes() == blob
    assert stack.entry().state == "validating"
