"""Cohort statistics over a set of clinics: patients by status, pain by post-operative day against the
expected bound, and the share of patients who reached normal activities by a given day.

Each statistic is aggregated in the database in one query (percentile_cont on PostgreSQL; on SQLite,
which lacks it, a histogram of pain values counted in the database and read off in Python).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Aggregate, Case, Count, Exists, F, FloatField, Func, IntegerField, Min, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce

from patients.models import Patient
from recovery.choices import ACTIVE_ALERT_STATUSES, Severity
from recovery.models import DailyRecord


class PostOperativeDay(Func):
    """The whole days between a date and the surgery date: `PostOperativeDay("date", "patient__surgery_date")`."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite keeps dates as text: julianday() turns each into a day number.
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class Quartiles(Aggregate):
    """PostgreSQL's continuous percentiles 25, 50 and 75 (linear interpolation between the two nearest
    values), from one sort of the group."""

    function = "percentile_cont"
    template = "%(function)s(ARRAY[0.25, 0.5, 0.75]::float8[]) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = ArrayField(FloatField())


def percentile_from_counts(counts: list[tuple[int, int]], fraction: float) -> float | None:
    """The percentile_cont of a sample given as (value, how many times) pairs sorted by value."""
    total = sum(n for _, n in counts)
    if total == 0:
        return None
    position = fraction * (total - 1)
    lower_index = int(position)
    upper_index = min(lower_index + 1, total - 1)

    def value_at(index: int) -> int:
        seen = 0
        for value, n in counts:
            seen += n
            if index < seen:
                return value
        return counts[-1][0]

    lower, upper = value_at(lower_index), value_at(upper_index)
    return lower + (upper - lower) * (position - lower_index)


@dataclass(frozen=True)
class PainDay:
    """Pain of one procedure's patients on one post-operative day."""

    procedure: str
    recovery_day: int
    patients: int
    p25: float
    median: float
    p75: float


def cohort_status_counts(*, clinic_ids: Iterable[int]) -> dict[str, int]:
    """How many patients under monitoring are alerted (urgent or high), watched (routine) or on track:
    the staff summary's status (recovery.selectors.patients), counted over the clinics.

    `clinic_ids` are clinics the caller may see (patients.selectors.clinics_for_user). One query: the
    active alerts are joined and each patient's most severe one found in one pass, then counted.
    """
    active = Q(alerts__status__in=[s.value for s in ACTIVE_ALERT_STATUSES])
    rank = Case(
        When(alerts__severity=Severity.URGENT, then=Value(0)),
        When(alerts__severity=Severity.HIGH, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    patients = Patient.objects.filter(clinic_id__in=list(clinic_ids), monitoring_ended_at__isnull=True).annotate(
        rank=Coalesce(Min(rank, filter=active), Value(3))
    )
    counts = patients.aggregate(
        alert=Count("pk", filter=Q(rank__lte=1)),
        watch=Count("pk", filter=Q(rank=2)),
        on_track=Count("pk", filter=Q(rank=3)),
    )
    counts["total"] = counts["alert"] + counts["watch"] + counts["on_track"]
    return counts


def cohort_procedure_counts(*, clinic_ids: Iterable[int]) -> dict[str, int]:
    """Patients (all, monitored or not) per procedure. One query."""
    rows = Patient.objects.filter(clinic_id__in=list(clinic_ids)).values("procedure").annotate(n=Count("pk")).order_by()
    return {row["procedure"]: row["n"] for row in rows}


def cohort_pain_by_day(*, clinic_ids: Iterable[int], max_day: int = 90) -> list[PainDay]:
    """The quartiles of logged worst pain per procedure and post-operative day (0 to `max_day`).

    One query. PostgreSQL computes the percentiles; elsewhere the database counts each pain value per
    procedure and day (at most 11 rows a day) and the percentiles are read off those counts.
    """
    records = (
        DailyRecord.objects.filter(patient__clinic_id__in=list(clinic_ids), pain__isnull=False)
        .annotate(recovery_day=PostOperativeDay("date", "patient__surgery_date"), procedure=F("patient__procedure"))
        .filter(recovery_day__gte=0, recovery_day__lte=max_day)
    )
    if connection.vendor == "postgresql":
        rows = (
            records.values("procedure", "recovery_day")
            # One record per patient and date, so records counted are patients.
            .annotate(n=Count("pk"), quartiles=Quartiles("pain"))
            .order_by("procedure", "recovery_day")
        )
        return [PainDay(r["procedure"], r["recovery_day"], r["n"], *(float(q) for q in r["quartiles"])) for r in rows]

    histogram: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    for row in (
        records.values("procedure", "recovery_day", "pain").annotate(n=Count("pk")).order_by("procedure", "recovery_day", "pain")
    ):
        histogram[(row["procedure"], row["recovery_day"])].append((row["pain"], row["n"]))
    return [
        PainDay(
            procedure,
            day,
            # One record per patient and date, so records counted are patients.
            sum(n for _, n in counts),
            percentile_from_counts(counts, 0.25),
            percentile_from_counts(counts, 0.5),
            percentile_from_counts(counts, 0.75),
        )
        for (procedure, day), counts in sorted(histogram.items())
    ]


@dataclass(frozen=True)
class MilestoneShare:
    procedure: str
    # Patients at least `by_day` days after surgery: those who had the whole window to reach it.
    eligible: int
    reached: int

    @property
    def share(self) -> float | None:
        return self.reached / self.eligible if self.eligible else None


def cohort_milestone_share(
    *, clinic_ids: Iterable[int], milestone: str = "normal_activities", by_day: int = 56, as_of: datetime.date
) -> list[MilestoneShare]:
    """Per procedure, of the patients whose surgery was at least `by_day` days before `as_of`, how many
    reported `milestone` on or before post-operative day `by_day`. One query."""
    if connection.vendor == "postgresql":
        has_milestone = Q(milestones__contains=[milestone])
    else:
        # SQLite has no JSON containment; the code is matched in the stored JSON text (no code is a
        # substring of another).
        has_milestone = Q(milestones__icontains=f'"{milestone}"')
    reached = (
        DailyRecord.objects.filter(patient=OuterRef("pk"))
        .filter(has_milestone)
        .annotate(recovery_day=PostOperativeDay("date", OuterRef("surgery_date")))
        .filter(recovery_day__lte=by_day)
    )
    rows = (
        Patient.objects.filter(clinic_id__in=list(clinic_ids), surgery_date__lte=as_of - datetime.timedelta(days=by_day))
        .annotate(reached=Exists(reached))
        .values("procedure")
        .annotate(eligible=Count("pk"), reached_count=Count("pk", filter=Q(reached=True)))
        .order_by("procedure")
    )
    return [MilestoneShare(r["procedure"], r["eligible"], r["reached_count"]) for r in rows]
