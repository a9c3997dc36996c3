"""Writes of the patients layer: nurses, patients and their enrollment codes."""

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from patients.audit import Action, AuditSource, Resource, audit_record
from patients.models import Clinic, ClinicMembership, EnrollmentCode, NurseProfile, Patient
from patients.quiet_hours import quiet_at
from patients.signals import enrollment_code_issued
from patients.validators import DEFAULT_PHONE_REGION, phone_normalize

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


# What an SMS history, the admin and the log show in place of a code.
CODE_MASK = "*****-*****"


def _code_from_seed(seed: str) -> str:
    """The code derived from a seed with the server's key: each of 10 bytes of an HMAC picks one of
    the 32 symbols (256 is a multiple of 32, so each symbol is equally likely)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), b"enrollment-code:" + bytes.fromhex(seed), hashlib.sha256).digest()
    return "".join(CODE_ALPHABET[byte % len(CODE_ALPHABET)] for byte in digest[:CODE_LENGTH])


def enrollment_code_for_sending(*, code_id: int, now: datetime.datetime | None = None) -> str | None:
    """The formatted code of a live (unused, unexpired) enrollment code, derived again from its seed
    for the moment an invitation is handed to the SMS provider; None when it no longer works."""
    now = now or timezone.now()
    seed = (
        EnrollmentCode.objects.filter(pk=code_id, used_at__isnull=True, expires_at__gt=now)
        .exclude(seed="")
        .values_list("seed", flat=True)
        .first()
    )
    return enrollment_code_format(_code_from_seed(seed)) if seed else None


def enrollment_code_seed_forget(*, code_id: int) -> None:
    """The invitation is done with (sent, dropped or failed): nothing can derive the code any more."""
    EnrollmentCode.objects.filter(pk=code_id).exclude(seed="").update(seed="")


@transaction.atomic
def enrollment_code_issue(*, patient: Patient, created_by=None, now: datetime.datetime | None = None) -> str:
    """A new single-use code for the patient; earlier unused codes stop working.

    The code is derived from a random seed with the server's key. The row keeps the code's hash and,
    until the invitation SMS has gone (or will not go), the seed; never the code.
    """
    now = now or timezone.now()
    EnrollmentCode.objects.filter(patient=patient, used_at__isnull=True).update(expires_at=now, seed="")
    seed = secrets.token_hex(16)
    code = _code_from_seed(seed)
    issued = EnrollmentCode.objects.create(
        patient=patient,
        code_hash=enrollment_code_hash(code),
        seed=seed if patient.sms_opt_in and patient.phone_invalid_at is None else "",
        expires_at=now + datetime.timedelta(days=settings.ENROLLMENT_CODE_DAYS),
        created_by=created_by,
    )
    formatted = enrollment_code_format(code)
    enrollment_code_issued.send(sender=Patient, patient=patient, code=formatted, code_id=issued.pk, created_by=created_by)
    return formatted


class PatientExists(Exception):
    """The clinic already has this patient (same phone, name and surgery date)."""

    def __init__(self, patient: Patient):
        super().__init__(f"patient {patient.pk} already exists")
        self.patient = patient


PHONE_HELD_ELSEWHERE = gettext_lazy(
    "This phone number belongs to a patient another clinic is monitoring: replies from it could not be "
    "told apart. Check the number with the patient."
)


def _active_q(now: datetime.datetime) -> Q:
    return Q(monitoring_ended_at__isnull=True) | Q(monitoring_ended_at__gt=now)


def patient_duplicate_find(
    *, clinic: Clinic, first_name: str, last_name: str, phone: str, surgery_date: datetime.date
) -> Patient | None:
    """The clinic's record of the same person and surgery (phone, name and surgery date), if any."""
    return (
        Patient.objects.filter(clinic=clinic, phone=phone, surgery_date=surgery_date)
        .filter(first_name__iexact=first_name, last_name__iexact=last_name)
        .order_by("id")
        .first()
    )


def patient_phone_check(*, clinic: Clinic, phone: str, exclude_patient_id: int | None = None, now: datetime.datetime | None = None) -> None:
    """Refuse (ValidationError on `phone`) a number held by another clinic's active patient: an SMS
    from it could then not be routed to one clinic. The other clinic is not named."""
    held = Patient.objects.filter(phone=phone).exclude(clinic=clinic).filter(_active_q(now or timezone.now()))
    if exclude_patient_id is not None:
        held = held.exclude(pk=exclude_patient_id)
    if held.exists():
        raise ValidationError({"phone": [ValidationError(PHONE_HELD_ELSEWHERE, code="phone_held_elsewhere")]})


def _constraint_name(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) or str(exc)


# A surgery date further than this from today is a typing error (the program follows the first months).
SURGERY_DATE_RANGE = datetime.timedelta(days=365)


def surgery_date_check(*, surgery_date: datetime.date, now: datetime.datetime | None = None) -> None:
    """A new patient's surgery date lies within a year of today (either side): a ValidationError on
    `surgery_date` otherwise."""
    today = (now or timezone.now()).date()
    if abs(surgery_date - today) > SURGERY_DATE_RANGE:
        raise ValidationError({"surgery_date": ["The surgery date must be within a year of today."]})


