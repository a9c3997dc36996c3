"""The Celery application; tasks live in each app's tasks.py."""

import os

from celery import Celery, Task
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class DatabaseRetryTask(Task):
    """Every task retries, with exponential backoff, while PostgreSQL is unreachable.

    Tasks are idempotent (claims by compare-and-set, natural keys, partial unique indexes), so a retry
    after a failure part-way is harmless. About 45 minutes of retries cover a database failover or
    restart; past that, the periodic relays and the sweep pick the work up from its rows.
    """

    autoretry_for = (OperationalError, InterfaceError)
    retry_backoff = 2
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 12


app = Celery("recovery_service", task_cls=DatabaseRetryTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Log lines of a task carry its id (config/logs.py connects to the task signals).
from config import logs  # noqa: E402, F401
