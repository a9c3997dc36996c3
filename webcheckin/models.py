"""The patient's web check-in: the one-day links that SMS carry, and each protocol's day-by-day guidance."""

from django.db import models
from django.db.models import Q

from caregivers.models import Caregiver
from patients.models import Patient
from recovery.models import RecoveryProtocol


class CheckinLink(models.Model):
    """A link that opens one patient's check-in for one local date, with no password.

    The URL holds only a random token (128 bits); the table holds its SHA-256, so a copy of the
    database opens nothing. A link checks in once (`used_at`) and expires at the end of the patient-local
    day after its date; until it expires it also opens the patient's "my recovery" page.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    # No index of its own: checkin_link_patient_idx leads with the patient.
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="checkin_links", db_index=False)
    date = models.DateField(help_text="The patient-local date the link checks in for.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # The check-in that used the link: a second tap on the same form gets the first answer again.
    used_client_id = models.UUIDField(null=True, blank=True)
    # A caregiver's own link (in the copy of a reminder or a nudge): its check-in is the caregiver's.
    caregiver = models.ForeignKey(Caregiver, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # The random seed the token is derived from with the server's key, kept only until the SMS that
    # carries the link has been handed over (or will not go): the stored SMS body holds the link masked.
    seed = models.CharField(max_length=32, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["patient", "-created_at"], name="checkin_link_patient_idx"),
            # The relay forgets the seeds of expired links whose SMS never went.
            models.Index(fields=["expires_at"], condition=~Q(seed=""), name="checkin_link_seeded_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(used_client_id__isnull=False), name="checkin_link_used_by_a_checkin"
            ),
        ]

    def __str__(self) -> str:
        return f"check-in link for patient {self.patient_id} on {self.date}"


class Stretch(models.TextChoices):
    """The stretches of recovery that guidance is written for, in post-operative days."""

    DAYS_0_2 = "days_0_2", "Days 0-2"
    FIRST_WEEK = "first_week", "Days 3-7 (the first week)"
    WEEKS_2_6 = "weeks_2_6", "Weeks 2-6 (days 8-42)"
    BEYOND = "beyond", "Beyond six weeks (day 43 on)"


class ProtocolGuidance(models.Model):
    """What to expect in one stretch of recovery after one procedure, in plain words; edited in the admin."""

    protocol = models.ForeignKey(RecoveryProtocol, on_delete=models.CASCADE, related_name="guidance")
    stretch = models.CharField(max_length=16, choices=Stretch.choices)
    text_en = models.TextField("text (English)", max_length=600)
    text_es = models.TextField("text (Spanish)", max_length=600)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["protocol", "stretch"], name="guidance_one_per_protocol_stretch")]
        ordering = ["protocol", "stretch"]
        verbose_name_plural = "protocol guidance"

    def __str__(self) -> str:
        return f"{self.protocol}: {self.get_stretch_display()}"
