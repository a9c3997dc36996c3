"""Reads behind /metrics and /healthz: the safety chain's state, computed from the database now.

Every figure is one query over an index (or a bounded range of primary keys), so that a scrape every
15 seconds costs the database next to nothing however long the history grows.
"""

import datetime
import math
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, F, IntegerField, Min, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from monitoring.models import TaskHeartbeat
from notifications.models import Message
from recovery.choices import ACTIVE_ALERT_STATUSES, AlertStatus
from recovery.models import Alert, CheckinSubmission

# The window of the "last hour" figures (check-ins, alerts raised, SMS outcomes).
WINDOW = datetime.timedelta(hours=1)
# A periodic task is late when it has not completed within this many of its periods.
LATE_AFTER_PERIODS = 2
SMS_ERROR_STATUSES = (Message.Status.FAILED, Message.Status.UNDELIVERED)


@dataclass(frozen=True)
class PeriodicTaskState:
    name: str  # the beat schedule's entry, e.g. "recovery-sweep"
    task: str  # the Celery task it sends
    period_seconds: float | None  # None for a schedule without a fixed period (crontab)
    last_success_at: datetime.datetime | None
    last_failure_at: datetime.datetime | None
    last_duration_seconds: float | None
    age_seconds: float  # since the last completed run; infinite when it never completed

    @property
    def late(self) -> bool:
        return self.period_seconds is not None and self.age_seconds > LATE_AFTER_PERIODS * self.period_seconds


def _period_seconds(schedule) -> float | None:
    if isinstance(schedule, (int, float)):
        return float(schedule)
    if isinstance(schedule, datetime.timedelta):
        return schedule.total_seconds()
    run_every = getattr(schedule, "run_every", None)  # celery.schedules.schedule
    return run_every.total_seconds() if isinstance(run_every, datetime.timedelta) else None


def periodic_task_states(*, now: datetime.datetime | None = None) -> list[PeriodicTaskState]:
    """Each entry of the beat schedule with its last completed run (one query)."""
    now = now or timezone.now()
    schedule = settings.CELERY_BEAT_SCHEDULE
    beats = {b.task: b for b in TaskHeartbeat.objects.filter(task__in=[e["task"] for e in schedule.values()])}
    states = []
    for name, entry in schedule.items():
        beat = beats.get(entry["task"])
        success = beat.last_success_at if beat else None
        states.append(
            PeriodicTaskState(
                name=name,
                task=entry["task"],
                period_seconds=_period_seconds(entry["schedule"]),
                last_success_at=success,
                last_failure_at=beat.last_failure_at if beat else None,
                last_duration_seconds=beat.last_duration_seconds if beat else None,
                age_seconds=max(0.0, (now - success).total_seconds()) if success else math.inf,
            )
        )
    return states


def beat_health(*, now: datetime.datetime | None = None) -> dict:
    """/healthz's view of beat: "late" when a periodic task has not completed within twice its period
    (beat stopped sending, or no worker runs what it sends)."""
    states = periodic_task_states(now=now)
    late = [s.name for s in states if s.late]
    return {
        "status": "late" if late else "ok",
        "late": late,
        "tasks": {
            s.name: {
                "period_seconds": s.period_seconds,
                "last_success_at": s.last_success_at.isoformat() if s.last_success_at else None,
                "age_seconds": round(s.age_seconds, 1) if math.isfinite(s.age_seconds) else None,
            }
            for s in states
        },
    }


def _window_start_id(model, *, since: datetime.datetime, field: str):
    """The id of the newest row older than the window (0 when none). Ids grow with time, so the
    window's rows are those above it: PostgreSQL walks the primary key backwards from the newest row
    and stops at the first old one, instead of scanning the whole table."""
    older = model.objects.filter(**{f"{field}__lt": since}).order_by("-id").values("id")[:1]
    return Coalesce(Subquery(older), Value(0), output_field=IntegerField())


@dataclass(frozen=True)
class OutboxFigures:
    queued_by_purpose: dict[str, int]
    oldest_due_age_seconds: float  # 0 when nothing due waits


def outbox_figures(*, now: datetime.datetime) -> OutboxFigures:
    """Queued messages, and how long the oldest one due has waited (one query, over the partial index
    of pending messages). A message deferred to later (`send_after`, e.g. out of quiet hours) waits
    from its due time."""
    due_at = Greatest(F("created_at"), Coalesce(F("send_after"), F("created_at")))
    rows = (
        Message.objects.filter(status=Message.Status.QUEUED)
        .values("purpose")
        .annotate(n=Count("id"), oldest=Min(due_at, filter=Q(send_after__isnull=True) | Q(send_after__lte=now)))
        .order_by()
    )
    queued, oldest = {}, None
    for row in rows:
        queued[row["purpose"]] = row["n"]
        if row["oldest"] is not None and (oldest is None or row["oldest"] < oldest):
            oldest = row["oldest"]
    return OutboxFigures(queued_by_purpose=queued, oldest_due_age_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)


def pages_owed(*, now: datetime.datetime) -> tuple[int, float]:
    """Urgent alerts whose page has not gone out: how many, and the oldest one's age (0 when none)."""
    row = Alert.objects.filter(page_required=True, paged_at__isnull=True, status=AlertStatus.OPEN).aggregate(
        n=Count("id"), oldest=Min("created_at")
    )
    age = max(0.0, (now - row["oldest"]).total_seconds()) if row["oldest"] else 0.0
    return row["n"], age


def active_alerts() -> list[dict]:
    """Open and acknowledged alerts by kind, severity and status."""
    return list(
        Alert.objects.filter(status__in=ACTIVE_ALERT_STATUSES)
        .values("kind", "severity", "status")
        .annotate(n=Count("id"))
        .order_by()
    )


def alerts_raised(*, now: datetime.datetime) -> list[dict]:
    since = now - WINDOW
    return list(
        Alert.objects.filter(id__gt=_window_start_id(Alert, since=since, field="created_at"), created_at__gte=since)
        .values("kind", "severity")
        .annotate(n=Count("id"))
        .order_by()
    )


def checkins_received(*, now: datetime.datetime) -> list[dict]:
    since = now - WINDOW
    return list(
        CheckinSubmission.objects.filter(id__gt=_window_start_id(CheckinSubmission, since=since, field="received_at"), received_at__gte=since)
        .values("channel")
        .annotate(n=Count("id"))
        .order_by()
    )


def outbound_sms(*, now: datetime.datetime) -> list[dict]:
    """Outbound messages created in the window, by status and provider error code."""
    since = now - WINDOW
    return list(
        Message.objects.filter(
            direction=Message.Direction.OUTBOUND,
            id__gt=_window_start_id(Message, since=since, field="created_at"),
            created_at__gte=since,
        )
        .values("status", "error_code")
        .annotate(n=Count("id"))
        .order_by()
    )
