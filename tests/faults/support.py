"""What the fault drills share: a Redis server of their own, a TCP proxy that cuts PostgreSQL,
and the RQ helpers that do at once what RQ's retry and abandoned-job cleanup do later.

Nothing here touches the machine's shared Redis on 6379: each drill starts its own redis-server
on a free port (`--save ""`, and AOF only when persistence is the point) and kills that one.
"""
import os
import select
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import redis
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

from bot.queueing import QUEUES


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, seconds: float = 20.0, what: str = "condition") -> None:
    """Poll check() until it is true; AssertionError naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class RedisServer:
    """A redis-server of the test's own on a free port; kill() is SIGKILL, start() restarts it."""

    def __init__(self, directory: Path, appendonly: bool = False):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.appendonly = appendonly
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--dir", str(self.directory), "--daemonize", "no",
                "--logfile", str(self.directory / "redis.log")]
        argv += (["--appendonly", "yes", "--appendfsync", "always"] if self.appendonly
                 else ["--appendonly", "no"])
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            wait_for(lambda: _pings(client), 10, f"redis-server on port {self.port}")
        finally:
            client.close()
        return self

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would: nothing is flushed on the way out."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def restart(self) -> None:
        self.kill()
        self.start()


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.RedisError:
        return False


class TcpProxy:
    """A loopback TCP proxy to `target`; cut() drops every connection and refuses new ones
    (accepted then closed at once, like a database host gone away), restore() lets them in;
    pause() holds every byte (a host that stopped answering), resume() lets them flow again."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.lock = threading.Lock()
        self.pairs: list = []
        self.refused = 0
        self.stopped = False
        self.paused = False
        threading.Thread(target=self._accept, daemon=True, name=f"proxy-{self.port}").start()

    def _accept(self) -> None:
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open:
                self.refused += 1
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=3)
            except OSError:
                _close(client)
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client, upstream) -> None:
        sockets = [client, upstream]
        try:
            while True:
                readable, _, _ = select.select(sockets, [], [], 0.2)
                if self.stopped:
                    return
                if self.paused:
                    time.sleep(0.05)
                    continue
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)
        except OSError:
            return
        finally:
            _close(client)
            _close(upstream)

    def cut(self) -> None:
        self.open = False
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for client, upstream in pairs:
            _close(client)
            _close(upstream)

    def restore(self) -> None:
        self.open = True

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    def close(self) -> None:
        self.stopped = True
        self.cut()
        _close(self.listener)


def _close(sock) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def run_scheduled_now(redis_client, prefix: str = "") -> list:
    """Enqueue at once the jobs RQ scheduled for a retry (their 10 s+ back-off, skipped)."""
    moved = []
    for name in QUEUES:
        queue = Queue(name, connection=redis_client)
        scheduled = ScheduledJobRegistry(queue=queue)
        for job_id in scheduled.get_job_ids():
            if job_id.startswith(prefix):
                job = Job.fetch(job_id, connection=redis_client)
                scheduled.remove(job)
                queue.enqueue_job(job)
                moved.append(job_id)
    return moved


def requeue_abandoned(redis_client, prefix: str = "") -> list:
    """What a surviving worker's registry cleanup does for a killed worker's job, then the
    scheduler: the abandoned job is retried now."""
    for name in QUEUES:
        StartedJobRegistry(name, connection=redis_client).cleanup(timestamp=time.time() + 100000)
    return run_scheduled_now(redis_client, prefix)


def descendants(pid: int) -> list:
    """Every process under pid (Linux /proc), children first found first."""
    children: dict = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_worker_tree(proc) -> None:
    """SIGKILL an RQ worker and its work horse. The horse calls setpgrp(), so killing the
    worker's process group alone leaves it running and finishing the job."""
    victims = descendants(proc.pid) + [proc.pid]
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(10)
