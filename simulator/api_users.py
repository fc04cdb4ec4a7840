"""Followers and tags: /cgi-bin/user/*, /cgi-bin/tags/*.

Limits as WeChat documents them: at most 100 tags per account (45056), tag names up to 30 bytes
(45158) and unique (45157), at most 50 openids per (un)tagging call (40032), at most 20 tags
on one user (45059); tags 0, 1 and 2 are reserved (45058). user/info and user/info/batchget
(1 to 100 openids, 40032 otherwise; any openid not of this account: 40003 for the whole call)
and user/get (10,000 a page) each have a daily call quota (China day; 45009 once spent):
config USER_INFO_PER_DAY, USER_BATCHGET_PER_DAY, USER_GET_PER_DAY.
"""
from flask import Blueprint, current_app, request

from simulator.apibase import get_state, json_body, needs_token
from simulator.errors import ApiError, ok
from simulator.quotas import china_day

bp = Blueprint("sim_users", __name__)

MAX_TAGS = 100
MAX_TAG_NAME_BYTES = 30
MAX_TAGGING_OPENIDS = 50
MAX_TAGS_PER_USER = 20
PAGE_SIZE = 10000
TAG_PAGE_SIZE = 10000
MAX_BATCHGET_OPENIDS = 100


def _count_call(state, name: str, quota_key: str) -> None:
    """Count one call against its daily quota (45009 when spent)."""
    state.counters.hit(name, china_day(state.now()), current_app.config[quota_key], 45009)


@bp.get("/cgi-bin/user/info")
@needs_token
def user_info():
    """One user's relation to the account."""
    state = get_state()
    with state.lock:
        _count_call(state, "user_info", "USER_INFO_PER_DAY")
        return state.user(request.args.get("openid")).info()


@bp.post("/cgi-bin/user/info/batchget")
@needs_token
def user_info_batch():
    """Up to 100 users' relation to the account, in the order asked."""
    wanted = json_body().get("user_list")
    if not isinstance(wanted, list) or not 0 < len(wanted) <= MAX_BATCHGET_OPENIDS:
        raise ApiError(40032)
    state = get_state()
    with state.lock:
        _count_call(state, "user_info_batch", "USER_BATCHGET_PER_DAY")
        users = [state.user(item.get("openid") if isinstance(item, dict) else None)
                 for item in wanted]
        return {"user_info_list": [user.info() for user in users]}


def _page(openids: list, after: str | None, size: int) -> tuple[list, str]:
    start = openids.index(after) + 1 if after in openids else 0
    chunk = openids[start:start + size]
    return chunk, (chunk[-1] if chunk else "")


@bp.get("/cgi-bin/user/get")
@needs_token
def user_list():
    """Followers, 10000 a page, continued with next_openid."""
    state = get_state()
    with state.lock:
        _count_call(state, "user_get", "USER_GET_PER_DAY")
        openids = [u.openid for u in state.users.values() if u.subscribed]
    chunk, next_openid = _page(openids, request.args.get("next_openid"), PAGE_SIZE)
    return {"total": len(openids), "count": len(chunk), "data": {"openid": chunk},
            "next_openid": next_openid}


def _tag_name(body: dict) -> str:
    name = str((body.get("tag") or {}).get("name") or "").strip()
    if not name:
        raise ApiError(45157)
    if len(name.encode("utf-8")) > MAX_TAG_NAME_BYTES:
        raise ApiError(45158)
    return name


def _tag_id(state, value, *, writable: bool = False) -> int:
    try:
        tag_id = int(value)
    except (TypeError, ValueError):
        raise ApiError(45159) from None
    if writable and tag_id in (0, 1, 2):
        raise ApiError(45058)
    if tag_id not in state.tags:
        raise ApiError(45159)
    return tag_id


@bp.post("/cgi-bin/tags/create")
@needs_token
def tags_create():
    """Create a tag."""
    name = _tag_name(json_body())
    state = get_state()
    with state.lock:
        if len(state.tags) >= MAX_TAGS:
            raise ApiError(45056)
        if name in state.tags.values():
            raise ApiError(45157)
        tag_id = next(state.tag_ids)
        state.tags[tag_id] = name
    return {"tag": {"id": tag_id, "name": name}}


@bp.get("/cgi-bin/tags/get")
@needs_token
def tags_get():
    """Every tag with its follower count."""
    state = get_state()
    with state.lock:
        tags = [{"id": tag_id, "name": name,
                 "count": sum(1 for u in state.users.values() if tag_id in u.tagids)}
                for tag_id, name in state.tags.items()]
    return {"tags": tags}


@bp.post("/cgi-bin/tags/update")
@needs_token
def tags_update():
    """Rename a tag."""
    body = json_body()
    name = _tag_name(body)
    state = get_state()
    with state.lock:
        tag_id = _tag_id(state, (body.get("tag") or {}).get("id"), writable=True)
        if name in state.tags.values() and state.tags[tag_id] != name:
            raise ApiError(45157)
        state.tags[tag_id] = name
    return ok()


@bp.post("/cgi-bin/tags/delete")
@needs_token
def tags_delete():
    """Delete a tag and take it off every user."""
    body = json_body()
    state = get_state()
    with state.lock:
        tag_id = _tag_id(state, (body.get("tag") or {}).get("id"), writable=True)
        del state.tags[tag_id]
        for user in state.users.values():
            if tag_id in user.tagids:
                user.tagids.remove(tag_id)
    return ok()


def _tagging_targets(state, body: dict) -> tuple[int, list]:
    openids = body.get("openid_list")
    if not isinstance(openids, list) or not openids or len(openids) > MAX_TAGGING_OPENIDS:
        raise ApiError(40032)
    tag_id = _tag_id(state, body.get("tagid"))
    return tag_id, [state.user(openid) for openid in openids]


@bp.post("/cgi-bin/tags/members/batchtagging")
@needs_token
def batch_tagging():
    """Put a tag on up to 50 users."""
    body = json_body()
    state = get_state()
    with state.lock:
        tag_id, users = _tagging_targets(state, body)
        if any(len(u.tagids) >= MAX_TAGS_PER_USER and tag_id not in u.tagids for u in users):
            raise ApiError(45059)
        for user in users:
            if tag_id not in user.tagids:
                user.tagids.append(tag_id)
    return ok()


@bp.post("/cgi-bin/tags/members/batchuntagging")
@needs_token
def batch_untagging():
    """Take a tag off up to 50 users."""
    body = json_body()
    state = get_state()
    with state.lock:
        tag_id, users = _tagging_targets(state, body)
        for user in users:
            if tag_id in user.tagids:
                user.tagids.remove(tag_id)
    return ok()


@bp.post("/cgi-bin/user/tag/get")
@needs_token
def tag_members():
    """Followers carrying a tag, continued with next_openid."""
    body = json_body()
    state = get_state()
    with state.lock:
        tag_id = _tag_id(state, body.get("tagid"))
        openids = [u.openid for u in state.users.values() if tag_id in u.tagids]
    chunk, next_openid = _page(openids, body.get("next_openid"), TAG_PAGE_SIZE)
    return {"count": len(chunk), "data": {"openid": chunk}, "next_openid": next_openid}


@bp.post("/cgi-bin/tags/getidlist")
@needs_token
def user_tag_ids():
    """The tags on one user."""
    body = json_body()
    state = get_state()
    with state.lock:
        return {"tagid_list": list(state.user(body.get("openid")).tagids)}
