"""Staff actions on alerts: acknowledge and resolve, each recorded with who, when and a note."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from recovery.choices import AlertStatus
from recovery.models import Alert, AlertEvent


@transaction.atomic
def alert_acknowledge(*, alert: Alert, user, note: str = "", now: datetime.datetime | None = None) -> Alert:
    """A nurse has seen the alert and is acting on it; it stays on the worklist until resolved.

    Acknowledging an acknowledged alert again changes nothing; a resolved one cannot be acknowledged.
    """
    now = now or timezone.now()
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == AlertStatus.RESOLVED:
        raise ValidationError({"status": ["This alert is already resolved."]})
    if alert.status == AlertStatus.ACKNOWLEDGED:
        return alert
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_at = now
    alert.acknowledged_by = user
    alert.acknowledge_note = note or ""
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "acknowledge_note", "updated_at"])
    AlertEvent.objects.create(alert=alert, action=AlertEvent.Action.ACKNOWLEDGED, actor=user, note=note or "")
    return alert


@transaction.atomic
def alert_resolve(
    *, alert: Alert, user=None, note: str = "", reason: str = "", now: datetime.datetime | None = None
) -> Alert:
    """Close the alert: by a nurse (with a note), or by the system (user None, with the reason).

    Resolving a resolved alert again changes nothing.
    """
    now = now or timezone.now()
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == AlertStatus.RESOLVED:
        return alert
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = now
    alert.resolved_by = user
    alert.resolution_note = note or ""
    alert.resolution_reason = reason or ("Resolved by a nurse" if user is not None else "Resolved by the system")
    alert.save(update_fields=["status", "resolved_at", "resolved_by", "resolution_note", "resolution_reason", "updated_at"])
    AlertEvent.objects.create(alert=alert, action=AlertEvent.Action.RESOLVED, actor=user, note=note or alert.resolution_reason)
    return alert
