"""`python -m simulator.chat`: chat with the bot from a terminal, as one follower, through the
fake WeChat platform (every message is signed and encrypted on its way to /wechat).

Type text to send it. Commands: /video <file>, /click <MENU_KEY>, /follow, /unfollow, /quit.
`--say TEXT` (repeatable) sends scripted messages and exits, for rehearsals in scripts.
The same in a browser, with several users, the menu and the contest clock: the platform's chat
page at http://127.0.0.1:5100/ (simulator/chat_page.py).
"""
import argparse
import sys

import requests


class ChatSession:
    """One simulated follower talking to the bot through the platform's /sim endpoints."""

    def __init__(self, platform_url: str, openid: str, out=sys.stdout):
        self.base = platform_url.rstrip("/") + "/sim"
        self.openid = openid
        self.out = out
        self.last_seq = 0
        self.http = requests.Session()

    def start(self) -> None:
        """Create the user and follow the account (prints the welcome)."""
        self.http.post(f"{self.base}/users", json={"openid": self.openid}, timeout=10)
        self._show(self.http.post(f"{self.base}/users/{self.openid}/follow", timeout=30))

    def say(self, line: str) -> None:
        """Send one line: a command or a text message."""
        command, _, argument = line.strip().partition(" ")
        if command == "/video":
            with open(argument, "rb") as handle:
                response = self.http.post(f"{self.base}/users/{self.openid}/send",
                                          data={"type": "video"}, files={"media": handle},
                                          timeout=60)
        elif command == "/click":
            response = self._send({"type": "click", "key": argument})
        elif command in ("/follow", "/unfollow"):
            response = self.http.post(f"{self.base}/users/{self.openid}/{command[1:]}",
                                      timeout=30)
        else:
            response = self._send({"type": "text", "content": line.strip()})
        self._show(response)

    def _send(self, body: dict):
        return self.http.post(f"{self.base}/users/{self.openid}/send", json=body, timeout=30)

    def _show(self, response) -> None:
        answer = response.json() if response.headers.get("content-type", "").startswith(
            "application/json") else {}
        if response.status_code != 200:
            self._print(f"[平台] {answer.get('error', response.status_code)}")
        for message in self._inbox():
            label = "公众号" if message["channel"] == "passive" else f"公众号·{message['channel']}"
            self._print(f"[{label}] {message.get('content') or message['msgtype']}")

    def _inbox(self) -> list:
        messages = self.http.get(f"{self.base}/inbox/{self.openid}", timeout=10).json()["messages"]
        fresh = [m for m in messages if m["seq"] > self.last_seq]
        if fresh:
            self.last_seq = fresh[-1]["seq"]
        return fresh

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def main(argv=None) -> int:
    """Parse arguments and chat until /quit or end of input."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5100", help="the fake platform")
    parser.add_argument("--openid", default="oLocalUser0001", help="who you are")
    parser.add_argument("--say", action="append", default=[], help="send and exit")
    args = parser.parse_args(argv)
    chat = ChatSession(args.url, args.openid)
    chat.start()
    lines = args.say or _typed_lines()
    for line in lines:
        if line.strip() == "/quit":
            break
        if line.strip():
            chat.say(line)
    return 0


def _typed_lines():
    while True:
        try:
            yield input("> ")
        except EOFError:
            return


if __name__ == "__main__":
    sys.exit(main())
