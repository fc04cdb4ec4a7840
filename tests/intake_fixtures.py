"""The video intake stack for tests (the shared tests.stack.Stack) and entries to send videos to."""
from datetime import UTC, datetime

import pytest

from bot.db import session_scope
from bot.entries import confirm_entry
from tests.stack import Stack, reply_text

__all__ = ["Stack", "stack", "reply_text", "entry_for"]


@pytest.fixture
def stack(make_stack):
    """`stack(contest=..., now=..., stack_class=..., **platform_config)`."""
    def start(contest="jiangmen-2020", now="2020-06-20T10:00:00", stack_class=Stack,
              **platform_config):
        return make_stack(contest, now, stack_class=stack_class, platform=platform_config)
    return start


def entry_for(stack, openid: str, title: str = "匠心侨都", kind: str = "team",
              state: str | None = None) -> None:
    at = datetime(2020, 6, 20, 2, tzinfo=UTC)
    with session_scope(stack.bot.services.db) as session:
        entry = confirm_entry(session, contest=stack.bot.services.contest, openid=openid,
                              kind=kind, category="micro_video", answers={"title": title},
                              title=title, at=at)
        if state:
            entry.state = state
