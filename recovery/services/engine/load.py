"""Loading, in a fixed number of queries per chunk of patients: the patients' rows, their days as
plain rules.Day values, and their alerts as rules.AlertView values. Reads only."""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

from patients.models import Patient
from recovery import rules
from recovery.models import Alert, DailyRecord, MilestoneQuestion


@dataclass(frozen=True)
class PatientRow:
    """What the engine needs of a patient, read in one query per chunk."""

    id: int
    procedure: str
    surgery_date: datetime.date
    discharge_date: datetime.date | None
    created_at: datetime.datetime
    timezone: str
    needs_evaluation_since: datetime.datetime | None
    judged_through: datetime.date | None
    local_today: datetime.date


AsOf = datetime.date | Callable[[PatientRow], datetime.date | None] | None

_ROW_FIELDS = (
    "id",
    "procedure",
    "surgery_date",
    "discharge_date",
    "created_at",
    "timezone",
    "evaluation_state__needs_evaluation_since",
    "evaluation_state__judged_through",
)


_ZONES: dict[str, ZoneInfo] = {}


def zone(name: str) -> ZoneInfo:
    zone = _ZONES.get(name)
    if zone is None:
        zone = _ZONES[name] = ZoneInfo(name)
    return zone


def patient_rows(values: Iterable[tuple], now: datetime.datetime) -> list[PatientRow]:
    return [PatientRow(*v, local_today=now.astimezone(zone(v[5])).date()) for v in values]


def chunks(patient_ids: Iterable[int] | None, chunk_size: int, now: datetime.datetime) -> Iterator[list[PatientRow]]:
    """Monitored patients in chunks: one query per chunk (keyset pages over all, or the ids given)."""
    monitored = Patient.objects.filter(monitoring_ended_at__isnull=True).order_by("id")
    if patient_ids is not None:
        ids = sorted(set(patient_ids))
        for start in range(0, len(ids), chunk_size):
            rows = patient_rows(monitored.filter(pk__in=ids[start : start + chunk_size]).values_list(*_ROW_FIELDS), now)
            if rows:
                yield rows
        return
    last_id = 0
    while True:
        rows = patient_rows(monitored.filter(pk__gt=last_id).values_list(*_ROW_FIELDS)[:chunk_size], now)
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


# What the engine reads of an alert (rules.AlertView).
ALERT_VALUES = ("id", "kind", "severity", "status", "evidence_date", "recovery_day", "message", "details")


def alert_view(values: dict) -> rules.AlertView:
    return rules.AlertView(
        id=values["id"],
        kind=values["kind"],
        severity=values["severity"],
        status=values["status"],
        evidence_date=values["evidence_date"],
        recovery_day=values["recovery_day"],
        message=values["message"],
        details=values["details"] or {},
    )


def records(patient_ids: list[int], first: datetime.date, last: datetime.date) -> dict[int, list[rules.Day]]:
    """The chunk's daily records from `first` to `last`, as plain days. Symptoms and milestones come
    as text and are parsed only where not empty (most days): parsing every JSON list was most of the
    sweep's time."""
    days: dict[int, list[rules.Day]] = defaultdict(list)
    rows = (
        DailyRecord.objects.filter(patient_id__in=patient_ids, date__gte=first, date__lte=last)
        # By the unique index, not the model's default order (which would join the patients to sort by name).
        .order_by("patient_id", "date")
        .annotate(symptoms_text=Cast("symptoms", TextField()), milestones_text=Cast("milestones", TextField()))
        .values_list("patient_id", "date", "pain", "walking_minutes", "steps", "opioid_use", "symptoms_text", "milestones_text")
    )
    empty = ("[]", "", None)
    # The ORM's SQL, read with one fetchall: row by row through the ORM cost as much as the rules.
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    for pid, date, pain, walking, steps, opioid, symptoms, milestones in fetched:
        days[pid].append(
            rules.Day(
                date,
                pain,
                walking,
                steps,
                opioid,
                () if symptoms in empty else tuple(json.loads(symptoms)),
                () if milestones in empty else tuple(json.loads(milestones)),
            )
        )
    return days


def alerts(patient_ids: list[int]) -> dict[int, list[rules.AlertView]]:
    alerts: dict[int, list[rules.AlertView]] = defaultdict(list)
    for values in (
        Alert.objects.filter(patient_id__in=patient_ids)
        .order_by("id")
        .values("patient_id", *ALERT_VALUES)
    ):
        alerts[values["patient_id"]].append(alert_view(values))
    return alerts


def questions(patient_ids: list[int]) -> dict[int, dict[str, rules.Question]]:
    """The chunk's milestone questions, as plain values, by patient and milestone (one query)."""
    out: dict[int, dict[str, rules.Question]] = defaultdict(dict)
    for pid, code, state, asked_on, answered_on in MilestoneQuestion.objects.filter(patient_id__in=patient_ids).order_by().values_list(
        "patient_id", "milestone", "state", "asked_on", "answered_on"
    ):
        out[pid][code] = question_view(code, state, asked_on, answered_on)
    return out


def question_view(code: str, state: str, asked_on: datetime.date, answered_on: datetime.date | None) -> rules.Question:
    answer = None if state == MilestoneQuestion.State.ASKED else state == MilestoneQuestion.State.YES
    return rules.Question(code, asked_on, answer, answered_on)
