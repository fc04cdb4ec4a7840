"""`python -m simulator.chat`, run as a person would, against the fake platform wired to a real bot:
the user is remembered between runs, only unseen messages are printed, notes are in Chinese."""
import subprocess
import sys

from config.settings import PROJECT_ROOT
from tests.intake_fixtures import entry_for
from tests.video_fixtures import make_video


def chat(stack, *args, openid="oCli") -> str:
    """One run of the real CLI; its output (printed for the test's log)."""
    done = subprocess.run([sys.executable, "-m", "simulator.chat", "--url", stack.platform.url,
                           "--openid", openid, *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=120)
    print(f"$ simulator.chat {' '.join(args)}\n{done.stdout}")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return done.stdout


def says(*lines) -> list:
    return [arg for line in lines for arg in ("--say", line)]


def _subscribes(stack, openid) -> int:
    return sum(1 for d in stack.platform.sim("GET", "/webhook-log")["deliveries"]
               if d["openid"] == openid and d["sent"].get("Event") == "subscribe")


def test_a_second_run_goes_on_without_following_again_or_replaying(stack):
    stack = stack()
    first = chat(stack, *says("规则"))
    assert first.startswith("[平台] 你关注了公众号\n[公众号] 欢迎关注")
    assert "作品征集：2020年6月15日—2020年7月15日" in first
    second = chat(stack, *says("帮助"))
    assert "取消：退出当前操作" in second and "继续 oCli 之前的对话" in second
    # nothing replayed: neither the follow nor the first run's 规则 answer
    assert "你关注了公众号" not in second
    assert "作品征集：2020年6月15日—2020年7月15日" not in second
    assert "already" not in second and "已经关注" not in second
    assert _subscribes(stack, "oCli") == 1
    earlier = chat(stack, "--history", *says("/help"))
    assert "[我] 关注了公众号" in earlier and "[我] 规则" in earlier and "[我] 帮助" in earlier
    assert earlier.index("欢迎关注") < earlier.index("作品征集") < earlier.index("取消：退出当前操作")
    assert "/video <文件>" in earlier and _subscribes(stack, "oCli") == 1


def test_a_verdict_that_came_between_runs_is_shown_once(stack, tmp_path):
    stack = stack()
    chat(stack, *says("规则"), openid="oMaker")
    entry_for(stack, "oMaker")
    video = make_video(tmp_path, "作品.mp4", seconds=3, width=1280, height=720)
    sent = chat(stack, *says(f"/video {video}"), openid="oMaker")
    assert "已收到作品101《匠心侨都》的视频" in sent
    stack.run_worker()
    back = chat(stack, *says("我的作品"), openid="oMaker")
    assert back.count("格式检查通过") == 1 and "[公众号·客服消息]" in back
    assert back.index("格式检查通过") < back.index("视频已通过格式检查")  # then the reply
    again = chat(stack, *says("规则"), openid="oMaker")
    assert "格式检查通过" not in again


def test_commands_and_platform_notes_are_in_chinese(stack, tmp_path):
    stack = stack()
    image = tmp_path / "poster.jpg"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    "color=c=red:size=64x64:duration=1", "-frames:v", "1", str(image)], check=True)
    out = chat(stack, *says(f"/image {image}", "/video 没有这个文件.mp4", "/click", "/frobnicate",
                            "/click MENU_HELP", "/follow", "/unfollow", "报名"))
    assert "找不到文件：没有这个文件.mp4" in out and "用法：/click <菜单KEY>" in out
    assert "未知命令 /frobnicate，输入 /help 查看可用的命令" in out
    assert "取消：退出当前操作" in out  # the menu click answered like 帮助
    assert "你已经关注了这个公众号" in out and "未关注：关注公众号后才能聊天" in out
    assert "[平台] 你取消了关注" in out
    sent = stack.platform.sim("GET", "/transcript/oCli")["messages"]
    assert [m["fields"]["MsgType"] for m in sent if m["channel"] == "user"][:2] == ["event",
                                                                                   "image"]
    assert all("the user" not in line for line in out.splitlines())


def test_help_names_every_command_in_full():
    done = subprocess.run([sys.executable, "-m", "simulator.chat", "--help"], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60)
    text = done.stdout
    assert done.returncode == 0
    for command in ("/video <文件>", "/image <文件>", "/click <菜单KEY>", "/follow", "/unfollow",
                    "/help", "/quit", "--say TEXT", "--history", "--openid", "--url"):
        assert command in text, command
    assert "through the fake WeChat platform.\n" in text  # the description is not cut
