"""A patient's caregivers (a spouse, a son or daughter who often answers for an older patient), and the
check-ins a caregiver gave on the patient's behalf."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from patients.choices import Language
from patients.models import Patient
from patients.validators import validate_e164


class Caregiver(models.Model):
    class Receives(models.TextChoices):
        """What the caregiver is texted, as the patient chooses (the nurse records it)."""

        REMINDERS = "reminders", _("Copies of the daily reminders")
        MISSED_DAY = "missed_day", _("A nudge after a missed day")
        NOTHING = "nothing", _("No texts")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="caregivers")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=60, help_text="e.g. spouse, daughter, friend")
    phone = models.CharField(max_length=16, validators=[validate_e164])
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    # The caregiver's own SMS consent, apart from the patient's.
    sms_opt_in = models.BooleanField(default=False)
    # When the caregiver texted STOP (or the carrier reported it); START clears it.
    sms_opt_out_at = models.DateTimeField(null=True, blank=True)
    # Twilio said the number cannot take SMS (21211): nothing more is sent to it.
    phone_invalid_at = models.DateTimeField(null=True, blank=True)
    receives = models.CharField(max_length=16, choices=Receives.choices, default=Receives.MISSED_DAY)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "phone"], name="caregiver_one_per_patient_phone")]
        # An inbound SMS is matched to its caregiver by the phone number.
        indexes = [models.Index(fields=["phone"], name="caregiver_phone_idx")]
        ordering = ["patient", "id"]

    def __str__(self) -> str:
        return f"caregiver {self.pk} of patient {self.patient_id}"


class CaregiverCheckin(models.Model):
    """Who answered: a check-in (by its client_id) that a caregiver gave for the patient."""

    client_id = models.UUIDField(unique=True)
    caregiver = models.ForeignKey(Caregiver, on_delete=models.CASCADE, related_name="checkins")
    # The patient's local date it was for.
    date = models.DateField()
    channel = models.CharField(max_length=8)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["caregiver", "-date"], name="caregiver_checkin_idx")]
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"check-in {self.client_id} by caregiver {self.caregiver_id}"
