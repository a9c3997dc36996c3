"""The nurse's worklist: who needs the nurse now, most in need first, with the latest pain and its
trend, one page at a time. The dashboard's worklist and the staff API's patient list share its order
(recovery.selectors.patients.most_in_need_first). Scoping to the nurse's clinics goes through
patients.selectors, always.
"""

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import F, Min, OuterRef, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from patients.models import Patient
from patients.selectors import patients_for_nurse
from recovery.choices import ACTIVE_ALERT_STATUSES
from recovery.models import Alert, DailyRecord
from recovery.selectors.alerts import severity_rank
from recovery.selectors.messages import with_unread_messages
from recovery.selectors.patients import most_in_need_first, staff_patients

WORKLIST_PAGE_SIZE = 50
# Pain trend: the mean of the last TREND_WINDOW logged days against the mean of the TREND_WINDOW before.
TREND_WINDOW = 3
# A change of a point or more between those means is shown as rising or falling: half the smallest
# change that matters to a patient (MCID, 2 points), so a nurse sees a drift before it is an alert.
TREND_THRESHOLD = 1.0


# The worklist's status filter, as ranges of alert_rank (0 urgent, 1 high, 2 routine, 3 none).
STATUS_RANKS = {"alert": (0, 1), "watch": (2, 2), "on_track": (3, 3)}
MONITORING_CHOICES = ("active", "ended", "all")


@dataclass(frozen=True)
class PainTrend:
    latest: int | None = None
    latest_date: datetime.date | None = None
    recent_mean: float | None = None
    previous_mean: float | None = None

    @property
    def direction(self) -> str:
        """rising, falling, steady, or unknown (fewer than two logged days)."""
        if self.recent_mean is None or self.previous_mean is None:
            return "unknown"
        change = self.recent_mean - self.previous_mean
        if change >= TREND_THRESHOLD:
            return "rising"
        if change <= -TREND_THRESHOLD:
            return "falling"
        return "steady"

    @property
    def change(self) -> float | None:
        if self.recent_mean is None or self.previous_mean is None:
            return None
        return round(self.recent_mean - self.previous_mean, 1)


def pain_trends(*, patient_ids: list[int]) -> dict[int, PainTrend]:
    """Each patient's latest logged pain and its trend (see TREND_WINDOW). One query: the last
    2 x TREND_WINDOW records with pain per patient, picked by a window function."""
    if not patient_ids:
        return {}
    rows = (
        DailyRecord.objects.filter(patient_id__in=patient_ids, pain__isnull=False)
        .annotate(position=Window(RowNumber(), partition_by=[F("patient_id")], order_by=F("date").desc()))
        .filter(position__lte=2 * TREND_WINDOW)
        .order_by("patient_id", "position")
        .values_list("patient_id", "date", "pain")
    )
    series: dict[int, list[tuple[datetime.date, int]]] = {}
    for patient_id, date, pain in rows:
        series.setdefault(patient_id, []).append((date, pain))
    trends = {}
    for patient_id, values in series.items():
        recent = [p for _, p in values[:TREND_WINDOW]]
        previous = [p for _, p in values[TREND_WINDOW : 2 * TREND_WINDOW]]
        trends[patient_id] = PainTrend(
            latest=values[0][1],
            latest_date=values[0][0],
            recent_mean=sum(recent) / len(recent),
            previous_mean=sum(previous) / len(previous) if previous else None,
        )
    return trends


def worklist_order(
    *,
    user,
    clinic_id: int | None = None,
    procedure: str = "",
    status: str = "",
    q: str = "",
    monitoring: str = "active",
) -> QuerySet:
    """The ids of the nurse's patients, most in need first (patients.most_in_need_first): urgent, then
    high alerts (open or acknowledged), then watched (routine alerts), then on track; within each, the
    oldest alert first, then the longest without a check-in, then by name.

    Only the sort keys are computed here, for every patient of the clinics: the alerts are joined
    and aggregated once (a hash join, not a subquery per patient), the last check-in is one index
    probe per patient. The page's rows are then loaded by worklist_page_patients.
    """
    active = Q(alerts__status__in=ACTIVE_ALERT_STATUSES)
    last_checkin = DailyRecord.objects.filter(patient=OuterRef("pk")).order_by("-date").values("date")[:1]
    patients = _worklist_scope(user=user, clinic_id=clinic_id, procedure=procedure, q=q, monitoring=monitoring).annotate(
        alert_rank=Coalesce(Min(severity_rank("alerts__severity"), filter=active), Value(3)),
        oldest_alert=Min("alerts__created_at", filter=active),
    )
    if status in STATUS_RANKS:
        low, high = STATUS_RANKS[status]
        patients = patients.filter(alert_rank__gte=low, alert_rank__lte=high)
    return (
        patients.annotate(last_checkin_date=Subquery(last_checkin))
        .order_by(*most_in_need_first())
        .values_list("pk", flat=True)
    )


