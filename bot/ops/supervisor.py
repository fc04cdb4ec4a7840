"""The dev stack's process supervisor: start, stop and restart named processes, prefixing output.

Like honcho (which runs the Procfile), every line a process prints is shown as `name | line`,
and when one process stops on its own the others are stopped too. Unlike honcho, a group of
processes can be restarted with a new environment while the others keep running: the chat page's
clock control restarts web + worker at a new CONTEST_NOW while the fake platform keeps its state.
"""
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import IO, cast

STOP_WAIT_S = 10.0


@dataclass
class Child:
    """One running process."""

    name: str
    process: subprocess.Popen
    pump: threading.Thread


class Supervisor:
    """Named child processes with their output multiplexed onto one stream."""

    def __init__(self, out=None):
        self.out = out or sys.stdout
        self.children: dict[str, Child] = {}
        self._write_lock = threading.Lock()
        self.stopping = False

    def say(self, name: str, line: str) -> None:
        """Print one line for a process (or for the supervisor: name 'system')."""
        with self._write_lock:
            self.out.write(f"{time.strftime('%H:%M:%S')} {name:<7}| {line.rstrip()}\n")
            self.out.flush()

    def start(self, name: str, argv: list[str], env: dict) -> None:
        """Start a process; its output is pumped to our stream."""
        process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   text=True, errors="replace", bufsize=1)
        pump = threading.Thread(target=self._pump, args=(name, process), daemon=True)
        pump.start()
        self.children[name] = Child(name, process, pump)
        self.say("system", f"{name} started (pid={process.pid})")

    def _pump(self, name: str, process: subprocess.Popen) -> None:
        for line in cast(IO[str], process.stdout):  # started with stdout=PIPE, as text
            self.say(name, line)

    def stop(self, names=None, wait_s: float = STOP_WAIT_S) -> None:
        """SIGTERM the processes (all by default), SIGKILL what is left after wait_s."""
        chosen = [self.children[n] for n in (names or list(self.children)) if n in self.children]
        for child in chosen:
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + wait_s
        for child in chosen:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say("system", f"{child.name} did not stop: SIGKILL")
                child.process.kill()
                child.process.wait()
            child.pump.join(timeout=2)
            self.say("system", f"{child.name} stopped (rc={child.process.returncode})")
            del self.children[child.name]

    def exited(self) -> tuple[str, int] | None:
        """The first process that stopped on its own, with its exit code, or None."""
        for child in self.children.values():
            returncode = child.process.poll()
            if returncode is not None:
                return child.name, returncode
        return None

    def handle_signals(self) -> None:
        """Ctrl-C or SIGTERM stops the whole stack (checked by the caller's loop)."""
        def _stop(signum, _frame):
            self.say("system", f"{signal.Signals(signum).name} received")
            self.stopping = True

        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
