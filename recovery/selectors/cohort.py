"""Cohort statistics over a set of clinics: patients by status, pain by post-operative day against the
expected bound, the share of patients who reached a milestone by the end of its window, and each
rule's alerts as nurses labelled them (useful or not) per 100 patient-weeks.

Each statistic is aggregated in the database in one query (percentile_cont on PostgreSQL; on SQLite,
which lacks it, a histogram of pain values counted in the database and read off in Python).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncDate

from patients.models import Patient
from recovery.choices import ACTIVE_ALERT_STATUSES, AlertKind, AlertUsefulness
from recovery.models import Alert, DailyRecord, RecoveryProtocol
from recovery.selectors.alerts import severity_rank

# A median of fewer patients than this is one or two people's pain, not the cohort's: the day's count
# is shown, its median and band are not.
MIN_PATIENTS_FOR_MEDIAN = 5


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
    """Pain of one procedure's patients on one post-operative day: how many logged it, and the
    quartiles (None when fewer than the minimum logged it)."""

    procedure: str
    recovery_day: int
    patients: int
    p25: float | None
    median: float | None
    p75: float | None

    @property
    def has_median(self) -> bool:
        return self.median is not None


def _pain_day(procedure: str, day: int, patients: int, quartiles, min_patients: int) -> PainDay:
    if patients < min_patients:
        return PainDay(procedure, day, patients, None, None, None)
    return PainDay(procedure, day, patients, *(float(q) for q in quartiles))


def cohort_status_counts(*, clinic_ids: Iterable[int]) -> dict[str, int]:
    """How many patients under monitoring are alerted (urgent or high), watched (routine) or on track:
    the staff summary's status (recovery.selectors.patients), counted over the clinics.

    `clinic_ids` are clinics the caller may see (patients.selectors.clinics_for_user). One query: the
    active alerts are joined and each patient's most severe one found in one pass, then counted.
    """
    active = Q(alerts__status__in=ACTIVE_ALERT_STATUSES)
    rank = severity_rank("alerts__severity")
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


def cohort_pain_by_day(
    *, clinic_ids: Iterable[int], max_day: int = 90, min_patients: int = MIN_PATIENTS_FOR_MEDIAN
) -> list[PainDay]:
    """The patients who logged worst pain, and its quartiles, per procedure and post-operative day
    (0 to `max_day`); the quartiles only where at least `min_patients` logged it.

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
        return [_pain_day(r["procedure"], r["recovery_day"], r["n"], r["quartiles"], min_patients) for r in rows]

    histogram: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    for row in (
        records.values("procedure", "recovery_day", "pain").annotate(n=Count("pk")).order_by("procedure", "recovery_day", "pain")
    ):
        histogram[(row["procedure"], row["recovery_day"])].append((row["pain"], row["n"]))
    return [
        _pain_day(
            procedure,
            day,
            # One record per patient and date, so records counted are patients.
            sum(n for _, n in counts),
            [percentile_from_counts(counts, f) for f in (0.25, 0.5, 0.75)],
            min_patients,
        )
        for (procedure, day), counts in sorted(histogram.items())
    ]


@dataclass(frozen=True)
class MilestoneShare:
    procedure: str
    # The day the share is judged at: the end of the milestone's expected window for the procedure.
    by_day: int
    # Patients at least `by_day` days after surgery: those who had the whole window to reach it.
    eligible: int
    reached: int

    @property
    def share(self) -> float | None:
        return self.reached / self.eligible if self.eligible else None


def cohort_milestone_share(
    *, clinic_ids: Iterable[int], milestone: str = "normal_activities", by_day: int | Mapping[str, int] = 56, as_of: datetime.date
) -> list[MilestoneShare]:
    """Per procedure, of the patients whose surgery was at least `by_day` days before `as_of`, how many
    reported `milestone` on or before post-operative day `by_day`. One query.

    `by_day` is one day for every procedure, or a day per procedure (the end of the milestone's window
    in each protocol, milestone_judged_by_day): a patient is counted only once the window has run out,
    so a procedure whose window runs to day 84 is not judged at day 56. Procedures missing from the
    mapping are left out.
    """
    if connection.vendor == "postgresql":
        has_milestone = Q(milestones__contains=[milestone])
    else:
        # SQLite has no JSON containment; the code is matched in the stored JSON text (no code is a
        # substring of another).
        has_milestone = Q(milestones__icontains=f'"{milestone}"')
    patients = Patient.objects.filter(clinic_id__in=list(clinic_ids))
    if isinstance(by_day, Mapping):
        if not by_day:
            return []
        patients = patients.filter(procedure__in=list(by_day)).annotate(
            judged_by=Case(*(When(procedure=p, then=Value(d)) for p, d in by_day.items()), output_field=IntegerField())
        )
    else:
        patients = patients.annotate(judged_by=Value(by_day, output_field=IntegerField()))
    reached = (
        DailyRecord.objects.filter(patient=OuterRef("pk"))
        .filter(has_milestone)
        .annotate(recovery_day=PostOperativeDay("date", OuterRef("surgery_date")))
        .filter(recovery_day__lte=OuterRef("judged_by"))
    )
    rows = (
        patients.annotate(days_since=PostOperativeDay(Value(as_of), "surgery_date"))
        .filter(days_since__gte=F("judged_by"))
        .annotate(reached=Exists(reached))
        .values("procedure", "judged_by")
        .annotate(eligible=Count("pk"), reached_count=Count("pk", filter=Q(reached=True)))
        .order_by("procedure")
    )
    return [MilestoneShare(r["procedure"], r["judged_by"], r["eligible"], r["reached_count"]) for r in rows]


