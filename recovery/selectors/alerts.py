"""The read vocabulary of alerts, in SQL: the severity rank, the standing (open, acknowledged) ones,
and alert_list, the alerts of a nurse's patients for the dashboard's inbox and the staff API alike.
"""

from django.db.models import Case, IntegerField, QuerySet, Value, When

from patients.selectors import patients_for_nurse
from recovery.choices import ACTIVE_ALERT_STATUSES, SEVERITY_RANK, AlertStatus, Severity
from recovery.models import Alert


def severity_rank(field: str = "severity") -> Case:
    """0 urgent, 1 high, 2 routine (rules.severity_rank, in SQL): the one CASE expression every
    ordering by severity uses. `field` may cross a relation ("alerts__severity")."""
    return Case(
        When(**{field: Severity.URGENT}, then=Value(SEVERITY_RANK[Severity.URGENT])),
        When(**{field: Severity.HIGH}, then=Value(SEVERITY_RANK[Severity.HIGH])),
        default=Value(SEVERITY_RANK[Severity.ROUTINE]),
        output_field=IntegerField(),
    )


def _standing_rank() -> Case:
    """0 for an alert that stands (open or acknowledged), 1 for a resolved one."""
    return Case(When(status__in=ACTIVE_ALERT_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField())


def _status_rank() -> Case:
    """0 open, 1 acknowledged, 2 resolved: what still waits for a nurse first."""
    return Case(
        When(status=AlertStatus.OPEN, then=Value(0)),
        When(status=AlertStatus.ACKNOWLEDGED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def alert_list(*, user, standing_only: bool = False, severity: str = "", oldest_first: bool = False) -> QuerySet[Alert]:
    """The alerts of the nurse's patients (own clinics only), most urgent first, annotated with `rank`
    (severity_rank) and `status_rank`.

    - The staff API lists every alert: standing (open, acknowledged) before resolved, then urgent,
      high, routine, then the newest first.
    - The dashboard's inbox (`standing_only`, `oldest_first`) lists the standing ones: urgent first,
      open before acknowledged, then the one waiting longest first.
    """
    alerts = Alert.objects.filter(patient__in=patients_for_nurse(user=user).values("pk"))
    if standing_only:
        alerts = alerts.filter(status__in=ACTIVE_ALERT_STATUSES)
    if severity:
        alerts = alerts.filter(severity=severity)
    alerts = alerts.annotate(rank=severity_rank(), status_rank=_status_rank())
    if oldest_first:
        return alerts.order_by("rank", "status_rank", "created_at", "pk")
    return alerts.order_by(_standing_rank(), "rank", "-created_at", "-id")
