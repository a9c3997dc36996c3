"""The worker records each run of a periodic task (the sweep, the reminders, the relays), so that a
dead beat or worker shows in /healthz and /metrics."""

import pytest
from celery import shared_task
from django.utils import timezone

from monitoring.models import TaskHeartbeat


@shared_task(name="tests.monitoring.failing_relay")
def failing_relay():
    raise RuntimeError("the relay broke")


@shared_task(name="tests.monitoring.unscheduled")
def unscheduled():
    return "done"


@pytest.mark.django_db
def test_a_sweep_run_by_a_worker_records_its_completion_and_duration(default_protocols):
    from recovery.tasks import sweep_task

    before = timezone.now()
    sweep_task.apply()

    beat = TaskHeartbeat.objects.get(task="recovery.tasks.sweep_task")
    assert beat.last_success_at >= before and beat.last_started_at >= before
    assert beat.last_duration_seconds is not None and beat.last_duration_seconds >= 0
    assert beat.last_failure_at is None


@pytest.mark.django_db
def test_the_relays_record_theirs_too():
    from notifications.tasks import outbox_relay_task, pages_relay_task

    outbox_relay_task.apply()
    pages_relay_task.apply()

    assert set(TaskHeartbeat.objects.exclude(last_success_at=None).values_list("task", flat=True)) == {
        "notifications.tasks.outbox_relay_task",
        "notifications.tasks.pages_relay_task",
    }


@pytest.mark.django_db
def test_a_failing_periodic_task_records_a_failure_and_no_success(settings):
    settings.CELERY_BEAT_SCHEDULE = {"failing-relay": {"task": "tests.monitoring.failing_relay", "schedule": 60.0}}

    result = failing_relay.apply(throw=False)  # as a worker runs it: the error is the task's state

    assert result.failed()

    beat = TaskHeartbeat.objects.get(task="tests.monitoring.failing_relay")
    assert beat.last_failure_at is not None and beat.last_success_at is None


@pytest.mark.django_db
def test_a_task_outside_the_beat_schedule_writes_no_heartbeat():
    unscheduled.apply()
    assert not TaskHeartbeat.objects.exists()
