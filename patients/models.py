"""Clinics, the nurses who belong to them, their patients, enrollment codes and the audit trail."""

import datetime
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from patients.choices import Condition, Language, Procedure
from patients.validators import DEFAULT_PHONE_REGION, validate_e164, validate_phone_region, validate_timezone


class Clinic(models.Model):
    name = models.CharField(max_length=200, unique=True)
    # Given to patients in HELP answers and reminders.
    phone = models.CharField(max_length=16, blank=True, validators=[validate_e164])
    timezone = models.CharField(max_length=64, default="America/Chicago", validators=[validate_timezone])
    # Phone numbers typed without a +country prefix are read as numbers of this country.
    phone_region = models.CharField(
        max_length=2, default=DEFAULT_PHONE_REGION, validators=[validate_phone_region],
        help_text="Two-letter country code in which phone numbers typed without +country are read, e.g. US.",
    )
    # No reminder goes out between quiet_hours_start and quiet_hours_end, patient-local.
    quiet_hours_start = models.TimeField(default=datetime.time(21, 0))
    quiet_hours_end = models.TimeField(default=datetime.time(8, 0))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NurseProfile(models.Model):
    """What a staff user needs beyond Django's user: where pages reach them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nurse_profile")
    phone = models.CharField(max_length=16, blank=True, validators=[validate_e164])

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.phone or 'no phone'})"


class ClinicMembership(models.Model):
    """A nurse's membership of a clinic; a user may belong to several clinics."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinic_memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    on_call = models.BooleanField(default=False, help_text="On the clinic's paging roster.")
    # Order in which on-call nurses are paged: the lowest first, then the next on escalation.
    roster_position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "clinic"], name="membership_unique_user_clinic")]
        indexes = [models.Index(fields=["clinic", "on_call", "roster_position"], name="membership_roster_idx")]
        ordering = ["clinic", "roster_position", "id"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.clinic}"


