"""One row per periodic task: when it last completed, so that a dead beat or worker shows."""

from django.db import models


class TaskHeartbeat(models.Model):
    """Written by the worker after each run of a task of the beat schedule (monitoring.receivers).

    django-celery-beat's PeriodicTask.last_run_at says when beat *sent* a task, and is saved only every
    few minutes; this row says when a worker *finished* it, which is what the safety chain needs.
    """

    task = models.CharField(max_length=200, primary_key=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_duration_seconds = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.task} (last success {self.last_success_at or 'never'})"
