"""`python -m simulator.chat`: chat with the bot from a terminal as one follower, through the fake
WeChat platform (every message is signed and encrypted on its way to /wechat).

The same in a browser, with several users, the menu and the contest clock: the platform's chat
page at http://127.0.0.1:5100/ (simulator/chat_page.py).
"""
import argparse
import sys
from pathlib import Path

import requests

COMMANDS = """\
在提示符 > 后输入文字即发送给公众号。命令：
  /video <文件>    发送视频（如 /video ~/作品.mp4），平台上成为一个 MediaId
  /image <文件>    发送图片
  /click <菜单KEY> 点击菜单（如 /click MENU_HELP）
  /follow          关注公众号        /unfollow   取消关注
  /help            显示这些命令      /quit       退出（Ctrl-D 亦可）"""
DESCRIPTION = """\
Chat with the bot from a terminal as one follower, through the fake WeChat platform.

The platform remembers the user between runs: a user who already follows is not followed again,
and only messages you have not seen yet are printed (--history prints the earlier ones too).
`--say TEXT` (repeatable) sends scripted lines, commands included, then exits.

""" + COMMANDS
EXAMPLES = """\
examples:
  python -m simulator.chat                                   # type 报名, 规则, 帮助, 我的作品 ...
  python -m simulator.chat --say 报名 --say 是               # scripted; run again to continue
  python -m simulator.chat --say "/video 作品.mp4" --say 我的作品
  python -m simulator.chat --openid oSecondUser --history    # another user, with what came before
"""
CHANNELS = {"passive": "公众号", "custom": "公众号·客服消息", "template": "公众号·模板消息",
            "mass": "公众号·群发消息"}
MEDIA_COMMANDS = {"/video": "video", "/image": "image"}
FOLLOW_NOTES = {"/follow": "你关注了公众号", "/unfollow": "你取消了关注"}


