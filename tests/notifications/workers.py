"""Real Celery worker processes for the tests and the benchmark, on the caller's database and Redis db."""

import os
import signal
import sys
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.support.processes import start_process, stop_process


def database_url() -> str:
    """The URL of the database this process uses (the test database under pytest)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        TWILIO_ACCOUNT_SID=settings.TWILIO_ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=settings.TWILIO_AUTH_TOKEN,
        TWILIO_FROM_NUMBER=settings.TWILIO_FROM_NUMBER,
        TWILIO_API_URL=settings.TWILIO_API_URL,
        SMS_RATE_PER_SECOND=str(settings.SMS_RATE_PER_SECOND),
        PUBLIC_BASE_URL=settings.PUBLIC_BASE_URL,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


class Worker:
    """`celery -A config worker` with N prefork processes, in its own process group (so a kill takes all)."""

    def __init__(self, *, concurrency: int = 2, env: dict[str, str] | None = None):
        handle, name = tempfile.mkstemp(prefix="celery-worker-", suffix=".log")
        os.close(handle)
        self.log_path = Path(name)
        self.process = start_process(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "--pool", "prefork", "--concurrency", str(concurrency),
                "--hostname", f"sms-test-{uuid.uuid4().hex[:8]}@%h",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
                "--loglevel", "WARNING", "--queues", "urgent,celery",
            ],
            env or worker_env(),
            self.log_path,
        )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the worker and its child processes at once (SIGKILL: no cleanup, no task acknowledged)."""
        stop_process(self.process, sig=sig, timeout=30)

    def stop(self) -> None:
        """A warm shutdown, then a kill if it does not end."""
        stop_process(self.process)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def discard_log(self) -> None:
        self.log_path.unlink(missing_ok=True)
