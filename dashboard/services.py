"""Writes made from the nurses' pages: a patient's contact settings, audited."""

import datetime

from django.db import transaction
from django.utils import timezone

from patients.audit import audit_record
from patients.models import AuditEvent, Patient
from patients.services import sms_consent_stamp

CONTACT_FIELDS = ("phone", "language", "timezone", "reminder_time", "sms_opt_in")


@transaction.atomic
def patient_contact_update(
    *,
    patient: Patient,
    user,
    phone: str,
    language: str,
    timezone_name: str,
    reminder_time: datetime.time,
    sms_opt_in: bool,
    now: datetime.datetime | None = None,
    request=None,
) -> list[str]:
    """Change a patient's phone, language, time zone, reminder time and SMS consent; return the fields
    that changed (nothing is written when none did).

    Consent given records when (sms_consent_at); consent withdrawn records when (sms_opt_out_at). A new
    phone number is not yet known to be unreachable, so its invalid mark is cleared. The change is
    audited with the names of the fields, not their values.
    """
    now = now or timezone.now()
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    wanted = {
        "phone": phone,
        "language": language,
        "timezone": timezone_name,
        "reminder_time": reminder_time,
        "sms_opt_in": sms_opt_in,
    }
    changed = [name for name in CONTACT_FIELDS if getattr(patient, name) != wanted[name]]
    if not changed:
        return []
    for name in changed:
        setattr(patient, name, wanted[name])
    update_fields = list(changed)
    if "sms_opt_in" in changed:
        update_fields.append(sms_consent_stamp(patient=patient, now=now))
    if "phone" in changed and patient.phone_invalid_at is not None:
        patient.phone_invalid_at = None
        update_fields.append("phone_invalid_at")
    patient.full_clean()
    patient.save(update_fields=[*update_fields, "updated_at"])
    detail = "changed " + ", ".join(changed)
    if "sms_opt_in" in changed:
        detail += " (SMS consent given)" if sms_opt_in else " (SMS consent withdrawn)"
    audit_record(
        actor=user,
        patient=patient,
        action=AuditEvent.Action.UPDATE,
        resource=AuditEvent.Resource.CONTACT,
        detail=detail,
        channel="dashboard",
        request=request,
    )
    return changed
