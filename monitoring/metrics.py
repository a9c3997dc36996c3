"""The Prometheus exposition of the safety chain, computed from the database at each scrape.

A custom collector rather than counters held in memory: web runs several processes, and the truth
(what was swept, queued, paged, sent) is in PostgreSQL, so every scrape reads it there, whichever
process answers.
"""

import datetime

from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from monitoring import selectors


class SafetyChainCollector:
    def __init__(self, *, now: datetime.datetime | None = None):
        self.now = now

    def collect(self):
        now = self.now or timezone.now()
        yield from self._periodic_tasks(now)
        yield from self._outbox(now)

        owed, oldest = selectors.pages_owed(now=now)
        yield GaugeMetricFamily("recovery_pages_owed", "Urgent alerts still open whose page has not been sent.", value=owed)
        yield GaugeMetricFamily(
            "recovery_pages_owed_oldest_age_seconds", "Age of the oldest urgent alert whose page has not been sent (0 when none).", value=oldest
        )

        active = GaugeMetricFamily("recovery_alerts_active", "Open and acknowledged alerts.", labels=["kind", "severity", "status"])
        for row in selectors.active_alerts():
            active.add_metric([row["kind"], row["severity"], row["status"]], row["n"])
        yield active

        raised = GaugeMetricFamily("recovery_alerts_raised_last_hour", "Alerts raised in the last hour.", labels=["kind", "severity"])
        for row in selectors.alerts_raised(now=now):
            raised.add_metric([row["kind"], row["severity"]], row["n"])
        yield raised

        checkins = GaugeMetricFamily("recovery_checkins_last_hour", "Check-ins received in the last hour.", labels=["channel"])
        for row in selectors.checkins_received(now=now):
            checkins.add_metric([row["channel"]], row["n"])
        yield checkins

        sms = GaugeMetricFamily("recovery_sms_outbound_last_hour", "Outbound SMS created in the last hour, by status.", labels=["status"])
        errors = GaugeMetricFamily(
            "recovery_sms_errors_last_hour",
            "Outbound SMS of the last hour that failed or were undelivered, by status and provider error code.",
            labels=["status", "error_code"],
        )
        by_status: dict[str, int] = {}
        for row in selectors.outbound_sms(now=now):
            by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
            if row["status"] in selectors.SMS_ERROR_STATUSES:
                errors.add_metric([row["status"], row["error_code"] or "none"], row["n"])
        for status, n in sorted(by_status.items()):
            sms.add_metric([status], n)
        yield sms
        yield errors

    def _periodic_tasks(self, now):
        age = GaugeMetricFamily(
            "recovery_periodic_task_last_success_age_seconds",
            "Seconds since the periodic task last completed (+Inf when it never did).",
            labels=["task"],
        )
        period = GaugeMetricFamily("recovery_periodic_task_period_seconds", "The periodic task's period in the beat schedule.", labels=["task"])
        duration = GaugeMetricFamily(
            "recovery_periodic_task_last_duration_seconds", "How long the periodic task's last completed run took.", labels=["task"]
        )
        late = GaugeMetricFamily(
            "recovery_periodic_task_late", "1 when the periodic task has not completed within twice its period.", labels=["task"]
        )
        states = selectors.periodic_task_states(now=now)
        for state in states:
            age.add_metric([state.name], state.age_seconds)
            late.add_metric([state.name], 1 if state.late else 0)
            if state.period_seconds is not None:
                period.add_metric([state.name], state.period_seconds)
            if state.last_duration_seconds is not None:
                duration.add_metric([state.name], state.last_duration_seconds)
        yield from (age, period, duration, late)
        yield GaugeMetricFamily(
            "recovery_beat_late", "1 when any periodic task (sweep, reminders, relays) is late: beat or the workers stopped.",
            value=1 if any(s.late for s in states) else 0,
        )

    def _outbox(self, now):
        figures = selectors.outbox_figures(now=now)
        queued = GaugeMetricFamily("recovery_outbox_queued_messages", "Outbound messages waiting to be sent, by purpose.", labels=["purpose"])
        for purpose, n in sorted(figures.queued_by_purpose.items()):
            queued.add_metric([purpose], n)
        yield queued
        yield GaugeMetricFamily(
            "recovery_outbox_oldest_queued_age_seconds",
            "How long the oldest queued message that is due has waited (0 when none).",
            value=figures.oldest_due_age_seconds,
        )


def exposition(*, now: datetime.datetime | None = None) -> bytes:
    """The metrics in Prometheus' text format. A registry of its own: no per-process metrics, which
    would differ from one web process to the next."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SafetyChainCollector(now=now))
    return generate_latest(registry)