def _worklist_scope(*, user, clinic_id: int | None, procedure: str, q: str, monitoring: str) -> QuerySet[Patient]:
    patients = patients_for_nurse(user=user)
    if clinic_id:
        patients = patients.filter(clinic_id=clinic_id)
    if procedure:
        patients = patients.filter(procedure=procedure)
    if monitoring == "active":
        patients = patients.filter(monitoring_ended_at__isnull=True)
    elif monitoring == "ended":
        patients = patients.filter(monitoring_ended_at__isnull=False)
    for term in q.split():
        patients = patients.filter(_name_matches(term))
    return patients


def worklist_count(
    *,
    user,
    clinic_id: int | None = None,
    procedure: str = "",
    status: str = "",
    q: str = "",
    monitoring: str = "active",
) -> int:
    """How many patients worklist_order lists, counted without sorting: a status filter needs the
    alerts, the others only the patients. One query."""
    if status in STATUS_RANKS:
        return worklist_order(
            user=user, clinic_id=clinic_id, procedure=procedure, status=status, q=q, monitoring=monitoring
        ).count()
    return _worklist_scope(user=user, clinic_id=clinic_id, procedure=procedure, q=q, monitoring=monitoring).count()


def worklist_page_patients(*, user, ids: list[int]) -> list[Patient]:
    """The page's patients, in the worklist's order, with the staff summary (status, open alerts,
    last check-in) and their unread messages. One query, over the page's patients only."""
    if not ids:
        return []
    by_id = {p.pk: p for p in with_unread_messages(staff_patients(user=user).filter(pk__in=ids))}
    return [by_id[pk] for pk in ids if pk in by_id]


def _name_matches(term: str) -> Q:
    return Q(first_name__icontains=term) | Q(last_name__icontains=term)


@dataclass
class WorklistRow:
    patient: Patient
    recovery_day: int
    local_today: datetime.date
    pain: PainTrend
    alerts: list[Alert] = field(default_factory=list)

    @property
    def days_since_checkin(self) -> int | None:
        last = self.patient.last_checkin_date
        return None if last is None else (self.local_today - last).days


def worklist_rows(*, patients: list[Patient], now: datetime.datetime | None = None) -> list[WorklistRow]:
    """The page's patients with recovery day (patient-local), latest pain and trend, and their open or
    acknowledged alerts, most severe first. Two queries, whatever the number of patients."""
    now = now or timezone.now()
    ids = [p.pk for p in patients]
    trends = pain_trends(patient_ids=ids)
    alerts: dict[int, list[Alert]] = {}
    if ids:
        for alert in (
            Alert.objects.filter(patient_id__in=ids, status__in=ACTIVE_ALERT_STATUSES)
            .annotate(rank=severity_rank())
            .only("patient_id", "kind", "severity", "status", "recovery_day", "created_at", "message")
            .order_by("patient_id", "rank", "created_at")
        ):
            alerts.setdefault(alert.patient_id, []).append(alert)
    rows = []
    for patient in patients:
        local_today = patient.local_today(now)
        rows.append(
            WorklistRow(
                patient=patient,
                recovery_day=patient.recovery_day(local_today),
                local_today=local_today,
                pain=trends.get(patient.pk, PainTrend()),
                alerts=alerts.get(patient.pk, []),
            )
        )
    return rows


@dataclass(frozen=True)
class WorklistPage:
    """One page of the worklist: Django's page (its object_list holds the patients' ids), its
    paginator (page links, the count), and the rows to show."""

    page: Page
    paginator: Paginator
    rows: list[WorklistRow]


def patient_worklist(*, nurse, filters: dict | None = None, page=1, now: datetime.datetime | None = None) -> WorklistPage:
    """The nurse's worklist, most in need first: the page asked for (a number, or anything Django's
    get_page reads: out of range is the last page) with its rows. `filters` are worklist_order's
    (clinic_id, procedure, status, q, monitoring). Five queries, whatever the number of patients:
    the count (on the patients alone: the sorted query aggregates every patient's alerts), the
    page's ids in order, the page's patients with their summary, their pain, their alerts."""
    filters = filters or {}
    paginator = Paginator(worklist_order(user=nurse, **filters), WORKLIST_PAGE_SIZE)
    paginator.count = worklist_count(user=nurse, **filters)
    shown = paginator.get_page(page)
    patients = worklist_page_patients(user=nurse, ids=list(shown.object_list))
    return WorklistPage(page=shown, paginator=paginator, rows=worklist_rows(patients=patients, now=now))
