"""RQ job: publish the account's custom menu (a WeChat API call: never done inside the webhook)."""
import logging

from bot.wechat.client import make_api
from handlers.menu import menu_definition
from handlers.voting import gallery_url
from jobs.context import job_services

log = logging.getLogger(__name__)


def publish_menu() -> dict:
    """Create the account's menu on WeChat from handlers.menu; returns WeChat's answer."""
    services = job_services()
    result = make_api(services).menu.create(menu_definition(gallery_url(services.settings)))
    log.info("menu published: errcode=%s", result.get("errcode"))
    return result
