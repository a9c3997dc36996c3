"""A nurse's patients with the summary the staff API and the worklist show, and "most in need first",
the one order of the worklist and the staff API's patient list."""

from django.db.models import Case, CharField, Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from patients.models import Patient
from patients.selectors import patients_for_nurse
from recovery.choices import ACTIVE_ALERT_STATUSES
from recovery.models import Alert, DailyRecord
from recovery.selectors.alerts import severity_rank


def most_in_need_first() -> tuple:
    """The order of a nurse's patients: urgent, then high alerts (open or acknowledged), then watched
    (routine alerts), then on track; within each, the oldest standing alert first, then the longest
    without a check-in (never first), then by name. Over the annotations `alert_rank`, `oldest_alert`
    and `last_checkin_date`, which the worklist computes by aggregates and the summary by subqueries."""
    return (
        "alert_rank",
        F("oldest_alert").asc(nulls_last=True),
        F("last_checkin_date").asc(nulls_first=True),
        "last_name",
        "first_name",
        "pk",
    )


def with_summary(queryset: QuerySet[Patient]) -> QuerySet[Patient]:
    """Annotate patients with open_alerts, alert_rank (0 urgent, 1 high, 2 routine, 3 none),
    last_checkin_date and status (alert, watch, on_track), as correlated subqueries: one query."""
    active = Alert.objects.filter(patient=OuterRef("pk"), status__in=ACTIVE_ALERT_STATUSES)
    open_count = active.order_by().values("patient").annotate(n=Count("id")).values("n")
    best_rank = active.annotate(rank=severity_rank()).order_by("rank").values("rank")[:1]
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


def staff_patients_most_in_need_first(*, user) -> QuerySet[Patient]:
    """The nurse's patients with the summary, most in need first (the worklist's order). Still one query."""
    oldest = (
        Alert.objects.filter(patient=OuterRef("pk"), status__in=ACTIVE_ALERT_STATUSES).order_by("created_at").values("created_at")[:1]
    )
    return staff_patients(user=user).annotate(oldest_alert=Subquery(oldest)).order_by(*most_in_need_first())
