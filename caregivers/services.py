"""Writes of caregivers: a nurse adds one or changes what they are texted; a caregiver's check-in for the
patient is recorded with who gave it; a caregiver's own STOP and START."""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from caregivers.models import Caregiver, CaregiverCheckin
from patients.audit import audit_record
from patients.models import AuditEvent, Patient


def caregiver_add(
    *, patient: Patient, user, name: str, relationship: str, phone: str, language: str, sms_opt_in: bool, request=None, channel: str,
    receives: str = Caregiver.Receives.MISSED_DAY,
) -> Caregiver:
    """Add a caregiver to the patient, with the nurse who did it; one per patient and phone number."""
    caregiver = Caregiver(
        patient=patient, name=name.strip(), relationship=relationship.strip(), phone=phone, language=language,
        sms_opt_in=sms_opt_in, receives=receives, created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    caregiver.full_clean(exclude=["patient", "created_by"], validate_unique=False)
    try:
        with transaction.atomic():
            caregiver.save()
            audit_record(actor=user, patient=patient, action=AuditEvent.Action.CREATE, resource=AuditEvent.Resource.CAREGIVERS,
                         detail=f"caregiver {caregiver.pk} added", channel=channel, request=request)
    except IntegrityError:
        raise ValidationError({"phone": [gettext("This patient already has a caregiver with this phone number.")]}) from None
    return caregiver


def caregiver_checkin_record(
    *, caregiver: Caregiver, client_id: uuid.UUID, date: datetime.date, channel: str, now: datetime.datetime
) -> None:
    """Record, in the check-in's transaction, that this caregiver gave it (a replay records nothing new)."""
    CaregiverCheckin.objects.get_or_create(
        client_id=client_id, defaults={"caregiver": caregiver, "date": date, "channel": channel, "at": now}
    )


def caregiver_update(
    *, caregiver: Caregiver, user, receives: str | None = None, sms_opt_in: bool | None = None, language: str | None = None,
    request=None, channel: str, now: datetime.datetime,
) -> list[str]:
    """Change what a caregiver is texted (as the patient chooses), their recorded consent or language.

    Returns the names of the fields that changed (audited as one row); an unknown choice is a
    ValidationError naming the field.
    """
    changes = {"receives": receives, "sms_opt_in": sms_opt_in, "language": language}
    changed = [name for name, value in changes.items() if value is not None and getattr(caregiver, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(caregiver, name, changes[name])
    if "sms_opt_in" in changed and caregiver.sms_opt_in:
        caregiver.sms_opt_out_at = None
    caregiver.full_clean(exclude=["patient", "created_by"], validate_unique=False)
    with transaction.atomic():
        Caregiver.objects.filter(pk=caregiver.pk).update(**{name: getattr(caregiver, name) for name in (*changed, "sms_opt_out_at")})
        audit_record(actor=user, patient=caregiver.patient_id, action=AuditEvent.Action.UPDATE, resource=AuditEvent.Resource.CAREGIVERS,
                     detail=f"caregiver {caregiver.pk}: {', '.join(f'{n}={getattr(caregiver, n)}' for n in changed)}",
                     channel=channel, request=request, at=now)
    return changed


def caregivers_sms_opt_out(*, phone: str, now: datetime.datetime, reason: str) -> list[int]:
    """Stop texting a caregiver's number (STOP from it, or the carrier's 21610): every caregiver row
    with that phone (one person may care for several patients); the patients' own consent is not
    touched. Returns the caregivers' ids."""
    rows = list(Caregiver.objects.filter(phone=phone, sms_opt_in=True).values_list("id", "patient_id"))
    if not rows:
        return []
    Caregiver.objects.filter(pk__in=[pk for pk, _ in rows]).update(sms_opt_in=False, sms_opt_out_at=now)
    for pk, patient_id in rows:
        audit_record(actor=None, patient=patient_id, action=AuditEvent.Action.UPDATE, resource=AuditEvent.Resource.CAREGIVERS,
                     detail=f"caregiver {pk} opted out: {reason}"[:500], channel="sms", at=now)
    return [pk for pk, _ in rows]


def caregivers_sms_opt_in(*, phone: str, now: datetime.datetime) -> list[int]:
    """START from a caregiver's number: texts to that caregiver resume (the caregiver's own consent)."""
    rows = list(Caregiver.objects.filter(phone=phone, sms_opt_in=False).values_list("id", "patient_id"))
    Caregiver.objects.filter(pk__in=[pk for pk, _ in rows]).update(sms_opt_in=True, sms_opt_out_at=None)
    for pk, patient_id in rows:
        audit_record(actor=None, patient=patient_id, action=AuditEvent.Action.UPDATE, resource=AuditEvent.Resource.CAREGIVERS,
                     detail=f"caregiver {pk} opted in: START", channel="sms", at=now)
    return [pk for pk, _ in rows]
