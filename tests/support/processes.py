"""Real processes for tests: free ports, a TCP proxy that can cut a service off, gunicorn, Celery, Redis.

Tests that use them stop everything they start. Waiting here is for a process to become ready (bounded
polls), never for wall-clock time to pass.
"""

import contextlib
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, *, timeout: float = 30.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def http_get(url: str, timeout: float = 5.0) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback only
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; `cut()` drops every connection and refuses new ones,
    as an unreachable server would, and `restore()` lets traffic through again."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self.port))
        self._listener.listen(128)
        self._open = threading.Event()
        self._open.set()
        self._stopped = threading.Event()
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def _accept_loop(self):
        while not self._stopped.is_set():
            ready, _, _ = select.select([self._listener], [], [], 0.1)
            if not ready:
                continue
            try:
                client, _ = self._listener.accept()
            except OSError:
                continue
            if not self._open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns.update((client, upstream))
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket):
        pair = [a, b]
        try:
            while not self._stopped.is_set() and self._open.is_set():
                ready, _, _ = select.select(pair, [], [], 0.1)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (b if sock is a else a).sendall(data)
        except OSError:
            return
        finally:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.close()
            with self._lock:
                self._conns.difference_update(pair)

    def cut(self):
        self._open.clear()
        with self._lock:
            conns = list(self._conns)
        for sock in conns:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def restore(self):
        self._open.set()

    def close(self):
        self.cut()
        self._stopped.set()
        with contextlib.suppress(OSError):
            self._listener.close()


def base_env(**overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONUNBUFFERED": "1"})
    env.update({k: str(v) for k, v in overrides.items()})
    return env


def start_process(args: list[str], env: dict, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop_process(proc: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 20.0) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def start_gunicorn(env: dict, log_path: Path, workers: int = 1) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = start_process(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers), "--timeout", "60"],
        env,
        log_path,
    )
    base = f"http://127.0.0.1:{port}"

    def ready():
        if proc.poll() is not None:
            raise AssertionError(f"gunicorn exited: {log_path.read_text()[-2000:]}")
        try:
            http_get(base + "/healthz", timeout=2)
            return True
        except OSError:
            return False

    wait_until(ready, timeout=60, what="gunicorn to answer")
    return proc, base


def start_celery_worker(env: dict, log_path: Path, concurrency: int = 1, queues: str | None = "urgent,celery") -> subprocess.Popen:
    """A worker as the routine one of `make run` runs: the urgent queue (pages) and the default queue."""
    args = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork", "-c", str(concurrency), "-l", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    if queues:
        args += ["-Q", queues]
    proc = start_process(args, env, log_path)
    wait_until(lambda: b"ready." in log_path.read_bytes() or proc.poll() is not None, timeout=60, what="the Celery worker")
    if proc.poll() is not None:
        raise AssertionError(f"celery worker exited: {log_path.read_text()[-2000:]}")
    return proc


def start_redis(log_dir: Path, port: int | None = None) -> tuple[subprocess.Popen, int]:
    """A private redis-server on a free port (or `port`, to start it again where it was), so a test can
    stop it without touching anyone else's."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise AssertionError("redis-server is not installed")
    port = port or free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(log_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def up():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    wait_until(up, timeout=20, what="redis-server")
    return proc, port
