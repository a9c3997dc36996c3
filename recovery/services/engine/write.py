"""Writing a plan: the chunk's alerts opened, updated and resolved, monitoring ended, judgement
recorded, in one transaction, each kind of write in one statement. Alerts are written here only."""

from __future__ import annotations

import datetime
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q

from patients.models import Patient
from recovery import rules
from recovery.choices import ACTIVE_ALERT_STATUSES, AlertStatus, Severity
from recovery.models import Alert, AlertEvent, EvaluationState, MilestoneQuestion
from recovery.services.engine.reconcile import Plan, finding_details
from recovery.signals import alert_page_owed

logger = logging.getLogger(__name__)

_ACTIVE = [s.value for s in ACTIVE_ALERT_STATUSES]


@dataclass
class EvaluationSummary:
    patients: int = 0
    chunks: int = 0
    opened: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    resolved: Counter = field(default_factory=Counter)
    monitoring_ended: int = 0
    asked: int = 0

    def add(self, other: EvaluationSummary) -> None:
        self.patients += other.patients
        self.chunks += other.chunks
        self.opened.update(other.opened)
        self.updated.update(other.updated)
        self.resolved.update(other.resolved)
        self.monitoring_ended += other.monitoring_ended
        self.asked += other.asked

    def describe(self) -> str:
        def kinds(counter: Counter) -> str:
            total = sum(counter.values())
            if not total:
                return "0"
            return f"{total} (" + ", ".join(f"{k} {n}" for k, n in sorted(counter.items())) + ")"

        return (
            f"judged {self.patients} patients in {self.chunks} chunks; opened {kinds(self.opened)}; "
            f"updated {kinds(self.updated)}; resolved {kinds(self.resolved)}; milestone questions asked {self.asked}; "
            f"monitoring ended for {self.monitoring_ended}"
        )


def new_alert(patient_id: int, finding: rules.Finding) -> Alert:
    urgent = finding.severity == Severity.URGENT
    return Alert(
        patient_id=patient_id,
        kind=finding.kind,
        severity=finding.severity,
        status=AlertStatus.OPEN,
        recovery_day=finding.recovery_day,
        evidence_date=finding.evidence_date,
        message=finding.message,
        details=finding_details(finding),
        page_required=urgent,
    )


def insert_alerts(opens: list[tuple[int, rules.Finding]]) -> list[Alert]:
    """Insert new alerts in one statement; if a concurrent evaluation opened one of them first (the
    partial unique index says no), insert them one by one and skip those that exist."""
    if not opens:
        return []
    alerts = [new_alert(pid, f) for pid, f in opens]
    try:
        with transaction.atomic():
            return Alert.objects.bulk_create(alerts)
    except IntegrityError:
        created = []
        for pid, finding in opens:
            try:
                with transaction.atomic():
                    alert = new_alert(pid, finding)
                    alert.save()
                    created.append(alert)
            except IntegrityError:
                logger.info("alert %s for patient %s was opened concurrently; the next judgement updates it", finding.kind, pid)
        return created


