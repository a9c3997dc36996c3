"""Heartbeats of the periodic tasks, written by the worker that ran them (Celery signals).

Only the tasks of the beat schedule (settings.CELERY_BEAT_SCHEDULE) are recorded: they are the ticks
of the safety chain (the sweep, the reminders, the judging, outbox and pages relays), and a row per run of
them costs nothing. A heartbeat that cannot be written (the database is down) is logged and skipped:
it must never fail the task it reports on.
"""

import logging
import time

from celery.signals import task_failure, task_prerun, task_success
from django.conf import settings
from django.utils import timezone

from monitoring.models import TaskHeartbeat

logger = logging.getLogger(__name__)

# When each running task started, by task id, in this worker process (for its duration).
_started: dict[str, float] = {}


def scheduled_task_names() -> set[str]:
    return {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def heartbeat_record(*, task: str, **fields) -> None:
    """Upsert the task's row in one statement (INSERT ... ON CONFLICT DO UPDATE)."""
    try:
        TaskHeartbeat.objects.bulk_create(
            [TaskHeartbeat(task=task, **fields)],
            update_conflicts=True,
            unique_fields=["task"],
            update_fields=list(fields),
        )
    except Exception:  # noqa: BLE001 - a heartbeat is never a reason to fail the task
        logger.warning("could not record the heartbeat of %s", task, exc_info=True)


@task_prerun.connect(dispatch_uid="monitoring.heartbeat.prerun")
def _on_prerun(sender=None, task_id=None, **_):
    if sender is not None and sender.name in scheduled_task_names():
        _started[task_id] = time.monotonic()
        heartbeat_record(task=sender.name, last_started_at=timezone.now())


@task_success.connect(dispatch_uid="monitoring.heartbeat.success")
def _on_success(sender=None, **_):
    if sender is None or sender.name not in scheduled_task_names():
        return
    started = _started.pop(sender.request.id, None)
    duration = time.monotonic() - started if started is not None else None
    heartbeat_record(task=sender.name, last_success_at=timezone.now(), last_duration_seconds=duration)


@task_failure.connect(dispatch_uid="monitoring.heartbeat.failure")
def _on_failure(sender=None, task_id=None, **_):
    if sender is None or sender.name not in scheduled_task_names():
        return
    _started.pop(task_id, None)
    heartbeat_record(task=sender.name, last_failure_at=timezone.now())
