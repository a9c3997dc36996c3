"""Writes of the patients layer: nurses, patients and their enrollment codes."""

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from patients.models import Clinic, ClinicMembership, EnrollmentCode, NurseProfile, Patient
from patients.signals import enrollment_code_issued

# Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or retyped is not mistaken.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# 10 symbols of 32: 50 bits. At the enrollment throttle (10 tries an hour per client) a guess would
# take longer than the universe's age to find one live code among thousands.
CODE_LENGTH = 10
_CONFUSABLES = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


def enrollment_code_normalize(code: str) -> str:
    """Upper-case, drop spaces and dashes, and map look-alike letters to the alphabet's symbols."""
    return "".join(ch for ch in str(code).upper() if ch.isalnum()).translate(_CONFUSABLES)


def enrollment_code_hash(code: str) -> str:
    """Keyed hash of the normalized code: the plain code is never stored."""
    normalized = enrollment_code_normalize(code)
    return hmac.new(settings.SECRET_KEY.encode(), normalized.encode(), hashlib.sha256).hexdigest()


def enrollment_code_format(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


@transaction.atomic
def enrollment_code_issue(*, patient: Patient, created_by=None, now: datetime.datetime | None = None) -> str:
    """A new single-use code for the patient; earlier unused codes stop working."""
    now = now or timezone.now()
    EnrollmentCode.objects.filter(patient=patient, used_at__isnull=True).update(expires_at=now)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    EnrollmentCode.objects.create(
        patient=patient,
        code_hash=enrollment_code_hash(code),
        expires_at=now + datetime.timedelta(days=settings.ENROLLMENT_CODE_DAYS),
        created_by=created_by,
    )
    formatted = enrollment_code_format(code)
    enrollment_code_issued.send(sender=Patient, patient=patient, code=formatted, created_by=created_by)
    return formatted


@transaction.atomic
def patient_create(
    *,
    clinic: Clinic,
    first_name: str,
    last_name: str,
    phone: str,
    procedure: str,
    surgery_date: datetime.date,
    timezone_name: str | None = None,
    language: str = "en",
    condition: str = "",
    discharge_date: datetime.date | None = None,
    reminder_time: datetime.time = datetime.time(18, 0),
    sms_opt_in: bool = True,
    created_by=None,
) -> tuple[Patient, str]:
    """Create a patient and issue the enrollment code (sent by SMS where the patient opted in)."""
    now = timezone.now()
    patient = Patient(
        clinic=clinic,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        procedure=procedure,
        surgery_date=surgery_date,
        timezone=timezone_name or clinic.timezone or settings.DEFAULT_PATIENT_TIMEZONE,
        language=language,
        condition=condition or "",
        discharge_date=discharge_date,
        reminder_time=reminder_time,
        sms_opt_in=sms_opt_in,
        sms_consent_at=now if sms_opt_in else None,
        created_by=created_by,
    )
    patient.full_clean()
    patient.save()
    code = enrollment_code_issue(patient=patient, created_by=created_by, now=now)
    return patient, code


@transaction.atomic
def nurse_create(
    *,
    username: str,
    password: str,
    clinic_name: str,
    phone: str = "",
    on_call: bool = False,
    first_name: str = "",
    last_name: str = "",
) -> ClinicMembership:
    """Create a nurse (and the clinic, where it does not exist yet); idempotent for an existing user."""
    User = get_user_model()
    clinic, _ = Clinic.objects.get_or_create(name=clinic_name, defaults={"timezone": settings.DEFAULT_PATIENT_TIMEZONE})
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": first_name, "last_name": last_name})
    if created or password:
        user.set_password(password)
        user.save()
    profile, _ = NurseProfile.objects.get_or_create(user=user)
    if phone:
        profile.phone = phone
        profile.full_clean()
        profile.save()
    position = ClinicMembership.objects.filter(clinic=clinic).count()
    membership, created = ClinicMembership.objects.get_or_create(
        user=user, clinic=clinic, defaults={"on_call": on_call, "roster_position": position}
    )
    if not created and on_call and not membership.on_call:
        membership.on_call = True
        membership.save(update_fields=["on_call"])
    return membership
