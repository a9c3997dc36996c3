"""Reads of caregivers: a patient's caregivers, with what each last answered for the patient; who
answered which day; the caregivers a phone number belongs to."""

import datetime

from django.db.models import Count, Max, QuerySet

from caregivers.models import Caregiver, CaregiverCheckin


def patient_caregivers(*, patient_id: int) -> QuerySet[Caregiver]:
    """The patient's caregivers, first added first, each with `checkins_count` and `last_checkin_date`.

    Queries: 1.
    """
    return (
        Caregiver.objects.filter(patient_id=patient_id)
        .annotate(checkins_count=Count("checkins"), last_checkin_date=Max("checkins__date"))
        .order_by("id")
    )


def caregiver_answers(*, patient_id: int) -> dict[datetime.date, list[str]]:
    """Who answered for the patient on which local date: the caregivers' names and relationships.

    Queries: 1.
    """
    answers: dict[datetime.date, list[str]] = {}
    rows = CaregiverCheckin.objects.filter(caregiver__patient_id=patient_id).order_by("date", "id")
    for date, name, relationship in rows.values_list("date", "caregiver__name", "caregiver__relationship"):
        who = f"{name} ({relationship})"
        if who not in answers.setdefault(date, []):
            answers[date].append(who)
    return answers


def caregiver_reports(*, patient_id: int, dates) -> dict[datetime.date, list[dict]]:
    """The caregivers who answered for the patient on each of `dates`, first answer first: for each,
    `caregiver` (id), `name`, `relationship` and the `channel` (`web`, `sms`) of their first answer.

    Queries: 1.
    """
    reports: dict[datetime.date, list[dict]] = {}
    rows = (
        CaregiverCheckin.objects.filter(caregiver__patient_id=patient_id, date__in=list(dates))
        .order_by("date", "at", "id")
        .values_list("date", "caregiver_id", "caregiver__name", "caregiver__relationship", "channel")
    )
    for date, caregiver_id, name, relationship, channel in rows:
        day = reports.setdefault(date, [])
        if all(r["caregiver"] != caregiver_id for r in day):
            day.append({"caregiver": caregiver_id, "name": name, "relationship": relationship, "channel": channel})
    return reports


def caregivers_with_phone(*, phone: str) -> list[Caregiver]:
    """The caregivers a phone number belongs to whose patient is still monitored, with patient and clinic.

    Queries: 1.
    """
    return list(
        Caregiver.objects.filter(phone=phone, patient__monitoring_ended_at__isnull=True)
        .select_related("patient", "patient__clinic", "patient__user")
        .order_by("id")
    )
