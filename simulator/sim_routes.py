"""The user and operator side of the simulator: JSON endpoints under /sim/ for tests and chat."""
import base64

from flask import Blueprint, abort, current_app, jsonify, request

from simulator import webhook
from simulator.apibase import get_state
from simulator.errors import ApiError
from simulator.state import Fault

bp = Blueprint("sim_user_side", __name__, url_prefix="/sim")

FAULT_KINDS = {"http500", "busy", "delay", "errcode"}


def _body() -> dict:
    return request.get_json(silent=True) or request.form.to_dict() or {}


def _known(openid: str):
    try:
        return get_state().user(openid)
    except ApiError:
        abort(404, description=f"unknown openid {openid}")


@bp.errorhandler(404)
@bp.errorhandler(400)
@bp.errorhandler(409)
def _json_error(error):
    return jsonify(error=error.description), error.code


@bp.post("/users")
def create_user():
    """Create a user; `subscribed: true` makes them a follower without any event (since
    `subscribe_time`, epoch seconds, when given); `unionid` as for an open-platform account."""
    body = _body()
    since = body.get("subscribe_time")
    try:
        since = None if since in (None, "") else int(since)
    except (TypeError, ValueError):
        abort(400, description="subscribe_time must be epoch seconds")
    user = get_state().add_user(body.get("openid"), body.get("nickname", ""),
                                bool(body.get("subscribed")), since, body.get("unionid") or "")
    return jsonify(user.describe()), 201


@bp.get("/users")
def list_users():
    """Every simulated user."""
    state = get_state()
    with state.lock:
        return jsonify(users=[u.describe() for u in state.users.values()])


@bp.get("/users/<openid>")
def show_user(openid: str):
    """One simulated user."""
    return jsonify(_known(openid).describe())


@bp.post("/users/<openid>/follow")
def follow(openid: str):
    """The user follows: the subscribe event is posted; answers the bot's passive reply."""
    _known(openid)
    try:
        return jsonify(webhook.follow(get_state(), current_app.config, openid,
                                      _body().get("scene", "")))
    except webhook.ActionRefused as refused:
        abort(409, description=str(refused))


@bp.post("/users/<openid>/unfollow")
def unfollow(openid: str):
    """The user unfollows: the unsubscribe event is posted."""
    _known(openid)
    try:
        return jsonify(webhook.unfollow(get_state(), current_app.config, openid))
    except webhook.ActionRefused as refused:
        abort(409, description=str(refused))


@bp.post("/users/<openid>/read")
def mark_read(openid: str):
    """The user has seen their chat up to message `seq` (never moves back)."""
    user = _known(openid)
    seq = _body().get("seq")
    if not isinstance(seq, int) or seq < 0:
        abort(400, description="seq must be a message's sequence number")
    with get_state().lock:
        user.read_seq = max(user.read_seq, seq)
    return jsonify(user.describe())


def _message_params(body: dict) -> dict:
    params = {k: v for k, v in body.items() if k not in ("type", "data_base64")}
    upload = request.files.get("media")
    if upload is not None:
        params["data"] = upload.read()
        params.setdefault("filename", upload.filename or "")
    elif body.get("data_base64"):
        params["data"] = base64.b64decode(body["data_base64"])
    return params


@bp.post("/users/<openid>/send")
def send(openid: str):
    """The user sends a message or taps the menu (JSON or multipart with a `media` file)."""
    _known(openid)
    body = _body()
    kind = body.get("type", "text")
    params = _message_params(body)
    if kind in webhook.MEDIA_KINDS and "data" not in params:
        abort(400, description=f"a {kind} message needs a media file or data_base64")
    try:
        outcome = webhook.act(get_state(), current_app.config, openid, kind, **params)
    except webhook.ActionRefused as refused:
        abort(409, description=str(refused))
    except (KeyError, ValueError) as error:
        abort(400, description=f"bad message: {error}")
    return jsonify(outcome)


@bp.get("/inbox/<openid>")
def inbox(openid: str):
    """Every message pushed to the user in order (?channel=custom,template,mass,passive)."""
    _known(openid)
    asked = request.args.get("channel")
    channels = set(asked.split(",")) if asked else None
    return jsonify(messages=get_state().inbox_of(openid, channels))


@bp.get("/calls")
def calls():
    """Every API call with its errcode (?path= filters one path)."""
    state = get_state()
    path = request.args.get("path")
    with state.lock:
        found = [c for c in state.calls if path is None or c["path"] == path]
    return jsonify(calls=found)


@bp.get("/webhook-log")
def webhook_log():
    """Every delivery the platform posted to the bot's webhook and what came back."""
    state = get_state()
    with state.lock:
        return jsonify(deliveries=list(state.webhook_log))


@bp.get("/quota/<openid>")
def quota(openid: str):
    """The user's customer-service grants and mass-message count."""
    _known(openid)
    return jsonify(get_state().quota(openid))


@bp.get("/mass")
def mass_jobs():
    """Every mass send job with who received it and who was skipped, and why."""
    state = get_state()
    with state.lock:
        return jsonify(jobs=list(state.mass_jobs.values()))


@bp.post("/reset")
def reset():
    """Forget every user, token, media file and record."""
    get_state().reset()
    return jsonify(ok=True)


@bp.route("/faults", methods=["GET", "POST", "DELETE"])
def faults():
    """Inject failures: {path, kind: http500|busy|delay|errcode, count, delay, errcode}."""
    state = get_state()
    if request.method == "POST":
        body = _body()
        if body.get("kind") not in FAULT_KINDS or not body.get("path"):
            abort(400, description=f"need a path and a kind among {sorted(FAULT_KINDS)}")
        state.add_fault(Fault(body["path"], body["kind"], int(body.get("count", 1)),
                              float(body.get("delay", 0)), int(body.get("errcode", -1))))
    elif request.method == "DELETE":
        with state.lock:
            state.faults.clear()
    with state.lock:
        return jsonify(faults=[f.describe() for f in state.faults])


@bp.route("/templates", methods=["GET", "POST"])
def templates():
    """Add a template the account may send ({template_id, title}) or list them."""
    state = get_state()
    if request.method == "POST":
        body = _body()
        if not body.get("template_id"):
            abort(400, description="need a template_id")
        with state.lock:
            state.templates[body["template_id"]] = {"title": body.get("title", "")}
    with state.lock:
        return jsonify(templates=dict(state.templates))


@bp.route("/clock", methods=["GET", "POST"])
def clock():
    """Read the platform time, or move it forward by {advance: seconds}."""
    state = get_state()
    if request.method == "POST":
        with state.lock:
            state.clock_offset += float(_body().get("advance", 0))
    return jsonify(now=state.now(), offset=state.clock_offset)


@bp.post("/media/<media_id>")
def media_answer(media_id: str):
    """Choose how /cgi-bin/media/get answers for a media: {answer: bytes|video_url}."""
    state = get_state()
    answer = _body().get("answer")
    with state.lock:
        if media_id not in state.media.items:
            abort(404, description="unknown media_id")
        if answer not in ("bytes", "video_url"):
            abort(400, description="answer must be bytes or video_url")
        return jsonify(state.media.set_answer(media_id, answer).describe())
