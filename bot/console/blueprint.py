"""The console blueprint, its access rules and its error pages (shared by every console view).

Every view needs a login. A view is for organizers only unless it is marked with
`@allow(ORGANIZER, JUDGE)`; the check runs before the view, so a forgotten mark denies judges.
POSTs are checked for flask-wtf's CSRF token before anything else runs.
"""
import logging
from functools import wraps

from flask import Blueprint, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from config.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

ORGANIZER, JUDGE = "organizer", "judge"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a score sheet; WECHAT_MAX_BODY_BYTES caps everything else
console = Blueprint("console", __name__, url_prefix="/console",
                    template_folder=str(PROJECT_ROOT / "templates" / "web"))


def allow(*roles):
    """Mark a view as open to these roles (the default is organizers only)."""
    def mark(view):
        view.console_roles = frozenset(roles)
        return view
    return mark


def public(view):
    """Mark a view that needs no login (the login page itself)."""
    view.console_public = True
    return view


def roles_of(view) -> frozenset:
    """The roles a view is open to."""
    return getattr(view, "console_roles", frozenset({ORGANIZER}))


def services():
    """The app's Services."""
    return current_app.extensions["contestbot"]


class ConsoleError(Exception):
    """A refusal shown as a Chinese page with a status code."""

    def __init__(self, status: int, message: str, title: str = "无法完成"):
        super().__init__(f"{status} {message}")
        self.status, self.message, self.title = status, message, title


def message_page(status: int, title: str, message: str):
    """A page that says what went wrong, with the status code."""
    return render_template("console/message.html", title=title, message=message), status


@console.errorhandler(ConsoleError)
def _console_error(error: ConsoleError):
    return message_page(error.status, error.title, error.message)


@console.errorhandler(CSRFError)
def _csrf_error(_error):
    return message_page(400, "页面已过期", "表单已过期或来源无效，请刷新页面后重试。")


_STATUS_TEXT = {
    400: ("请求有误", "提交的内容无法处理，请检查后重试。"),
    403: ("没有权限", "您的账号没有访问此页面的权限。"),
    404: ("页面不存在", "没有找到这个页面或记录。"),
    405: ("无法处理", "请使用页面上的按钮操作。"),
    413: ("文件过大", "上传的文件过大（上限5MB）。"),
}


def _http_error(error):
    title, message = _STATUS_TEXT[error.code]
    return message_page(error.code, title, message)


for _code in _STATUS_TEXT:
    console.register_error_handler(_code, _http_error)


@console.errorhandler(SQLAlchemyError)
def _database_error(_error):
    log.exception("console: database error on %s", request.endpoint)
    return message_page(503, "服务繁忙", "数据库暂时不可用，请稍后再试。")


@console.errorhandler(RedisError)
def _redis_error(_error):
    log.exception("console: Redis error on %s", request.endpoint)
    if request.endpoint in ("console.login", "console.login_submit"):
        return render_template("console/login.html", error="暂时无法登录，请稍后再试。",
                               notice="", next=request.form.get("next", "")), 503
    return message_page(503, "服务繁忙", "服务暂时不可用，请稍后再试。")


def with_session(view):
    """Give the view a database session (committed after, rolled back on error) as `db`."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        session = services().db()
        try:
            result = view(*args, db=session, **kwargs)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
    return wrapper
