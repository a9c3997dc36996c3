"""A nurse's patients with the summary the staff API and the worklist show."""

from django.db.models import Case, CharField, Count, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from patients.models import Patient
from patients.selectors import patients_for_nurse
from recovery.choices import ACTIVE_ALERT_STATUSES, Severity
from recovery.models import Alert, DailyRecord

_ACTIVE = [s.value for s in ACTIVE_ALERT_STATUSES]
_SEVERITY_RANK = Case(
    When(severity=Severity.URGENT, then=Value(0)),
    When(severity=Severity.HIGH, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def with_summary(queryset: QuerySet[Patient]) -> QuerySet[Patient]:
    """Annotate patients with open_alerts, alert_rank (0 urgent, 1 high, 2 routine, 3 none),
    last_checkin_date and status (alert, watch, on_track), as correlated subqueries: one query."""
    active = Alert.objects.filter(patient=OuterRef("pk"), status__in=_ACTIVE)
    open_count = active.order_by().values("patient").annotate(n=Count("id")).values("n")
    best_rank = active.annotate(rank=_SEVERITY_RANK).order_by("rank").values("rank")[:1]
    last_date = DailyRecord.objects.filter(patient=OuterRef("pk")).order_by("-date").values("date")[:1]
    return queryset.annotate(
        open_alerts=Coalesce(Subquery(open_count, output_field=IntegerField()), Value(0)),
        alert_rank=Coalesce(Subquery(best_rank, output_field=IntegerField()), Value(3)),
        last_checkin_date=Subquery(last_date),
    ).annotate(
        status=Case(
            When(alert_rank__lte=1, then=Value("alert")),
            When(alert_rank=2, then=Value("watch")),
            default=Value("on_track"),
            output_field=CharField(),
        )
    )


def staff_patients(*, user) -> QuerySet[Patient]:
    """The nurse's patients (own clinics only), with the summary annotations."""
    return with_summary(patients_for_nurse(user=user).select_related("clinic"))