class Patient(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    # The login a patient gets on enrollment; patients never have a password.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="patient"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    phone = models.CharField(max_length=16, validators=[validate_e164])
    # Set when Twilio says the number cannot receive SMS (error 21211).
    phone_invalid_at = models.DateTimeField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="America/Chicago", validators=[validate_timezone])
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    procedure = models.CharField(max_length=32, choices=Procedure.choices)
    condition = models.CharField(max_length=32, choices=Condition.choices, blank=True)
    surgery_date = models.DateField()
    discharge_date = models.DateField(null=True, blank=True)
    reminder_time = models.TimeField(default=datetime.time(18, 0))
    # SMS consent, with when it was given or withdrawn (STOP).
    sms_opt_in = models.BooleanField(default=True)
    sms_consent_at = models.DateTimeField(null=True, blank=True)
    sms_opt_out_at = models.DateTimeField(null=True, blank=True)
    # Set when the program ends (day 90 by default) or a nurse discharges the patient from monitoring.
    monitoring_ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "last_name", "first_name"], name="patient_clinic_name_idx"),
            models.Index(fields=["phone"], name="patient_phone_idx"),
            models.Index(fields=["clinic", "procedure"], name="patient_clinic_procedure_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(discharge_date__isnull=True) | Q(discharge_date__gte=models.F("surgery_date")),
                name="patient_discharge_after_surgery",
            ),
            # One person, one record: the same phone, name and surgery date twice in a clinic is a
            # duplicate. (That no two clinics' active patients share a phone is held on PostgreSQL by
            # an exclusion constraint, patients/migrations/0003.)
            models.UniqueConstraint(
                F("clinic"), F("phone"), Lower("first_name"), Lower("last_name"), F("surgery_date"),
                name="patient_unique_person_per_clinic",
                violation_error_message="This clinic already has this patient (same phone, name and surgery date).",
            ),
        ]
        ordering = ["last_name", "first_name", "id"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_today(self, now: datetime.datetime | None = None) -> datetime.date:
        return (now or timezone.now()).astimezone(self.tz).date()

    def recovery_day(self, today: datetime.date | None = None) -> int:
        """Post-operative day: the patient-local date minus the surgery date (day 0 is surgery)."""
        return ((today or self.local_today()) - self.surgery_date).days


class EnrollmentCode(models.Model):
    """A one-time code that a patient exchanges for tokens; only its hash is stored."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="enrollment_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    # Random bytes (hex) from which the code is derived with the server's key, kept only while the
    # invitation SMS may still need to be written out: the code itself is stored nowhere.
    seed = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["patient", "-created_at"], name="enrollment_patient_idx")]

    def __str__(self) -> str:
        return f"enrollment code for patient {self.patient_id}"


class AuditEvent(models.Model):
    """Append-only: who read or changed which patient's data, what, when, and from where."""

    class Action(models.TextChoices):
        VIEW = "view", "viewed"
        LIST = "list", "listed"
        CREATE = "create", "created"
        UPDATE = "update", "updated"
        DELETE = "delete", "deleted"
        EXPORT = "export", "exported"

    class Resource(models.TextChoices):
        """What was touched. Every writer names one of these (patients.audit refuses any other), except
        the admin's, which are "admin:<model>" with a page suffix (patients.audit.admin_resource). Rows
        written before the writers were unified say "alerts" for a list of alerts; they now say "alert"."""

        PATIENT = "patient", "patient"
        PATIENT_RECORD = "patient_record", "patient record (export)"
        ENROLLMENT = "enrollment", "enrollment"
        PROFILE = "profile", "profile"
        CHECKINS = "checkins", "check-ins"
        PROGRESS = "progress", "progress"
        ALERT = "alert", "alert"
        MESSAGES = "messages", "messages"
        CAREGIVERS = "caregivers", "caregivers"
        CONTACT = "contact", "contact"
        WORKLIST = "worklist", "worklist"
        COHORT = "cohort", "cohort"
        SMS = "sms", "inbound SMS"
        SMS_CONSENT = "sms_consent", "SMS consent"
        CHECKIN_LINK = "checkin_link", "check-in link"
        CHECKIN_PAGE = "checkin_page", "web check-in page"
        MILESTONE_QUESTION = "milestone_question", "milestone question"
        MILESTONE_QUESTIONS = "milestone_questions", "milestone questions"
        QUESTIONNAIRES = "questionnaires", "questionnaires due"
        QUESTIONNAIRE_OFFER = "questionnaire_offer", "questionnaire offer"
        QUESTIONNAIRE_RESPONSES = "questionnaire_responses", "questionnaire responses"
        QUESTIONNAIRE_LINK = "questionnaire_link", "questionnaire link"
        QUESTIONNAIRE_PAGE = "questionnaire_page", "questionnaire page"
        COHORT_SCORES = "cohort_scores", "cohort scores (export)"
        FHIR_PATIENT = "Patient", "FHIR Patient"
        FHIR_PATIENT_EVERYTHING = "Patient/$everything", "FHIR Patient/$everything"
        FHIR_OBSERVATION = "Observation", "FHIR Observation"
        FHIR_FLAG = "Flag", "FHIR Flag"
        FHIR_QUESTIONNAIRE_RESPONSE = "QuestionnaireResponse", "FHIR QuestionnaireResponse"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # The FKs' own indexes would repeat the leading columns of audit_actor_idx and audit_patient_idx,
    # and every API call writes a row here: those two serve both lookups.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # Kept as text too, so the trail survives the user's deletion.
    actor_label = models.CharField(max_length=150, blank=True)
    patient = models.ForeignKey(Patient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    action = models.CharField(max_length=16, choices=Action.choices)
    # What was touched: one of Resource, or an admin page's "admin:<model>..." (no choices on the column).
    resource = models.CharField(max_length=64)
    detail = models.CharField(max_length=500, blank=True)
    channel = models.CharField(max_length=16, blank=True, help_text="api, dashboard, admin, sms")
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["patient", "-at"], name="audit_patient_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
        ]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.resource} of patient {self.patient_id}"