def reminder_time_check(*, clinic: Clinic, reminder_time: datetime.time) -> None:
    """A daily reminder time lies outside the clinic's quiet hours, when no reminder is sent: a
    ValidationError on `reminder_time` (code quiet_hours) otherwise."""
    start, end = clinic.quiet_hours_start, clinic.quiet_hours_end
    if quiet_at(reminder_time, quiet_start=start, quiet_end=end):
        raise ValidationError(
            {"reminder_time": [ValidationError(
                gettext("No reminder is sent during the clinic's quiet hours (%(start)s to %(end)s); choose another time.")
                % {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"},
                code="quiet_hours",
            )]}
        )


def sms_consent_stamp(*, patient: Patient, now: datetime.datetime) -> str:
    """Record on the (unsaved) patient when SMS consent was given or withdrawn, as carriers require,
    after its sms_opt_in changed; returns the field written, for the caller's update_fields."""
    if patient.sms_opt_in:
        patient.sms_consent_at = now
        return "sms_consent_at"
    patient.sms_opt_out_at = now
    return "sms_opt_out_at"


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
    audit: AuditSource | None = None,
) -> tuple[Patient, str]:
    """Create a patient and issue the enrollment code (sent by SMS where the patient opted in).

    1. Read the phone in the clinic's region and keep it in E.164 form (a ValidationError on `phone`
       when it is not a possible number).
    2. The same person and surgery already in the clinic: PatientExists, naming the record.
    3. The number held by another clinic's active patient: a ValidationError on `phone`.
    4. Write the patient and the code. The database holds both rules too (a unique index, and on
       PostgreSQL an exclusion constraint), so two concurrent requests cannot both pass.
    5. With `audit` (who, through which channel), the audit row commits with the patient.
    """
    now = timezone.now()
    first_name, last_name = first_name.strip(), last_name.strip()
    try:
        phone = phone_normalize(phone, region=clinic.phone_region or DEFAULT_PHONE_REGION)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from None
    person = {"clinic": clinic, "first_name": first_name, "last_name": last_name, "phone": phone, "surgery_date": surgery_date}
    existing = patient_duplicate_find(**person)
    if existing is not None:
        raise PatientExists(existing)
    patient_phone_check(clinic=clinic, phone=phone, now=now)
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
    patient.full_clean(validate_constraints=False)
    with transaction.atomic():
        try:
            with transaction.atomic():
                patient.save()
        except IntegrityError as exc:
            # Another request wrote the same person, or gave the number to another clinic, meanwhile.
            existing = patient_duplicate_find(**person)
            if existing is not None:
                raise PatientExists(existing) from None
            if "patient_phone_one_active_clinic" in _constraint_name(exc):
                raise ValidationError({"phone": [PHONE_HELD_ELSEWHERE]}) from None
            raise
        code = enrollment_code_issue(patient=patient, created_by=created_by, now=now)
        if audit is not None:
            audit_record(actor=None, source=audit, patient=patient, action=Action.CREATE, resource=Resource.PATIENT, at=now)
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
        try:
            profile.phone = phone_normalize(phone, region=clinic.phone_region or DEFAULT_PHONE_REGION)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from None
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


def patient_enroll(*, code: str, now: datetime.datetime | None = None, audit: AuditSource | None = None) -> Patient:
    """Exchange a one-time enrollment code for the patient it was issued to.

    1. Normalize the code (case, spaces, dashes, look-alike letters) and hash it.
    2. Claim it with a compare-and-set: mark it used only where it is still unused and unexpired. Of two
       concurrent requests with the same code, the second waits on the row and then matches nothing.
    3. Lock the patient, create the patient's login on first enrollment, and end the sessions of any
       earlier enrollment (a new code means a new phone).
    4. With `audit` (the channel and address; the actor is the patient's login), the audit row
       commits with the enrollment.
    """
    now = now or timezone.now()
    normalized = enrollment_code_normalize(code)
    if len(normalized) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in normalized):
        raise EnrollmentRefused
    code_hash = enrollment_code_hash(normalized)
    with transaction.atomic():
        claimed = EnrollmentCode.objects.filter(code_hash=code_hash, used_at__isnull=True, expires_at__gt=now).update(
            used_at=now, seed=""
        )
        if claimed != 1:
            raise EnrollmentRefused
        patient_id = EnrollmentCode.objects.filter(code_hash=code_hash).values_list("patient_id", flat=True).get()
        patient = Patient.objects.select_for_update(of=("self",)).select_related("user", "clinic").get(pk=patient_id)
        had_user = patient.user_id is not None
        user = _patient_user(patient=patient)
        if had_user:
            patient_sessions_revoke(user=user)
        if audit is not None:
            audit_record(actor=None, source=audit.acting(user), patient=patient, action=Action.UPDATE, resource=Resource.ENROLLMENT,
                         detail="enrolled the app", at=now)
    return patient


# What a patient may change in the app, and nothing else.
PATIENT_PREFERENCES = ("reminder_time", "language", "sms_opt_in", "timezone")


@transaction.atomic
def patient_preferences_update(
    *, patient: Patient, changes: dict, now: datetime.datetime | None = None, audit: AuditSource | None = None
) -> list[str]:
    """Apply the patient's own changes (reminder time, language, SMS consent, time zone); returns the
    fields that changed. Opting in or out of SMS records when, as carriers require. With `audit`, the
    audit row (naming the fields changed, or nothing) commits with the change."""
    now = now or timezone.now()
    changed = []
    for name in PATIENT_PREFERENCES:
        if name in changes and getattr(patient, name) != changes[name]:
            setattr(patient, name, changes[name])
            changed.append(name)
    if "sms_opt_in" in changed:
        changed.append(sms_consent_stamp(patient=patient, now=now))
    if changed:
        patient.clean_fields(exclude=[f.name for f in Patient._meta.fields if f.name not in changed])
        patient.save(update_fields=[*changed, "updated_at"])
    changed = [name for name in changed if name in PATIENT_PREFERENCES]
    if audit is not None:
        audit_record(actor=None, source=audit, patient=patient, action=Action.UPDATE, resource=Resource.PROFILE,
                     detail="changed: " + (", ".join(changed) or "nothing"), at=now)
    return changed