class ChatSession:
    """One simulated follower talking to the bot through the platform's /sim endpoints."""

    def __init__(self, platform_url: str, openid: str, out=sys.stdout):
        self.base = platform_url.rstrip("/") + "/sim"
        self.openid = openid
        self.out = out
        self.last_seq = 0
        self.http = requests.Session()

    def start(self, history: bool = False) -> None:
        """Follow the account once per user; print what this user has not seen (or everything)."""
        known = self.http.get(f"{self.base}/users/{self.openid}", timeout=10)
        if known.status_code == 404:
            self.http.post(f"{self.base}/users", json={"openid": self.openid}, timeout=10)
        user = known.json() if known.ok else {}
        self.last_seq = 0 if history else int(user.get("read_seq") or 0)
        if history:
            self._print_history()
        elif self.last_seq:
            self._print(f"[平台] 继续 {self.openid} 之前的对话（加 --history 可查看之前的消息）")
        if user.get("subscribed"):
            self._show(None)
        else:
            self.say("/follow")

    def say(self, line: str) -> None:
        """Send one line: a command or a text message."""
        command, _, argument = line.strip().partition(" ")
        argument = argument.strip()
        if command == "/help":
            self._print(COMMANDS)
            return
        if command in MEDIA_COMMANDS:
            self._send_file(MEDIA_COMMANDS[command], argument)
        elif command == "/click":
            if not argument:
                self._print("[平台] 用法：/click <菜单KEY>，如 /click MENU_HELP")
                return
            self._show(self._send({"type": "click", "key": argument}))
        elif command in ("/follow", "/unfollow"):
            self._show(self.http.post(f"{self.base}/users/{self.openid}/{command[1:]}",
                                      timeout=30), done=FOLLOW_NOTES[command])
        elif command.startswith("/") and command[1:].isascii() and command[1:].isalpha():
            self._print(f"[平台] 未知命令 {command}，输入 /help 查看可用的命令")
        else:
            self._show(self._send({"type": "text", "content": line.strip()}))

    def _send_file(self, kind: str, argument: str) -> None:
        path = Path(argument).expanduser()
        if not argument or not path.is_file():
            self._print(f"[平台] 找不到文件：{argument or '（未给出文件名）'}")
            return
        with open(path, "rb") as handle:
            self._show(self.http.post(f"{self.base}/users/{self.openid}/send",
                                      data={"type": kind}, files={"media": (path.name, handle)},
                                      timeout=60))

    def _send(self, body: dict):
        return self.http.post(f"{self.base}/users/{self.openid}/send", json=body, timeout=30)

    def _show(self, response, done: str = "") -> None:
        if response is not None:
            self._note(response, done)
        for message in self._unread():
            label = CHANNELS.get(message["channel"], f"公众号·{message['channel']}")
            self._print(f"[{label}] {message.get('content') or message['msgtype']}")

    def _note(self, response, done: str) -> None:
        """The platform's side of an action, in the chat page's words."""
        answer = response.json() if response.headers.get("content-type", "").startswith(
            "application/json") else {}
        if response.status_code != 200:
            self._print(f"[平台] 操作未完成：{answer.get('error', response.status_code)}")
            return
        if done:
            self._print(f"[平台] {done}")
        if answer.get("error"):
            self._print(f"[平台] {answer.get('user_sees') or answer['error']}")

    def _unread(self) -> list:
        messages = self.http.get(f"{self.base}/inbox/{self.openid}", timeout=10).json()["messages"]
        fresh = [m for m in messages if m["seq"] > self.last_seq]
        if fresh:
            self.last_seq = fresh[-1]["seq"]
            self.http.post(f"{self.base}/users/{self.openid}/read", json={"seq": self.last_seq},
                           timeout=10)
        return fresh

    def _print_history(self) -> None:
        entries = self.http.get(f"{self.base}/transcript/{self.openid}", timeout=10).json()
        for entry in entries["messages"]:
            if entry["channel"] == "user":
                self._print(f"[我] {_what_i_sent(entry)}")
            else:
                label = CHANNELS.get(entry["channel"], f"公众号·{entry['channel']}")
                self._print(f"[{label}] {entry.get('content') or entry['msgtype']}")
            self.last_seq = max(self.last_seq, entry["seq"])

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def _what_i_sent(entry: dict) -> str:
    fields = entry.get("fields") or {}
    kind = fields.get("MsgType")
    if kind == "text":
        return fields.get("Content", "")
    if kind == "event":
        events = {"subscribe": "关注了公众号", "unsubscribe": "取消了关注"}
        return events.get(fields.get("Event"), f"点击菜单 {fields.get('EventKey', '')}")
    media = (entry.get("media") or {}).get("filename", "")
    return {"video": "[视频]", "image": "[图片]"}.get(kind, f"[{kind}]") + f" {media}".rstrip()


def parse_args(argv=None) -> argparse.Namespace:
    """The command line (see --help)."""
    parser = argparse.ArgumentParser(prog="python -m simulator.chat", description=DESCRIPTION,
                                     epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:5100", help="the fake platform")
    parser.add_argument("--openid", default="oLocalUser0001", help="who you are")
    parser.add_argument("--say", action="append", default=[], metavar="TEXT",
                        help="send TEXT (a message or a command), then exit; repeatable")
    parser.add_argument("--history", action="store_true",
                        help="first print this user's earlier conversation")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Parse arguments and chat until /quit or end of input."""
    args = parse_args(argv)
    chat = ChatSession(args.url, args.openid)
    try:
        chat.start(history=args.history)
        for line in args.say or _typed_lines():
            if line.strip() == "/quit":
                break
            if line.strip():
                chat.say(line)
    except requests.ConnectionError:
        print(f"[平台] 连接不上模拟平台 {args.url}：请先运行 bash scripts/run.sh", file=sys.stderr)
        return 1
    return 0


def _typed_lines():
    while True:
        try:
            yield input("> ")
        except EOFError:
            return


if __name__ == "__main__":
    sys.exit(main())
