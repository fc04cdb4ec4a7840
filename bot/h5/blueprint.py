"""The /h5/ blueprint itself: its templates, date filters, PageError and the error pages.

The routes are in bot.h5.pages (gallery, entry page), bot.h5.voting (vote, WeChat OAuth login) and
bot.h5.media (video, poster); importing bot.h5.pages attaches them all.
"""
import logging

from flask import Blueprint, render_template
from sqlalchemy.exc import SQLAlchemyError

from bot.chat.render import cn_date, cn_datetime
from bot.services import current_services
from config.settings import PROJECT_ROOT

log = logging.getLogger("bot.h5.pages")  # the name these lines have always been logged under

WEB_TEMPLATES = PROJECT_ROOT / "templates" / "web"
h5 = Blueprint("h5", __name__, url_prefix="/h5", template_folder=str(WEB_TEMPLATES))


h5.add_app_template_filter(cn_date, "h5_date")
h5.add_app_template_filter(cn_datetime, "h5_datetime")


def current_settings() -> dict:
    """The settings of the app handling the current request."""
    return current_services().settings


class PageError(Exception):
    """A refusal shown to the user as a Chinese page with a status code."""

    def __init__(self, status: int, title: str, message: str):
        super().__init__(f"{status} {title}")
        self.status = status
        self.title = title
        self.message = message


@h5.errorhandler(PageError)
def _page_error(error: PageError):
    return render_template("message.html", title=error.title, message=error.message), \
        error.status


@h5.errorhandler(404)
def _not_found(_error):
    return render_template("message.html", title="页面不存在",
                           message="没有找到这个页面，请从作品展示页进入。"), 404


@h5.errorhandler(405)
def _wrong_method(_error):
    return render_template("message.html", title="无法处理",
                           message="请从页面上的按钮操作。"), 405


@h5.errorhandler(SQLAlchemyError)
def _database_down(_error):
    log.exception("h5: database error")
    return render_template("message.html", title="服务繁忙",
                           message="服务暂时繁忙，请稍后再试。"), 503
