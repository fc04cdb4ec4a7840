"""Every chat utterance is one Jinja2 template under templates/chat/."""
from datetime import date, datetime

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from config.settings import PROJECT_ROOT

CHAT_TEMPLATES = PROJECT_ROOT / "templates" / "chat"


def make_chat_environment(auto_reload: bool = False) -> Environment:
    """The Jinja2 environment for chat replies: strict, no autoescape (plain text); without
    auto_reload each template is compiled once (no file stat on every reply)."""
    env = Environment(loader=FileSystemLoader(str(CHAT_TEMPLATES)), undefined=StrictUndefined,
                      autoescape=False, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=False, auto_reload=auto_reload, cache_size=-1)
    env.filters["cn_date"] = cn_date
    env.filters["cn_datetime"] = cn_datetime
    env.filters["cn_duration"] = cn_duration
    return env


def render_chat(env: Environment, template: str, context: dict) -> str:
    """Render templates/chat/<template>.txt into the text the user reads."""
    return env.get_template(f"{template}.txt").render(**context).strip()


def cn_date(value: date) -> str:
    """2020年7月15日"""
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(value: datetime) -> str:
    """2020年7月15日 18:00"""
    return f"{cn_date(value)} {value:%H:%M}"


def cn_duration(seconds: float) -> str:
    """300 -> 5分钟, 90 -> 1分30秒, 45 -> 45秒"""
    minutes, rest = divmod(int(seconds), 60)
    if not minutes:
        return f"{rest}秒"
    return f"{minutes}分钟" if not rest else f"{minutes}分{rest}秒"
