"""Writes of caregivers: a nurse adds one; a caregiver's check-in for the patient is recorded with who gave it."""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from caregivers.models import Caregiver, CaregiverCheckin
from patients.audit import audit_record
from patients.models import AuditEvent, Patient


def caregiver_add(
    *, patient: Patient, user, name: str, relationship: str, phone: str, language: str, sms_opt_in: bool, request=None, channel: str
) -> Caregiver:
    """Add a caregiver to the patient, with the nurse who did it; one per patient and phone number."""
    caregiver = Caregiver(
        patient=patient, name=name.strip(), relationship=relationship.strip(), phone=phone, language=language,
        sms_opt_in=sms_opt_in, created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    caregiver.full_clean(exclude=["patient", "created_by"], validate_unique=False)
    try:
        with transaction.atomic():
            caregiver.save()
            audit_record(actor=user, patient=patient, action=AuditEvent.Action.CREATE, resource="caregivers",
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
