"""Reads of the patients layer; the one place where a nurse's view is scoped to the nurse's clinics."""

from django.db.models import QuerySet

from patients.models import Clinic, ClinicMembership, Patient


def clinics_for_user(*, user) -> QuerySet[Clinic]:
    if not getattr(user, "is_authenticated", False):
        return Clinic.objects.none()
    return Clinic.objects.filter(memberships__user=user)


def patients_for_nurse(*, user) -> QuerySet[Patient]:
    """The patients a nurse may see: those of the nurse's own clinics, and no others."""
    if not getattr(user, "is_authenticated", False):
        return Patient.objects.none()
    return Patient.objects.filter(clinic__memberships__user=user)


def is_staff_member(*, user) -> bool:
    return getattr(user, "is_authenticated", False) and ClinicMembership.objects.filter(user=user).exists()


def on_call_roster(*, clinic_id: int) -> list[ClinicMembership]:
    """The clinic's on-call nurses in paging order."""
    return list(
        ClinicMembership.objects.filter(clinic_id=clinic_id, on_call=True, user__is_active=True)
        .select_related("user", "user__nurse_profile")
        .order_by("roster_position", "id")
    )
