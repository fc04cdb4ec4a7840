"""Publishing the account's custom menu (a WeChat API call: never done inside the webhook)."""
import logging

from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from handlers.menu import menu_definition
from jobs.context import job_services

log = logging.getLogger(__name__)


def publish_menu() -> dict:
    """Create the account's menu on WeChat from handlers.menu; returns WeChat's answer."""
    from bot.wechat.client import make_api

    services = job_services()
    gallery_url = services.settings["PUBLIC_BASE_URL"].rstrip("/") + "/h5/gallery"
    result = make_api(services).menu.create(menu_definition(gallery_url))
    log.info("menu published: errcode=%s", result.get("errcode"))
    return result


MENU_JOB_ID = "menu-publish"


def queue_publish_menu(queue) -> bool:
    """Queue publish_menu unless it is already waiting or running; True when queued now."""
    try:
        status = Job.fetch(MENU_JOB_ID, connection=queue.connection).get_status()
        if status in (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED):
            return False
    except NoSuchJobError:
        pass
    queue.enqueue(publish_menu, job_id=MENU_JOB_ID)
    return True
