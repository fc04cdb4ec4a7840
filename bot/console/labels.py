"""Chinese labels for what the console shows: entry states, verdicts, findings, form answers."""
from datetime import date, datetime

from bot.answers.duration import duration_text

VERDICT_LABELS = {"pass": "通过", "fail": "未通过", "error": "无法检查", "none": "未检查"}
ROLE_LABELS = {"organizer": "组织者", "judge": "评委"}
FINDING_LABELS = {
    "too_long": "时长超过上限", "too_short": "时长不足", "soft_too_long": "时长偏长（提醒）",
    "duration_unknown": "无法读出时长", "resolution_too_low": "分辨率过低",
    "size_not_allowed": "画面尺寸不符合", "orientation_not_allowed": "横竖屏不符合",
    "aspect_ratio_not_allowed": "画面比例不符合", "container_not_allowed": "文件格式不符合",
    "no_audio": "没有音轨", "file_too_large": "文件过大", "not_a_video": "不是视频文件",
    "truncated": "文件不完整或损坏", "playlist": "播放列表（非视频）", "timeout": "检查超时",
    "no_video_stream": "没有视频画面", "file_unreadable": "无法读取文件",
}
SIGNAL_LABELS = {"burst": "短时集中投票", "quick_follow": "关注后立即投票",
                 "address": "同一地址大量投票"}
CHANNEL_LABELS = {"chat": "对话", "page": "网页"}
ACTION_LABELS = {
    "entry.confirmed": "确认报名", "entry.video_stored": "收到视频",
    "entry.video_checked": "视频格式检查", "entry.state": "状态变更",
    "entry.screened": "初审", "entry.finalist": "入围设置", "vote.invalidated": "作废选票",
    "scores.saved": "评分", "scores.imported": "导入评分", "console.login": "登录",
    "console.logout": "退出", "console.user_created": "创建账号",
    "entry.video_received": "收到视频（对话）", "broadcast.create": "创建群发",
    "broadcast.confirm": "确认群发", "broadcast.cancel": "取消群发", "results.compute": "计算结果",
    "results.publish": "公布结果", "results.publish_override": "缺少评分仍公布结果",
    "quiz.bank_imported": "导入知识竞赛题库", "quiz.question_disabled": "停用竞赛题目",
    "quiz.question_enabled": "恢复启用竞赛题目", "quiz.offline_imported": "导入线下竞赛成绩",
}


def answer_text(contest, field, value) -> str:
    """A stored form answer as a person reads it (category names, 片长, dates)."""
    if value is None or value == "":
        return ""
    if field is not None and field.type == "category":
        category = contest.category(str(value))
        return category.name if category else str(value)
    if field is not None and field.type == "duration" and isinstance(value, (int, float)):
        return duration_text(int(value))
    if field is not None and field.type == "date":
        return _date_text(value)
    return str(value)


def _date_text(value) -> str:
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day.year}年{day.month}月{day.day}日"


def local_time(contest, value: datetime | None) -> str:
    """An aware timestamp in the contest's time zone, as 2020-07-15 18:00."""
    if value is None:
        return ""
    return value.astimezone(contest.tz).strftime("%Y-%m-%d %H:%M")


def zone_label(contest, now: datetime) -> str:
    """The zone every console time is in: 北京时间 for China's zone, else its name; the offset."""
    offset = now.astimezone(contest.tz).strftime("%z")
    name = "北京时间" if contest.timezone in ("Asia/Shanghai", "Asia/Chongqing") else contest.timezone
    return f"{name}（UTC{offset[:3]}:{offset[3:]}）"


def kind_label(contest, kind_id: str | None) -> str:
    """The Chinese name of an entrant kind."""
    kind = contest.kind(kind_id) if kind_id else None
    return kind.name if kind else (kind_id or "")


def category_label(contest, category_id: str | None) -> str:
    """The Chinese name of a category."""
    category = contest.category(category_id) if category_id else None
    return category.name if category else (category_id or "")
