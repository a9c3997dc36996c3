"""Reads of caregivers: a patient's caregivers, with what each last answered for the patient."""

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
