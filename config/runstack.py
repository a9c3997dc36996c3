"""The whole service on one machine, as `make run` starts it: `python -m config.runstack [--prepare]`.

With --prepare, first migrates, seeds the demo where there are no patients, judges the patients (where
the recovery engine's check_recovery exists) and collects static files, all in this one process.
Then starts web (gunicorn), two Celery workers (routine work, and one of its own for the urgent queue
of pages) and exactly one beat as child processes, on whatever the environment configures (by default
SQLite and the filesystem broker under var/, SMS to the log), waits until /healthz answers, prints
where to go, and stops them all together: on Ctrl-C or SIGTERM, or as soon as one of them dies (then with a non-zero exit).
"""

import argparse
import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

READY_TIMEOUT_SECONDS = 90
STOP_TIMEOUT_SECONDS = 20
POLL_SECONDS = 0.2


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise SystemExit(f"PORT: expected a port number, got {value!r}") from None
    if not 0 < port < 65536:
        raise SystemExit(f"PORT: expected a port number from 1 to 65535, got {port}")
    return port


def _die_with_parent() -> None:
    """In the child, before exec: its own process group (so one terminal Ctrl-C reaches the children
    only through us, once), and SIGTERM when this supervisor dies, even by SIGKILL (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def commands(*, host: str, port: int) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "web": [
            python, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"{host}:{port}",
            "--workers", os.environ.get("WEB_WORKERS", "2"),
            "--worker-class", "gthread", "--threads", os.environ.get("WEB_THREADS", "4"),
            "--config", "python:config.gunicorn",
            "--graceful-timeout", "10",
        ],
        **celery_commands(),
    }  # fmt: skip


def celery_commands() -> dict[str, list[str]]:
    """The Celery processes: the workers, then exactly one beat. `make bench-urgent` starts these
    same command lines, so that it measures whatever workers the service runs."""
    python = sys.executable
    return {
        # Routine work (judging batches, reminders, the sweep) on two processes; they also take pages
        # when they are free.
        "worker": [python, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "2", "--hostname", "worker@%h",
                   "--queues", "urgent,celery"],
        # The urgent queue's own worker: a page never waits behind routine work.
        "urgent": [python, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "1", "--hostname", "urgent@%h",
                   "--queues", "urgent"],
        # Exactly one beat, or every periodic task would run once per beat.
        "beat": [python, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO", "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"],
    }  # fmt: skip


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own local address
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _django() -> None:
    import django

    django.setup()


def prepare() -> None:
    """What `make run` does before starting the processes, in one process (one Django start-up)."""
    _django()
    from django.core.management import call_command, get_commands
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=1)
    call_command("seed_demo", if_empty=True)
    # Judge the demo patients at once, so that the worklist shows alerts (once the engine exists).
    if "check_recovery" in get_commands():
        call_command("check_recovery")
    call_command("collectstatic", interactive=False, verbosity=0)
    connection.close()


def _demo_logins() -> list[str]:
    """The demo accounts' logins, where they exist with the demo passwords (seed_demo made them)."""
    try:
        _django()
        from django.contrib.auth import get_user_model
        from django.db import connection

        from recovery import demo

        User = get_user_model()
        lines = []
        accounts = [
            ("Demo nurse", demo.DEMO_NURSE_USERNAME, demo.DEMO_NURSE_PASSWORD, f"{demo.DEMO_CLINIC}, on call"),
            ("Second clinic's nurse", demo.SECOND_NURSE_USERNAME, demo.DEMO_NURSE_PASSWORD, demo.SECOND_CLINIC),
            ("Admin (superuser)", demo.DEMO_ADMIN_USERNAME, demo.DEMO_ADMIN_PASSWORD, "/admin/"),
        ]
        for label, username, password, where in accounts:
            user = User.objects.filter(username=username).first()
            if user is not None and user.check_password(password):
                lines.append(f"  {label + ':':24} {username} / {password}   ({where})")
        connection.close()
        return lines
    except Exception as exc:  # noqa: BLE001 - the banner must not stop the service
        return [f"  (could not read the demo logins: {exc.__class__.__name__}: {exc})"]


