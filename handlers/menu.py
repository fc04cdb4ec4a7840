"""The account's custom menu: its buttons and the chat word each click stands for."""

MENU_WORDS = {
    "MENU_ENTER": "报名",
    "MENU_MY_ENTRIES": "我的作品",
    "MENU_VOTE": "投票",
    "MENU_STANDINGS": "排行",
    "MENU_RULES": "规则",
    "MENU_HELP": "帮助",
}


def menu_definition(gallery_url: str) -> dict:
    """The menu JSON for /cgi-bin/menu/create: entering, voting, and the contest's rules."""
    return {
        "button": [
            {"name": "我要参赛", "sub_button": [
                {"type": "click", "name": "报名", "key": "MENU_ENTER"},
                {"type": "click", "name": "我的作品", "key": "MENU_MY_ENTRIES"},
            ]},
            {"name": "投票", "sub_button": [
                {"type": "click", "name": "怎么投票", "key": "MENU_VOTE"},
                {"type": "view", "name": "作品展示", "url": gallery_url},
                {"type": "click", "name": "排行", "key": "MENU_STANDINGS"},
            ]},
            {"name": "大赛说明", "sub_button": [
                {"type": "click", "name": "规则", "key": "MENU_RULES"},
                {"type": "click", "name": "帮助", "key": "MENU_HELP"},
            ]},
        ]
    }
