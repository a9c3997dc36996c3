"""The one helper through which every read or write of a patient's data is recorded."""

from collections.abc import Iterable

from patients.models import AuditEvent, Patient


def _client_ip(request) -> str | None:
    if request is None:
        return None
    # REMOTE_ADDR is what the proxy in front of us set; we do not trust a client's X-Forwarded-For.
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor,
    patient: Patient | int | None,
    action: str,
    resource: str,
    detail: str = "",
    channel: str = "api",
    request=None,
) -> AuditEvent:
    """Record that `actor` did `action` on `resource` of `patient` (one row)."""
    return audit_record_many(
        actor=actor, patients=[patient], action=action, resource=resource, detail=detail, channel=channel, request=request
    )[0]


def audit_record_many(
    *,
    actor,
    patients: Iterable[Patient | int | None],
    action: str,
    resource: str,
    detail: str = "",
    channel: str = "api",
    request=None,
) -> list[AuditEvent]:
    """Record one row per patient in one INSERT (a list page shows many patients at once)."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    label = actor.get_username() if actor is not None else ""
    ip = _client_ip(request)
    rows = [
        AuditEvent(
            actor=actor,
            actor_label=label,
            patient_id=p.pk if isinstance(p, Patient) else p,
            action=action,
            resource=resource,
            detail=detail[:500],
            channel=channel,
            ip_address=ip,
        )
        for p in patients
    ]
    return AuditEvent.objects.bulk_create(rows)