class Stack:
    def __init__(self, specs: dict[str, list[str]], environment: dict[str, str]):
        self.specs = specs
        self.environment = environment
        self.children: dict[str, subprocess.Popen] = {}
        self.stop_requested: int | None = None

    def start(self) -> None:
        for name, argv in self.specs.items():
            self.children[name] = subprocess.Popen(argv, env=self.environment, start_new_session=True, preexec_fn=_die_with_parent)
            print(f"runstack: started {name} (pid {self.children[name].pid})", file=sys.stderr, flush=True)

    def dead(self) -> list[tuple[str, int]]:
        return [(name, child.returncode) for name, child in self.children.items() if child.poll() is not None]

    def stop(self) -> None:
        """SIGTERM to each child (gunicorn and Celery stop their own workers), then SIGKILL to whatever
        is left of its process group after the grace time."""
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for name, child in self.children.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
                print(f"runstack: {name} stopped (status {child.returncode})", file=sys.stderr, flush=True)
            except subprocess.TimeoutExpired:
                print(f"runstack: {name} did not stop in {STOP_TIMEOUT_SECONDS} s; killing it", file=sys.stderr, flush=True)
                self._signal_group(child, signal.SIGKILL)
                child.wait()
        # The groups' stragglers (a gunicorn or pool worker whose parent is gone).
        for child in self.children.values():
            self._signal_group(child, signal.SIGKILL)

    @staticmethod
    def _signal_group(child: subprocess.Popen, signum: int) -> None:
        try:
            os.killpg(child.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass

    def request_stop(self, signum, frame) -> None:
        self.stop_requested = signum


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m config.runstack", description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", action="store_true", help="migrate, seed the demo, judge it and collect static files first")
    arguments = parser.parse_args(argv)
    host = os.environ.get("HOST", "127.0.0.1")
    port = _port(os.environ.get("PORT", "8000"))
    base = f"http://{host}:{port}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Webhook signatures and CSRF origins follow the address we actually serve on.
    os.environ.setdefault("PUBLIC_BASE_URL", base)
    if arguments.prepare:
        prepare()

    stack = Stack(commands(host=host, port=port), dict(os.environ))
    signal.signal(signal.SIGINT, stack.request_stop)
    signal.signal(signal.SIGTERM, stack.request_stop)
    started = time.monotonic()
    stack.start()

    ready = False
    status = 0
    while stack.stop_requested is None:
        dead = stack.dead()
        if dead:
            for name, code in dead:
                print(f"runstack: {name} exited with status {code}; stopping the others", file=sys.stderr, flush=True)
            status = 1
            break
        if not ready:
            if _healthy(f"{base}/healthz"):
                ready = True
                _banner(base, time.monotonic() - started)
            elif time.monotonic() - started > READY_TIMEOUT_SECONDS:
                print(f"runstack: {base}/healthz did not answer 200 within {READY_TIMEOUT_SECONDS} s; stopping", file=sys.stderr, flush=True)
                status = 1
                break
        time.sleep(POLL_SECONDS)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print("runstack: stopping web, workers and beat", file=sys.stderr, flush=True)
    stack.stop()
    print("runstack: stopped", file=sys.stderr, flush=True)
    return status


def _banner(base: str, seconds: float) -> None:
    lines = [
        "",
        f"The recovery tracking service is up ({seconds:.1f} s): web, workers (routine and urgent) and beat.",
        f"  Address:   {base}/",
        f"  Dashboard: {base}/",
        f"  API docs:  {base}/api/docs/",
        f"  Admin:     {base}/admin/",
        f"  Health:    {base}/healthz",
        *_demo_logins(),
        "Stop with Ctrl-C.",
        "",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
