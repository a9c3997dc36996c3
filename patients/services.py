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


class EnrollmentRefused(Exception):
    """The code is wrong, already used or expired (the caller is not told which)."""


def _patient_user(*, patient: Patient):
    """The patient's login: made on first enrollment, with no usable password (patients sign in by code)."""
    if patient.user_id is not None:
        return patient.user
    User = get_user_model()
    user = User(username=f"patient-{patient.public_id}")
    user.set_unusable_password()
    user.save()
    patient.user = user
    patient.save(update_fields=["user", "updated_at"])
    return user


def patient_sessions_revoke(*, user) -> int:
    """Blacklist every refresh token the user holds (a lost phone, a new enrollment); returns how many."""
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    tokens = list(OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).values_list("id", flat=True))
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token_id=t) for t in tokens], ignore_conflicts=True)
    return len(tokens)


def patient_enroll(*, code: str, now: datetime.datetime | None = None) -> Patient:
    """Exchange a one-time enrollment code for the patient it was issued to.

    1. Normalize the code (case, spaces, dashes, look-alike letters) and hash it.
    2. Claim it with a compare-and-set: mark it used only where it is still unused and unexpired. Of two
       concurrent requests with the same code, the second waits on the row and then matches nothing.
    3. Lock the patient, create the patient's login on first enrollment, and end the sessions of any
       earlier enrollment (a new code means a new phone).
    """
    now = now or timezone.now()
    normalized = enrollment_code_normalize(code)
    if len(normalized) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in normalized):
        raise EnrollmentRefused
    code_hash = enrollment_code_hash(normalized)
    with transaction.atomic():
        claimed = EnrollmentCode.objects.filter(code_hash=code_hash, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
        if claimed != 1:
            raise EnrollmentRefused
        patient_id = EnrollmentCode.objects.filter(code_hash=code_hash).values_list("patient_id", flat=True).get()
        patient = Patient.objects.select_for_update(of=("self",)).select_related("user", "clinic").get(pk=patient_id)
        had_user = patient.user_id is not None
        user = _patient_user(patient=patient)
        if had_user:
            patient_sessions_revoke(user=user)
    return patient


# What a patient may change in the app, and nothing else.
PATIENT_PREFERENCES = ("reminder_time", "language", "sms_opt_in", "timezone")


@transaction.atomic
def patient_preferences_update(*, patient: Patient, changes: dict, now: datetime.datetime | None = None) -> list[str]:
    """Apply the patient's own changes (reminder time, language, SMS consent, time zone); returns the
    fields that changed. Opting in or out of SMS records when, as carriers require."""
    now = now or timezone.now()
    changed = []
    for name in PATIENT_PREFERENCES:
        if name in changes and getattr(patient, name) != changes[name]:
            setattr(patient, name, changes[name])
            changed.append(name)
    if "sms_opt_in" in changed:
        if patient.sms_opt_in:
            patient.sms_consent_at = now
            changed.append("sms_consent_at")
        else:
            patient.sms_opt_out_at = now
            changed.append("sms_opt_out_at")
    if changed:
        patient.clean_fields(exclude=[f.name for f in Patient._meta.fields if f.name not in changed])
        patient.save(update_fields=[*changed, "updated_at"])
    return [name for name in changed if name in PATIENT_PREFERENCES]
