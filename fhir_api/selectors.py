"""The FHIR API's reads, all scoped through patients.selectors.patients_for_nurse (the nurse's own
clinics): the one place where what a nurse may see is decided."""

import uuid

from django.db.models import Q, QuerySet

from patients.models import Patient
from patients.selectors import patients_for_nurse
from recovery.models import Alert, DailyRecord


def fhir_patients(*, user) -> QuerySet[Patient]:
    return patients_for_nurse(user=user).select_related("clinic").order_by("id")


def fhir_patient(*, user, patient_id: int) -> Patient | None:
    return fhir_patients(user=user).filter(pk=patient_id).first()


def fhir_patient_search(*, user, family: str | None, identifiers: list[tuple[str | None, str]], known_system: str) -> QuerySet[Patient]:
    """Patients of the nurse's clinics whose family name starts with `family` (any case), and whose
    public id is one of `identifiers` (system|value pairs; another system matches nothing)."""
    patients = fhir_patients(user=user)
    if family:
        patients = patients.filter(last_name__istartswith=family)
    if identifiers:
        ids = []
        for system, value in identifiers:
            if system not in (None, "", known_system):
                continue
            try:
                ids.append(uuid.UUID(value))
            except ValueError:
                continue
        patients = patients.filter(public_id__in=ids)
    return patients


def fhir_daily_records(*, patient: Patient, date_lookups: list[tuple[str, object]], fields: list[str]) -> QuerySet[DailyRecord]:
    """The patient's daily records in date order, within the dates, with at least one of `fields`
    logged. Only the columns the Observations need are read."""
    records = DailyRecord.objects.filter(patient=patient)
    for lookup, value in date_lookups:
        records = records.filter(**{lookup: value})
    if fields:
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__isnull": False})
        records = records.filter(condition)
    return records.only("id", "patient_id", "date", "updated_at", *fields).order_by("date", "id")


def fhir_daily_record(*, user, record_id: int) -> DailyRecord | None:
    return (
        DailyRecord.objects.filter(pk=record_id, patient__in=patients_for_nurse(user=user).values("pk"))
        .only("id", "patient_id", "date", "updated_at", "pain", "steps", "walking_minutes", "opioid_use")
        .first()
    )


def fhir_alerts(*, patient: Patient) -> QuerySet[Alert]:
    return Alert.objects.filter(patient=patient).order_by("created_at", "id")


def fhir_alert(*, user, alert_id: int) -> Alert | None:
    return Alert.objects.filter(pk=alert_id, patient__in=patients_for_nurse(user=user).values("pk")).first()
