"""The embedded stack of `make run` (python -m config.runstack --prepare): it migrates and seeds, starts
web, worker and beat on SQLite and the filesystem broker, answers /healthz, and stops them together, on
a signal or when one of them dies."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent
# Bounds on waiting for processes (not for time to pass): start-up, then shutdown.
START_TIMEOUT = 120
STOP_TIMEOUT = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _alive_in_group(pgid: int) -> list[int]:
    """Processes of the group that still run (zombies, already dead, do not count)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            alive.append(int(stat.parent.name))
    return alive


@pytest.fixture(scope="module")
def embedded_environment(tmp_path_factory):
    """The environment of `make run` on a bare machine: no DATABASE_URL, REDIS_URL or broker, so
    SQLite and the filesystem broker under a VAR_DIR of its own (migrated and seeded by --prepare)."""
    var_dir = tmp_path_factory.mktemp("var")
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "PUBLIC_BASE_URL", "PORT")
    }
    environment.update(VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="config.settings", PYTHONUNBUFFERED="1")
    return environment


class RunningStack:
    def __init__(self, environment: dict, log_dir: Path):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.stdout_path = log_dir / "runstack.out"
        self.stderr_path = log_dir / "runstack.err"
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "config.runstack", "--prepare"], cwd=ROOT, env={**environment, "PORT": str(self.port)}, stdout=out, stderr=err
            )

    def logs(self) -> str:
        return self.stdout_path.read_text() + self.stderr_path.read_text()

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the stack exited early:\n{self.logs()}"
            try:
                if _get(f"{self.base}/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        pytest.fail(f"/healthz did not answer 200 within {START_TIMEOUT} s:\n{self.logs()}")

    def wait_for_banner(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and "Stop with Ctrl-C" not in self.stdout_path.read_text():
            assert self.process.poll() is None, self.logs()
            time.sleep(0.1)
        return self.stdout_path.read_text()

    def children(self) -> dict[str, int]:
        return {name: int(pid) for name, pid in re.findall(r"started (\w+) \(pid (\d+)\)", self.stderr_path.read_text())}

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT)
        for pid in self.children().values():
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def stack(embedded_environment, tmp_path):
    running = RunningStack(embedded_environment, tmp_path)
    yield running
    running.kill()


def test_it_starts_web_worker_and_beat_answers_and_stops_them_all_on_sigterm(stack):
    stack.wait_until_healthy()
    banner = stack.wait_for_banner()

    status, body = _get(f"{stack.base}/healthz")
    assert status == 200 and b'"broker": "ok"' in body
    assert _get(f"{stack.base}/api/schema/")[0] == 200
    assert _get(f"{stack.base}/api/docs/")[0] == 200
    assert _get(f"{stack.base}/admin/login/")[0] == 200  # static files collected, whitenoise serving
    assert f"{stack.base}/api/docs/" in banner
    assert "nurse / demo-nurse-pass" in banner
    children = stack.children()
    assert set(children) == {"web", "worker", "urgent", "beat"}

    stack.process.send_signal(signal.SIGTERM)

    assert stack.process.wait(timeout=STOP_TIMEOUT) == 0
    for name, pid in children.items():
        assert _alive_in_group(pid) == [], f"{name} left processes behind"


def test_when_one_process_dies_it_stops_the_others_and_exits_non_zero(stack):
    stack.wait_until_healthy()
    children = stack.children()

    os.kill(children["beat"], signal.SIGKILL)

    assert stack.process.wait(timeout=STOP_TIMEOUT) != 0
    assert "beat exited" in stack.logs()
    for name, pid in children.items():
        assert _alive_in_group(pid) == [], f"{name} left processes behind"
