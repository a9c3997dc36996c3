"""Writes on alerts: the staff actions (acknowledge, resolve), each recorded with who, when and a note,
and what the layers above record on an alert (a page written, a page owed again, a line of history)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from patients.audit import Action, AuditSource, Resource, audit_record
from recovery.choices import NOTE_REQUIRED_SEVERITIES, AlertStatus, AlertUsefulness
from recovery.models import Alert, AlertEvent
from recovery.signals import alert_page_owed


class AlertAlreadyResolved(ValidationError):
    """The alert was resolved before this call: nothing was changed (the API answers 409)."""

    def __init__(self):
        super().__init__({"status": ["This alert is already resolved."]})


def _audit(*, audit: AuditSource | None, alert: Alert, done: str, now: datetime.datetime) -> None:
    """The staff action's audit row, in the action's own transaction (who comes from `audit`)."""
    if audit is not None:
        audit_record(actor=None, source=audit, patient=alert.patient_id, action=Action.UPDATE, resource=Resource.ALERT,
                     detail=f"{done} alert {alert.pk} ({alert.kind})", at=now)


@transaction.atomic
def alert_acknowledge(
    *, alert: Alert, user, note: str = "", now: datetime.datetime | None = None, audit: AuditSource | None = None
) -> Alert:
    """A nurse has seen the alert and is acting on it; it stays on the worklist until resolved.

    Acknowledging an acknowledged alert again changes nothing (and is audited as asked); a resolved one
    cannot be acknowledged. With `audit` (who, through which channel), the audit row commits with the change.
    """
    now = now or timezone.now()
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == AlertStatus.RESOLVED:
        raise ValidationError({"status": [gettext("This alert is already resolved.")]})
    if alert.status != AlertStatus.ACKNOWLEDGED:
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_at = now
        alert.acknowledged_by = user
        alert.acknowledge_note = note or ""
        alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "acknowledge_note", "updated_at"])
        AlertEvent.objects.create(alert=alert, action=AlertEvent.Action.ACKNOWLEDGED, actor=user, note=note or "")
    _audit(audit=audit, alert=alert, done="acknowledged", now=now)
    return alert


@transaction.atomic
def alert_resolve(
    *,
    alert: Alert,
    user=None,
    note: str = "",
    useful: str = "",
    reason: str = "",
    now: datetime.datetime | None = None,
    audit: AuditSource | None = None,
) -> Alert:
    """Close the alert: by a nurse (with a note), or by the system (user None, with the reason).

    The one rule of resolving, for the staff API and the dashboard alike:
    1. a resolved alert stays as it was resolved: a nurse gets AlertAlreadyResolved (409), the system
       (user None) gets the alert back unchanged;
    2. a nurse resolving an urgent or high alert says what was done: a blank note is refused, naming `note`;
    3. `useful` (needed_action, not_needed, duplicate, or empty) is the nurse's label of the alert's
       worth; any other value is refused, naming `useful`;
    4. with `audit` (who, through which channel), the audit row commits with the change.
    """
    now = now or timezone.now()
    note = (note or "").strip()
    useful = useful or ""
    if useful and useful not in AlertUsefulness.values:
        raise ValidationError({"useful": [gettext("Choose one of: %(values)s.") % {"values": ", ".join(AlertUsefulness.values)}]})
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == AlertStatus.RESOLVED:
        if user is None:
            return alert  # the system resolving twice (a retried sweep) is no conflict: nothing changes
        raise AlertAlreadyResolved()
    if user is not None and not note and alert.severity in NOTE_REQUIRED_SEVERITIES:
        # The dashboard shows these words beside the note field.
        raise ValidationError({"note": [gettext("Say what was done before resolving the alert.")]})
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = now
    alert.resolved_by = user
    alert.resolution_note = note
    alert.useful = useful
    alert.resolution_reason = reason or ("Resolved by a nurse" if user is not None else "Resolved by the system")
    alert.save(
        update_fields=["status", "resolved_at", "resolved_by", "resolution_note", "useful", "resolution_reason", "updated_at"]
    )
    AlertEvent.objects.create(alert=alert, action=AlertEvent.Action.RESOLVED, actor=user, note=note or alert.resolution_reason)
    _audit(audit=audit, alert=alert, done="resolved", now=now)
    return alert


@transaction.atomic
def alert_page_again(*, alert_id: int, note: str, now: datetime.datetime | None = None) -> Alert | None:
    """Owe the on-call nurse a new page about an alert that still stands (a patient who did not act
    on emergency advice, or did not answer): opened again if acknowledged, the page owed recorded on
    the row, the reason in its history. A resolved alert is left alone (None). The notifications layer
    pages on the signal; its relay catches a page the signal misses."""
    now = now or timezone.now()
    alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
    if alert is None or alert.status == AlertStatus.RESOLVED:
        return None
    reopen = alert.status == AlertStatus.ACKNOWLEDGED
    alert.status = AlertStatus.OPEN
    alert.acknowledged_at, alert.acknowledged_by, alert.acknowledge_note = None, None, ""
    # page_level stays: the new page is a message of its own, at the next level.
    alert.page_required, alert.paged_at, alert.updated_at = True, None, now
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "acknowledge_note", "page_required", "paged_at", "updated_at"])
    AlertEvent.objects.create(alert=alert, action=AlertEvent.Action.UPDATED, note=("Opened again: " if reopen else "") + note)
    alert_page_owed.send(sender=Alert, alert=alert, immediate=True, now=now)
    return alert


def alert_page_record(*, alert_id: int, level: int, note: str, replayed: bool = False, now: datetime.datetime) -> None:
    """Record that page number `level` about an alert was written: `paged_at` and `page_level` on the
    row and, unless the page was written before (a replayed relay: the history says paged once), a
    `paged` line in its history. Called by the notifications layer in the transaction that wrote the
    page, with the alert row locked."""
    Alert.objects.filter(pk=alert_id).update(paged_at=now, page_level=level, updated_at=now)
    if not replayed:
        AlertEvent.objects.create(alert_id=alert_id, action=AlertEvent.Action.PAGED, note=note)


def alert_event_record(*, alert_id: int, note: str) -> AlertEvent:
    """A line in an alert's history from the layers above (a follow-up asked or answered)."""
    return AlertEvent.objects.create(alert_id=alert_id, action=AlertEvent.Action.UPDATED, note=note[:1000])