def write(plan: Plan, *, now: datetime.datetime, summary: EvaluationSummary, ended: set[int], page_now: bool = True) -> None:
    """Make the chunk's writes in one transaction, each kind of write in one statement."""
    if not (plan.opens or plan.updates or plan.resolves or plan.ended or plan.judged_through or plan.marks or plan.questions):
        return
    with transaction.atomic():
        events: list[AlertEvent] = []
        paged: list[Alert] = []
        opened = insert_alerts(plan.opens)
        for alert in opened:
            summary.opened[alert.kind] += 1
            events.append(AlertEvent(alert=alert, action=AlertEvent.Action.RAISED, note=alert.message))
            if alert.page_required:
                paged.append(alert)

        touched = [view.id for view, *_ in plan.updates] + [view.id for view, _ in plan.resolves]
        still_active: dict[int, str] = {}
        if touched:
            # Lock the rows and read their status again: a nurse may have acknowledged or resolved
            # one since it was read (a resolved one is left alone).
            still_active = dict(Alert.objects.select_for_update().filter(pk__in=touched, status__in=_ACTIVE).values_list("pk", "status"))
        # Alerts to write, grouped by the columns they change: one UPDATE per group.
        changed: dict[tuple[str, ...], list[Alert]] = defaultdict(list)
        page_ids: list[int] = []
        for view, finding, new_items, page in plan.updates:
            if view.id not in still_active:
                continue
            reopen = new_items and still_active[view.id] == AlertStatus.ACKNOWLEDGED
            alert = Alert(
                pk=view.id,
                severity=finding.severity,
                recovery_day=finding.recovery_day,
                evidence_date=finding.evidence_date,
                message=finding.message,
                details=finding_details(finding),
                updated_at=now,
            )
            fields = ("severity", "recovery_day", "evidence_date", "message", "details", "updated_at")
            if reopen:
                alert.status = AlertStatus.OPEN
                alert.acknowledged_at, alert.acknowledged_by_id, alert.acknowledge_note = None, None, ""
                fields += ("status", "acknowledged_at", "acknowledged_by", "acknowledge_note")
            if page:
                # page_level stays: the page owed again is a new message, at the next level.
                alert.page_required, alert.paged_at = True, None
                fields += ("page_required", "paged_at")
                page_ids.append(view.id)
            changed[fields].append(alert)
            summary.updated[view.kind] += 1
            note = ("Opened again, new evidence: " if reopen else "New evidence: ") + finding.message
            events.append(AlertEvent(alert_id=view.id, action=AlertEvent.Action.UPDATED, note=note))
        resolving = set()
        for view, reason in plan.resolves:
            if view.id not in still_active or view.id in resolving:
                continue
            resolving.add(view.id)
            changed[("status", "resolved_at", "resolved_by", "resolution_reason", "updated_at")].append(
                Alert(pk=view.id, status=AlertStatus.RESOLVED, resolved_at=now, resolved_by=None, resolution_reason=reason[:200], updated_at=now)
            )
            summary.resolved[view.kind] += 1
            events.append(AlertEvent(alert_id=view.id, action=AlertEvent.Action.RESOLVED, note=reason))
        for fields, group in changed.items():
            Alert.objects.bulk_update(group, list(fields))
        if events:
            AlertEvent.objects.bulk_create(events)
        if ended:
            summary.monitoring_ended += Patient.objects.filter(pk__in=ended, monitoring_ended_at__isnull=True).update(monitoring_ended_at=now)
        for date, ids in plan.judged_through.items():
            EvaluationState.objects.bulk_create([EvaluationState(patient_id=pid) for pid in ids], ignore_conflicts=True)
            EvaluationState.objects.filter(Q(judged_through__isnull=True) | Q(judged_through__lt=date), patient_id__in=ids).update(
                judged_through=date, updated_at=now
            )
        if plan.marks:
            # Clear only the mark that was read before the data: a check-in that came since keeps its own.
            seen = Q()
            for pid, mark in plan.marks:
                seen |= Q(patient_id=pid, needs_evaluation_since=mark)
            EvaluationState.objects.filter(seen).update(needs_evaluation_since=None, updated_at=now)
        if plan.questions:
            # One per patient and milestone (the unique constraint): a sweep run twice asks once.
            MilestoneQuestion.objects.bulk_create(
                [MilestoneQuestion(patient_id=pid, milestone=code, asked_on=asked_on) for pid, code, asked_on in plan.questions],
                ignore_conflicts=True,
            )
            summary.asked += len(plan.questions)
        if page_ids:
            paged.extend(Alert.objects.filter(pk__in=page_ids))
        for alert in paged:
            # The notifications layer pages on commit; its relay catches a page this signal misses.
            # A sweep leaves its (rare) urgent alerts to that relay, so that its queries stay per chunk.
            alert_page_owed.send(sender=Alert, alert=alert, immediate=page_now, now=now)
