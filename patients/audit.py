"""The one helper through which every read or write of a patient's data is recorded.

Reads are recorded by each entry point (the API's views, the dashboard's, the admin, the FHIR API);
writes by the service that makes them, in its own transaction. `action` and `resource` are the
enumerations AuditEvent.Action and AuditEvent.Resource: a name outside them is a programming error.
"""

import dataclasses
import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from patients.models import AuditEvent, Patient
from patients.network import client_ip

Action = AuditEvent.Action
Resource = AuditEvent.Resource
_ADMIN_PREFIX = "admin:"


def admin_resource(model_name: str, suffix: str = "") -> str:
    """The resource of an admin page: "admin:<model>" and the page ("", ":history", ":delete")."""
    return f"{_ADMIN_PREFIX}{model_name}{suffix}"


def _checked(action: str, resource: str) -> None:
    if action not in Action.values:
        raise ValueError(f"audit action {action!r} is not one of AuditEvent.Action")
    if resource not in Resource.values and not resource.startswith(_ADMIN_PREFIX):
        raise ValueError(f"audit resource {resource!r} is not one of AuditEvent.Resource")


def _client_ip(request) -> str | None:
    # The throttles' rule (NUM_PROXIES): a client's own X-Forwarded-For is not trusted.
    return client_ip(request)


@dataclass(frozen=True)
class AuditSource:
    """Who acts, through which channel, from which address: what a caller knows before the outcome.

    A service that writes its own audit row in the statement that does the work (a check-in) takes
    this, and says itself what was done.
    """

    actor_id: int | None
    actor_label: str
    channel: str
    ip_address: str | None

    @classmethod
    def of(cls, actor, *, channel: str, request=None) -> "AuditSource":
        actor = actor if getattr(actor, "is_authenticated", False) else None
        return cls(
            actor_id=actor.pk if actor is not None else None,
            actor_label=actor.get_username() if actor is not None else "",
            channel=channel,
            ip_address=_client_ip(request),
        )

    def acting(self, actor) -> "AuditSource":
        """The same channel and address, for an actor known only once the work is done (an enrollment)."""
        return dataclasses.replace(self, actor_id=actor.pk, actor_label=actor.get_username())


def audit_record(
    *,
    actor,
    patient: Patient | int | None,
    action: str,
    resource: str,
    detail: str = "",
    channel: str = "api",
    request=None,
    source: AuditSource | None = None,
    at=None,
) -> AuditEvent:
    """Record that `actor` (or `source`, which also names channel and address) did `action` on
    `resource` of `patient` (one row), at `at` (default: now)."""
    _checked(action, resource)
    source = source or AuditSource.of(actor, channel=channel, request=request)
    event = AuditEvent(
        actor_id=source.actor_id,
        actor_label=source.actor_label,
        patient_id=patient.pk if isinstance(patient, Patient) else patient,
        action=action,
        resource=resource,
        detail=detail[:500],
        channel=source.channel,
        ip_address=source.ip_address,
    )
    if at is not None:
        event.at = at
    # Every API call writes one of these; a prepared INSERT spares the ORM's per-call compilation.
    sql, fields = _insert_one_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [field.get_db_prep_save(getattr(event, field.attname), connection) for field in fields])
        if connection.features.can_return_columns_from_insert:
            event.pk = cursor.fetchone()[0]
    event._state.adding = False
    return event


# The columns audit_insert_sql() names, in this order.
AUDIT_INSERT_COLUMNS = ("at", "actor_id", "actor_label", "patient_id", "action", "resource", "detail", "channel", "ip_address")


def audit_insert_sql() -> str:
    """The head of an INSERT of audit rows (table and AUDIT_INSERT_COLUMNS), for a statement that
    writes its own audit row in the same round trip (the check-in); what it inserts must name an
    Action and a Resource, as audit_record's callers do."""
    return f"INSERT INTO {AuditEvent._meta.db_table} ({', '.join(AUDIT_INSERT_COLUMNS)})"


@functools.cache
def _insert_one_sql() -> tuple[str, list]:
    fields = [field for field in AuditEvent._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    if connection.features.can_return_columns_from_insert:
        sql += f" RETURNING {quote(AuditEvent._meta.pk.column)}"
    return sql, fields


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
    _checked(action, resource)
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
