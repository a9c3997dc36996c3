"""Reads shaped for the nurses' pages, over recovery's read vocabulary (recovery.selectors: the worklist,
alert_list, the severity rank): the alerts inbox, the navigation's counts and a patient's page.
Scoping to the nurse's clinics goes through patients.selectors, always.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet

from notifications.models import Message
from patients.models import Patient
from patients.selectors import patients_for_nurse
from recovery.choices import AlertStatus
from recovery.models import Alert
from recovery.selectors import staff_patients
from recovery.selectors.alerts import alert_list, severity_rank
from recovery.selectors.messages import patient_messages_unread_of_clinics

ALERTS_PAGE_SIZE = 50
MESSAGES_SHOWN = 50
RESOLVED_ALERTS_SHOWN = 20


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
    return alert_list(user=user, standing_only=True, severity=severity, oldest_first=True).select_related(
        "patient", "patient__clinic", "acknowledged_by"
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
        .annotate(rank=severity_rank())
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
