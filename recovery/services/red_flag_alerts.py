"""Red flags decided at commit: the check-in's own transaction opens or updates the red-flag alert.

A red flag is a pure function of the check-in itself (the day's symptoms, the procedure, the reports
already alerted: rules.red_flag_finding), so it needs no worker: the alert exists before the patient
gets the answer, and the page it owes is recorded on the alert row in the same transaction. The
notifications layer pages on the alert_page_owed signal (its outbox row is written in this
transaction too, and its send goes out on the urgent queue when it commits); the pages relay pages
for any alert left owing one.
"""

import datetime
from dataclasses import replace

from django.db import IntegrityError, transaction

from patients.models import Patient
from recovery import rules
from recovery.choices import ACTIVE_ALERT_STATUSES, AlertKind, AlertStatus, Severity
from recovery.models import Alert, AlertEvent
from recovery.services.engine.write import new_alert
from recovery.services.evaluation import ALERT_VALUES, alert_view, finding_details
from recovery.signals import alert_page_owed


def red_flag_alert_raise(
    *, patient: Patient, date: datetime.date, day_symptoms: list[str], now: datetime.datetime
) -> Alert | None:
    """Open, or add to, the patient's red-flag alert for the day's reported symptoms; in the caller's
    transaction (the check-in's). Returns the alert written, or None when every report of the day is
    already carried by an alert (a replay, a merge that adds nothing, a report a nurse resolved).

    1. Read the patient's red-flag alerts, locking the active one: two check-ins of one patient at
       once take turns here.
    2. rules.red_flag_finding: the reports not yet alerted, with their severity.
    3. No active alert: open one (urgent: page owed). An active one: merge the reports into it; an
       acknowledged one given new reports opens again; a new urgent report (or a rise to urgent)
       pages again, so the nurse hears of chest pain that follows a fever.
    The partial unique index (one active alert per patient and kind) settles a race between two
    first reports: the loser's insert fails, and it merges into the winner's alert instead.
    """
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _raise(patient=patient, date=date, day_symptoms=day_symptoms, now=now)
        except IntegrityError:
            if attempt:
                raise
    return None  # not reached


def _raise(*, patient: Patient, date: datetime.date, day_symptoms: list[str], now: datetime.datetime) -> Alert | None:
    views = [
        alert_view(values)
        for values in Alert.objects.filter(patient_id=patient.pk, kind=AlertKind.RED_FLAG).order_by("id").values(*ALERT_VALUES)
    ]
    active = next((v for v in views if v.status in ACTIVE_ALERT_STATUSES), None)
    if active is not None:
        # Lock it and read its status again: a nurse may be acknowledging or resolving it now.
        status = Alert.objects.select_for_update().filter(pk=active.id, status__in=ACTIVE_ALERT_STATUSES).values_list("status", flat=True).first()
        if status is None:
            active = None
        elif status != active.status:
            active = replace(active, status=status)
    alerted = frozenset(key for v in views for key in v.keys)
    finding = rules.red_flag_finding(surgery_date=patient.surgery_date, procedure=patient.procedure, days=[(date, day_symptoms)], alerted=alerted)
    if finding is None:
        return None
    if active is None:
        alert = new_alert(patient.pk, finding)
        alert.save()
        urgent = alert.page_required
        AlertEvent.objects.create(alert=alert, action=AlertEvent.Action.RAISED, note=alert.message)
    else:
        merged = rules.merge(active, finding, patient.surgery_date)
        worse = rules.severity_rank(merged.severity) < rules.severity_rank(active.severity)
        reopen = active.status == AlertStatus.ACKNOWLEDGED
        page = merged.severity == Severity.URGENT and (worse or rules.red_flag_new_urgent(finding))
        fields = {
            "severity": merged.severity,
            "recovery_day": merged.recovery_day,
            "evidence_date": merged.evidence_date,
            "message": merged.message,
            "details": finding_details(merged),
            "updated_at": now,
        }
        if reopen:
            fields.update(status=AlertStatus.OPEN, acknowledged_at=None, acknowledged_by=None, acknowledge_note="")
        if page:
            # The page owed again; page_level stays, so the next page is a new message (a new level).
            fields.update(page_required=True, paged_at=None)
        Alert.objects.filter(pk=active.id).update(**fields)
        note = ("Opened again, new evidence: " if reopen else "New evidence: ") + merged.message
        AlertEvent.objects.create(alert_id=active.id, action=AlertEvent.Action.UPDATED, note=note)
        alert = Alert.objects.get(pk=active.id)
        urgent = page
    if urgent:
        alert_page_owed.send(sender=Alert, alert=alert, immediate=True, now=now)
    return alert
