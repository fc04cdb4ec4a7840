"""Rehearsal clock control: the chat page has the dev stack restart the bot at a new CONTEST_NOW.

The bot reads CONTEST_NOW once, when a process starts (bot.contest.clock), so moving the contest clock
of a running stack means restarting web and worker with a new value. `python -m bot.ops.devstack`
gives the platform a control directory (SIM_CLOCK_CONTROL): the platform writes `request.json`
there; the dev stack sees it, restarts web + worker with that CONTEST_NOW (Redis, the database and
this platform, with its users and chats, keep running) and writes `status.json`:
{"state": "starting"|"running"|"failed", "contest_now", "started_at" (epoch of the restart),
"request_id", "contest", "phases": [{"id", "name", "start", "end"}], "error"}.

Endpoints: GET /sim/rehearsal (the status, and whether the control is available) and
POST /sim/rehearsal/clock {"contest_now": "2020-08-01T09:00"}.
"""
import json
import os
import secrets
import time
from datetime import datetime
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, request

bp = Blueprint("sim_rehearsal", __name__, url_prefix="/sim/rehearsal")

REQUEST_FILE = "request.json"
STATUS_FILE = "status.json"
NOT_AVAILABLE = ("这个模拟平台不是由 python -m bot.ops.devstack 启动的，无法在页面上调整比赛时钟："
                 "请设置 CONTEST_NOW 后重新启动机器人。")


def write_json(path: Path, data: dict) -> None:
    """Write JSON atomically (a reader never sees half a file)."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)


def read_json(path: Path) -> dict | None:
    """The JSON object in a file, or None when it is missing or unreadable."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def check_contest_now(value) -> str:
    """The value normalised to ISO 8601 (seconds), or ValueError with a Chinese reason."""
    text = str(value or "").strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text).isoformat(timespec="seconds")
    except ValueError:
        raise ValueError(f"时间格式不对：{value!r}，例如 2020-08-01T09:00") from None


def request_clock(control_dir: Path, contest_now: str) -> dict:
    """Ask the dev stack to restart the bot at `contest_now`; returns the request."""
    wanted = {"id": secrets.token_hex(6), "contest_now": check_contest_now(contest_now),
              "requested_at": time.time()}
    write_json(Path(control_dir) / REQUEST_FILE, wanted)
    return wanted


def pending_request(control_dir: Path, handled_id: str | None) -> dict | None:
    """A request the dev stack has not handled yet, or None."""
    wanted = read_json(Path(control_dir) / REQUEST_FILE)
    if not wanted or wanted.get("id") == handled_id:
        return None
    return wanted


def _control_dir() -> Path | None:
    configured = current_app.config.get("CLOCK_CONTROL_DIR")
    return Path(configured) if configured and Path(configured).is_dir() else None


@bp.get("")
def status():
    """The rehearsal clock as the dev stack last reported it."""
    control = _control_dir()
    if control is None:
        return jsonify(available=False, message=NOT_AVAILABLE)
    answer = {"available": True, **(read_json(control / STATUS_FILE) or {"state": "starting"})}
    wanted = pending_request(control, answer.get("request_id"))
    if wanted:
        answer.update(state="requested", requested=wanted)
    answer["server_time"] = time.time()
    return jsonify(answer)


@bp.post("/clock")
def set_clock():
    """Restart the bot with a new CONTEST_NOW (202: the dev stack restarts it in a few seconds)."""
    control = _control_dir()
    if control is None:
        abort(409, description=NOT_AVAILABLE)
    body = request.get_json(silent=True) or request.form.to_dict()
    try:
        wanted = request_clock(control, body.get("contest_now"))
    except ValueError as error:
        abort(400, description=str(error))
    return jsonify(wanted), 202


@bp.errorhandler(400)
@bp.errorhandler(409)
def _json_error(error):
    return jsonify(error=error.description), error.code