def milestone_judged_by_day(plans: Mapping, milestone: str = "normal_activities") -> dict[str, int]:
    """Per procedure, the last day of `milestone`'s expected window (its `expected_by`), from the
    protocol plans (recovery.protocols.protocol_plans): the day a cohort's share is judged at."""
    days = {}
    for procedure, plan in plans.items():
        window = plan.milestone(milestone)
        if window is not None:
            days[procedure] = window.expected_by
    return days


@dataclass(frozen=True)
class RuleUsefulness:
    """One rule (alert kind) in a clinic's own data: alerts raised, how nurses labelled them on
    resolving, and how often the rule fires per 100 patient-weeks of monitoring."""

    kind: str
    raised: int
    labelled: int
    needed_action: int
    not_needed: int
    duplicate: int
    patient_weeks: float

    @property
    def label(self) -> str:
        return AlertKind(self.kind).label

    @property
    def useful_share(self) -> float | None:
        """needed_action among the labelled alerts (None when none is labelled)."""
        return self.needed_action / self.labelled if self.labelled else None

    @property
    def per_100_patient_weeks(self) -> float | None:
        return 100 * self.raised / self.patient_weeks if self.patient_weeks else None


def cohort_patient_days(*, clinic_ids: Iterable[int], as_of: datetime.date) -> int:
    """The days of monitoring of the clinics' patients up to `as_of`: each patient from the later of
    surgery and the day added, to the earliest of `as_of`, the end of monitoring and the end of the
    protocol's program. One query.

    Days of the day added are those in the current time zone (the dashboard's clinic zone).
    """
    whole = IntegerField()
    program_days = Coalesce(
        Subquery(RecoveryProtocol.objects.filter(procedure=OuterRef("procedure")).values("program_days")[:1], output_field=whole),
        Value(0),
        output_field=whole,
    )
    start = Greatest(Value(0), PostOperativeDay(TruncDate("created_at"), "surgery_date"), output_field=whole)
    end = Least(
        PostOperativeDay(Value(as_of), "surgery_date"),
        Coalesce(PostOperativeDay(TruncDate("monitoring_ended_at"), "surgery_date"), program_days, output_field=whole),
        program_days,
        output_field=whole,
    )
    total = (
        Patient.objects.filter(clinic_id__in=list(clinic_ids))
        .annotate(monitored_days=Greatest(end - start, Value(0), output_field=whole))
        .aggregate(days=Coalesce(Sum("monitored_days"), Value(0), output_field=whole))
    )
    return int(total["days"])


def cohort_rule_usefulness(*, clinic_ids: Iterable[int], as_of: datetime.date) -> list[RuleUsefulness]:
    """Per rule (alert kind, in the vocabulary's order): the alerts of the clinics' patients ever
    raised, their labels from the nurses who resolved them, and alerts per 100 patient-weeks of
    monitoring (cohort_patient_days). Two queries: the alerts by kind, the patient-days."""
    labelled = ~Q(useful="")
    rows = {
        r["kind"]: r
        for r in Alert.objects.filter(patient__clinic_id__in=list(clinic_ids))
        .values("kind")
        .annotate(
            raised=Count("pk"),
            labelled=Count("pk", filter=labelled),
            needed_action=Count("pk", filter=Q(useful=AlertUsefulness.NEEDED_ACTION)),
            not_needed=Count("pk", filter=Q(useful=AlertUsefulness.NOT_NEEDED)),
            duplicate=Count("pk", filter=Q(useful=AlertUsefulness.DUPLICATE)),
        )
        .order_by()
    }
    weeks = cohort_patient_days(clinic_ids=clinic_ids, as_of=as_of) / 7
    empty = {"raised": 0, "labelled": 0, "needed_action": 0, "not_needed": 0, "duplicate": 0}
    return [
        RuleUsefulness(
            kind=kind,
            **{k: rows.get(kind, empty)[k] for k in empty},
            patient_weeks=weeks,
        )
        for kind in AlertKind.values
    ]
