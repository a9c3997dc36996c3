"""Reads of caregivers: a patient's caregivers, with what each last answered for the patient."""

from django.db.models import Count, Max, QuerySet

from caregivers.models import Caregiver


def patient_caregivers(*, patient_id: int) -> QuerySet[Caregiver]:
    """The patient's caregivers, first added first, each with `checkins_count` and `last_checkin_date`.

    Queries: 1.
    """
    return (
        Caregiver.objects.filter(patient_id=patient_id)
        .annotate(checkins_count=Count("checkins"), last_checkin_date=Max("checkins__date"))
        .order_by("id")
    )
