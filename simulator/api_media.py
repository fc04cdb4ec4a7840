"""Temporary media (/cgi-bin/media/upload, /cgi-bin/media/get) and the custom menu."""
from flask import Blueprint, abort, request, send_file, url_for

from simulator.apibase import get_state, json_body, needs_token
from simulator.errors import ApiError, ok

bp = Blueprint("sim_media", __name__)

BUTTON_TYPES = {"click", "view", "scancode_push", "scancode_waitmsg", "pic_sysphoto",
                "pic_photo_or_album", "pic_weixin", "location_select", "media_id",
                "view_limited", "article_id", "article_view_limited", "miniprogram"}


@bp.post("/cgi-bin/media/upload")
@needs_token
def media_upload():
    """Upload a temporary media file (multipart field `media`)."""
    media_type = request.args.get("type", "")
    upload = request.files.get("media")
    if upload is None:
        raise ApiError(41005, "media data missing")
    data = upload.read()
    state = get_state()
    with state.lock:
        state.media.check_upload(media_type, len(data))
        media = state.media.add(media_type, data, upload.filename or "", state.now())
    # Quirk: a thumb upload answers thumb_media_id instead of media_id.
    id_key = "thumb_media_id" if media_type == "thumb" else "media_id"
    return {"type": media_type, id_key: media.media_id, "created_at": int(media.created_at)}


@bp.get("/cgi-bin/media/get")
@needs_token
def media_get():
    """The media's bytes, or for videos (configurable per media) JSON with a video_url."""
    state = get_state()
    with state.lock:
        media = state.media.get(request.args.get("media_id"), state.now())
    if media.answer == "video_url":
        return {"video_url": url_for("sim_media.media_file", media_id=media.media_id,
                                     _external=True)}
    response = send_file(media.path, mimetype=media.content_type, conditional=False)
    ext = media.path.suffix
    response.headers["Content-disposition"] = f'attachment; filename="{media.media_id}{ext}"'
    response.headers["Cache-Control"] = "no-cache, must-revalidate"
    return response


@bp.get("/sim/media/<media_id>/file")
def media_file(media_id: str):
    """What a video_url points at: the bytes, without access token, until the media expires."""
    state = get_state()
    try:
        with state.lock:
            media = state.media.get(media_id, state.now())
    except ApiError:
        abort(404)
    return send_file(media.path, mimetype=media.content_type, conditional=True)


def _check_button(button: dict, top_level: bool) -> None:
    name_limit = 16 if top_level else 60
    if not button.get("name") or len(str(button["name"]).encode("utf-8")) > name_limit:
        raise ApiError(40018)
    subs = button.get("sub_button")
    if top_level and subs:
        if not isinstance(subs, list) or len(subs) > 5:
            raise ApiError(40023)
        for sub in subs:
            _check_button(sub, top_level=False)
        return
    if button.get("type") not in BUTTON_TYPES:
        raise ApiError(40017)
    if button["type"] == "view" and not 0 < len(str(button.get("url", ""))) <= 1024:
        raise ApiError(40020)
    if button["type"] in ("click", "scancode_push", "scancode_waitmsg") and \
            not 0 < len(str(button.get("key", "")).encode("utf-8")) <= 128:
        raise ApiError(40019)


@bp.post("/cgi-bin/menu/create")
@needs_token
def menu_create():
    """Set the custom menu: 1-3 buttons, each with up to 5 sub-buttons."""
    body = json_body()
    buttons = body.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise ApiError(40016)
    for button in buttons:
        _check_button(button, top_level=True)
    state = get_state()
    with state.lock:
        state.menu = {"button": buttons}
    return ok()


@bp.get("/cgi-bin/menu/get")
@needs_token
def menu_get():
    """The menu set through the API (46003 when none)."""
    state = get_state()
    with state.lock:
        if state.menu is None:
            raise ApiError(46003)
        return {"menu": state.menu}


@bp.get("/cgi-bin/menu/delete")
@needs_token
def menu_delete():
    """Remove the custom menu."""
    state = get_state()
    with state.lock:
        state.menu = None
    return ok()


@bp.get("/cgi-bin/get_current_selfmenu_info")
@needs_token
def selfmenu_info():
    """The live menu in the newer shape (sub_button wrapped in {"list": [...]})."""
    state = get_state()
    with state.lock:
        menu = state.menu
    if menu is None:
        return {"is_menu_open": 0, "selfmenu_info": {"button": []}}
    buttons = [dict(b, sub_button={"list": b["sub_button"]}) if b.get("sub_button") else b
               for b in menu["button"]]
    return {"is_menu_open": 1, "selfmenu_info": {"button": buttons}}
