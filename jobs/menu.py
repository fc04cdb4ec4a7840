"""Publishing the account's custom menu (a WeChat API call: never done inside the webhook)."""
import logging

from handlers.menu import menu_definition
from jobs.context import job_services

log = logging.getLogger(__name__)


def publish_menu() -> dict:
    """Create the account's menu on WeChat from handlers.menu; returns WeChat's answer."""
    from bot.wechat import make_api

    services = job_services()
    gallery_url = services.settings["PUBLIC_BASE_URL"].rstrip("/") + "/h5/gallery"
    result = make_api(services).menu.create(menu_definition(gallery_url))
    log.info("menu published: errcode=%s", result.get("errcode"))
    return result
