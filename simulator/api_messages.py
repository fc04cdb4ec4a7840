"""Pushing messages: customer-service, template and mass sends, with WeChat's quotas.

Template sends: verified service accounts only (48001 otherwise); the template id must be one
the account added (40037); a `client_msg_id` repeated for the same user within 10 minutes returns
the first msgid and sends nothing again; field values longer than their keyword type allows
(thing 20, character_string 32, phrase 5, ...) answer 47003.

Mass sends: see `simulator.quotas` for the per-user and per-day allowances. At most 60 mass
calls a minute (45009). A `clientmsgid` (<= 64 chars) seen in the last 24 h answers 45065 with
the original msg_id and sends nothing. Sending by openid list needs at least 2 openids (40130)
and is a service-account API (48001 on a subscription account).
"""
from flask import Blueprint, current_app

from simulator.apibase import get_state, json_body, needs_token, service_account_only
from simulator.errors import ApiError, ok
from simulator.quotas import china_day, minute

bp = Blueprint("sim_messages", __name__)

CUSTOM_TYPES = {"text", "image", "voice", "video", "music", "news", "mpnews",
                "mpnewsarticle", "msgmenu", "wxcard", "miniprogrampage"}
MASS_TYPES = {"mpnews", "text", "voice", "image", "mpvideo", "wxcard"}
TEMPLATE_VALUE_LIMITS = {"thing": 20, "character_string": 32, "phrase": 5, "number": 32,
                         "letter": 32, "symbol": 5, "phone_number": 17, "car_number": 8,
                         "name": 10, "amount": 32}
CLIENT_MSG_ID_TTL = 24 * 3600
TEMPLATE_DEDUPE_TTL = 600
MASS_CALLS_PER_MINUTE = 60


@bp.post("/cgi-bin/message/custom/send")
@needs_token
def custom_send():
    """A customer-service message, within the user's 48 h / 1 min grants."""
    body = json_body()
    msgtype = body.get("msgtype")
    if msgtype not in CUSTOM_TYPES:
        raise ApiError(40008)
    if not isinstance(body.get(msgtype), dict):
        raise ApiError(47001)
    state = get_state()
    with state.lock:
        user = state.following(body.get("touser"))
        grant = user.windows.consume(state.now())
        state.push(user.openid, "custom", msgtype, body, grant=grant)
    return ok()


def _check_template_data(data) -> None:
    if not isinstance(data, dict):
        raise ApiError(47001)
    for key, item in data.items():
        value = str((item or {}).get("value", "")) if isinstance(item, dict) else str(item)
        limit = TEMPLATE_VALUE_LIMITS.get(key.rstrip("0123456789"))
        if limit is not None and len(value) > limit:
            raise ApiError(47003, f"argument invalid! data.{key}.value invalid")


@bp.post("/cgi-bin/message/template/send")
@needs_token
def template_send():
    """A template message (service accounts only)."""
    service_account_only()
    body = json_body()
    state = get_state()
    with state.lock:
        if body.get("template_id") not in state.templates:
            raise ApiError(40037)
        user = state.following(body.get("touser"))
        _check_template_data(body.get("data") or {})
        now, dedupe = state.now(), (user.openid, body.get("client_msg_id"))
        if dedupe[1] and dedupe in state.template_sends:
            msgid, sent_at = state.template_sends[dedupe]
            if now < sent_at + TEMPLATE_DEDUPE_TTL:
                return ok(msgid=msgid)
        msgid = state.next_id()
        state.push(user.openid, "template", "template", body, msgid=msgid)
        if dedupe[1]:
            state.template_sends[dedupe] = (msgid, now)
    return ok(msgid=msgid)


def _mass_guard(state, body: dict) -> None:
    """Per-minute rate, clientmsgid idempotence, subscription daily quota."""
    now = state.now()
    state.counters.hit("mass", minute(now), MASS_CALLS_PER_MINUTE, 45009)
    if body.get("msgtype") not in MASS_TYPES:
        raise ApiError(40008)
    client_msg_id = body.get("clientmsgid")
    if client_msg_id is not None and len(str(client_msg_id)) > 64:
        raise ApiError(45067)
    if client_msg_id and client_msg_id in state.client_msg_ids:
        msg_id, sent_at = state.client_msg_ids[client_msg_id]
        if now < sent_at + CLIENT_MSG_ID_TTL:
            raise ApiError(45065, msg_id=msg_id)
    if current_app.config["ACCOUNT_TYPE"] == "subscription":
        state.counters.hit("mass_day", china_day(now), 1, 45028)


def _deliver_mass(state, openids: list, body: dict, endpoint: str) -> dict:
    now, msg_id = state.now(), state.next_id()
    service = current_app.config["ACCOUNT_TYPE"] == "service"
    sent, skipped = [], []
    for openid in openids:
        user = state.users.get(openid)
        if user is None or not user.subscribed:
            skipped.append({"openid": openid, "reason": "not following"})
        elif service and not user.mass.take(now):
            skipped.append({"openid": openid, "reason": "monthly quota"})
        else:
            state.push(openid, "mass", body["msgtype"], body, msg_id=msg_id)
            sent.append(openid)
    job = {"msg_id": msg_id, "msg_data_id": msg_id + 1, "endpoint": endpoint, "time": now,
           "clientmsgid": body.get("clientmsgid"), "msgtype": body["msgtype"], "payload": body,
           "sent": sent, "skipped": skipped, "total": len(openids)}
    state.mass_jobs[msg_id] = job
    if body.get("clientmsgid"):
        state.client_msg_ids[body["clientmsgid"]] = (msg_id, now)
    return {"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id,
            "msg_data_id": job["msg_data_id"]}


@bp.post("/cgi-bin/message/mass/sendall")
@needs_token
def mass_sendall():
    """Mass send to everyone or to one tag."""
    body = json_body()
    target = body.get("filter") or {}
    state = get_state()
    with state.lock:
        if target.get("is_to_all"):
            openids = [u.openid for u in state.users.values() if u.subscribed]
        else:
            tag_id = target.get("tag_id", target.get("group_id"))
            tag_id = int(tag_id) if str(tag_id).isdigit() else None
            if tag_id not in state.tags:
                raise ApiError(45159)
            openids = [u.openid for u in state.users.values() if tag_id in u.tagids]
        _mass_guard(state, body)
        return _deliver_mass(state, openids, body, "sendall")


@bp.post("/cgi-bin/message/mass/send")
@needs_token
def mass_send():
    """Mass send to a list of openids (service accounts)."""
    service_account_only()
    body = json_body()
    openids = body.get("touser")
    if not isinstance(openids, list) or len(set(openids)) < 2 or len(openids) > 10000:
        raise ApiError(40130)
    state = get_state()
    with state.lock:
        _mass_guard(state, body)
        return _deliver_mass(state, list(dict.fromkeys(openids)), body, "send")


@bp.post("/cgi-bin/message/mass/get")
@needs_token
def mass_get():
    """The status of a mass send job."""
    body = json_body()
    state = get_state()
    with state.lock:
        msg_id = str(body.get("msg_id", ""))
        job = state.mass_jobs.get(int(msg_id)) if msg_id.isdigit() else None
        if job is None:
            raise ApiError(47003)
    return {"msg_id": job["msg_id"], "msg_status": "SEND_SUCCESS"}
