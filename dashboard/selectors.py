"""Reads shaped for the nurses' pages: the worklist (with latest pain and its trend), the alerts inbox,
the navigation's counts and a patient's page. Scoping to the nurse's clinics goes through patients.selectors, always.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, F, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from notifications.models import Message
from patients.models import Patient
from patients.selectors import patients_for_nurse
from recovery.choices import ACTIVE_ALERT_STATUSES, AlertStatus, Severity
from recovery.models import Alert, DailyRecord
from recovery.selectors import staff_patients
from recovery.selectors.messages import patient_messages_unread_of_clinics, with_unread_messages

WORKLIST_PAGE_SIZE = 50
ALERTS_PAGE_SIZE = 50
# Pain trend: the mean of the last TREND_WINDOW logged days against the mean of the TREND_WINDOW before.
TREND_WINDOW = 3
# A change of a point or more between those means is shown as rising or falling: half the smallest
# change that matters to a patient (MCID, 2 points), so a nurse sees a drift before it is an alert.
TREND_THRESHOLD = 1.0
MESSAGES_SHOWN = 50
RESOLVED_ALERTS_SHOWN = 20

_ACTIVE = [s.value for s in ACTIVE_ALERT_STATUSES]
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


def _severity_rank(prefix: str = ""):
    """0 urgent, 1 high, 2 routine: the same ranks as the staff summary's alert_rank."""
    severity = f"{prefix}severity"
    return Case(
        When(**{severity: Severity.URGENT}, then=Value(0)),
        When(**{severity: Severity.HIGH}, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def worklist_order(
    *,
    user,
    clinic_id: int | None = None,
    procedure: str = "",
    status: str = "",
    q: str = "",
    monitoring: str = "active",
) -> QuerySet:
    """The ids of the nurse's patients, those who need attention first: urgent, then high alerts
    (open or acknowledged), then watched (routine alerts), then on track; within each, the oldest
    alert first, then the longest without a check-in, then by name.

    Only the sort keys are computed here, for every patient of the clinics: the alerts are joined
    and aggregated once (a hash join, not a subquery per patient), the last check-in is one index
    probe per patient. The page's rows are then loaded by worklist_page_patients.
    """
    active = Q(alerts__status__in=_ACTIVE)
    last_checkin = DailyRecord.objects.filter(patient=OuterRef("pk")).order_by("-date").values("date")[:1]
    patients = _worklist_scope(user=user, clinic_id=clinic_id, procedure=procedure, q=q, monitoring=monitoring).annotate(
        sort_rank=Coalesce(Min(_severity_rank("alerts__"), filter=active), Value(3)),
        sort_oldest_alert=Min("alerts__created_at", filter=active),
    )
    if status in STATUS_RANKS:
        low, high = STATUS_RANKS[status]
        patients = patients.filter(sort_rank__gte=low, sort_rank__lte=high)
    return (
        patients.annotate(sort_last_checkin=Subquery(last_checkin))
        .order_by(
            "sort_rank",
            F("sort_oldest_alert").asc(nulls_last=True),
            F("sort_last_checkin").asc(nulls_first=True),
            "last_name",
            "first_name",
            "pk",
        )
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
            Alert.objects.filter(patient_id__in=ids, status__in=_ACTIVE)
            .annotate(rank=_severity_rank())
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
class NavigationCounts:
    open_alerts: int = 0
    unread_messages: int = 0


def navigation_counts(*, clinic_ids: list[int]) -> NavigationCounts:
    """The navigation's counts for the patients of these clinics (the nurse's, from
    patients.selectors.clinics_for_user): open (not yet acknowledged) alerts, and patients' messages
    no nurse has read. One query on every page: both counts in one statement, each from its own
    rows (the open alerts, the unread messages' partial index) rather than from the patients."""
    if not clinic_ids:
        return NavigationCounts()
    alerts = Alert.objects.filter(status=AlertStatus.OPEN, patient__clinic_id__in=clinic_ids).order_by().values("pk")
    unread = patient_messages_unread_of_clinics(clinic_ids=clinic_ids).order_by().values("pk")
    (alerts_sql, alerts_params), (unread_sql, unread_params) = alerts.query.sql_with_params(), unread.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            # Both parts are the ORM's own SQL, with their parameters passed separately.
            f"SELECT (SELECT COUNT(*) FROM ({alerts_sql}) a), (SELECT COUNT(*) FROM ({unread_sql}) u)",  # noqa: S608
            [*alerts_params, *unread_params],
        )
        open_alerts, unread_messages = cursor.fetchone()
    return NavigationCounts(open_alerts=open_alerts, unread_messages=unread_messages)


def alerts_inbox(*, user, severity: str = "") -> QuerySet[Alert]:
    """Open and acknowledged alerts of the nurse's patients: urgent first, open before acknowledged,
    then the oldest first."""
    alerts = Alert.objects.filter(patient__in=patients_for_nurse(user=user).values("pk"), status__in=_ACTIVE)
    if severity:
        alerts = alerts.filter(severity=severity)
    return (
        alerts.select_related("patient", "patient__clinic", "acknowledged_by")
        .annotate(
            rank=_severity_rank(),
            status_rank=Case(When(status=AlertStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()),
        )
        .order_by("rank", "status_rank", "created_at", "pk")
    )


def alert_for_nurse(*, user, alert_id: int) -> Alert | None:
    """One alert, if it belongs to a patient of the nurse's clinics."""
    return (
        Alert.objects.filter(pk=alert_id, patient__in=patients_for_nurse(user=user).values("pk"))
        .select_related("patient")
        .first()
    )


def patient_for_nurse(*, user, patient_id: int) -> Patient | None:
    """One patient of the nurse's clinics with the worklist summary (status, open alerts), or None."""
    return staff_patients(user=user).filter(pk=patient_id).first()


def patient_alerts(*, patient: Patient) -> dict[str, list[Alert]]:
    """The patient's alerts: open, acknowledged (most severe first) and the latest resolved. One query."""
    groups: dict[str, list[Alert]] = {"open": [], "acknowledged": [], "resolved": []}
    alerts = (
        Alert.objects.filter(patient=patient)
        .select_related("acknowledged_by", "resolved_by")
        .annotate(rank=_severity_rank())
        .order_by("rank", "-created_at")
    )
    for alert in alerts:
        groups[alert.status].append(alert)
    groups["resolved"] = sorted(groups["resolved"], key=lambda a: a.resolved_at or a.updated_at, reverse=True)[
        :RESOLVED_ALERTS_SHOWN
    ]
    return groups


def patient_messages(*, patient: Patient, limit: int = MESSAGES_SHOWN) -> list[Message]:
    """The patient's SMS history (with the patient's caregivers' texts, each naming its caregiver),
    newest first. One query."""
    return list(
        Message.objects.filter(patient=patient)
        .select_related("caregiver")
        .only(
            "caregiver__name",
            "caregiver__relationship",
            "direction",
            "purpose",
            "status",
            "body",
            "created_at",
            "sent_at",
            "delivered_at",
            "error_code",
            "error_message",
            "to_phone",
            "caregiver_id",
        )
        .order_by("-created_at", "-id")[:limit]
    )
