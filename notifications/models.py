"""Every SMS in or out, as a row: the outbox that a Celery task drains, and the history nurses read."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patients.models import Patient


class Message(models.Model):
    class Direction(models.TextChoices):
        OUTBOUND = "out", "Outbound"
        INBOUND = "in", "Inbound"

    class Purpose(models.TextChoices):
        REMINDER = "reminder", _("Daily reminder")
        ENROLLMENT = "enrollment", _("Enrollment invitation")
        PAGE = "page", _("Page to the on-call nurse")
        REPLY = "reply", _("Answer to a patient's message")
        HELP = "help", _("Help text")
        OPT_OUT = "opt_out", _("Opt-out confirmation")
        OPT_IN = "opt_in", _("Opt-in confirmation")
        INBOUND = "inbound", _("Message from a patient")
        FOLLOW_UP = "follow_up", _("Follow-up question after emergency advice")
        CAREGIVER_COPY = "caregiver_copy", _("Copy of the daily reminder to a caregiver")
        CAREGIVER_NUDGE = "caregiver_nudge", _("Nudge to a caregiver after a missed day")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Undelivered")
        FAILED = "failed", _("Failed")
        DROPPED = "dropped", _("Dropped")
        LOGGED = "logged", _("Written to the log (no SMS provider)")
        RECEIVED = "received", _("Received")

    direction = models.CharField(max_length=3, choices=Direction.choices, default=Direction.OUTBOUND)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    patient = models.ForeignKey(Patient, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    # The nurse a page is addressed to.
    recipient_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The caregiver a message is to or from (the patient is then the one the caregiver answers for).
    caregiver = models.ForeignKey(
        "caregivers.Caregiver", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    # The web check-in link the body carries masked (webcheckin.links.LINK_MASK): the send puts the
    # live link in at the moment it is handed over. No foreign key, as for alert_id.
    checkin_link_id = models.BigIntegerField(null=True, blank=True)
    # The alert a page is about (no foreign key: notifications reads recovery, and keeps history
    # even if an alert is deleted).
    alert_id = models.BigIntegerField(null=True, blank=True)
    to_phone = models.CharField(max_length=16)
    from_phone = models.CharField(max_length=16, blank=True)
    body = models.TextField(max_length=1600)
    # A natural key that makes a second send impossible, e.g. "reminder:<patient>:<local date>".
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    # For a reminder (and a caregiver's copy or nudge): the patient-local date it is for.
    local_date = models.DateField(null=True, blank=True)
    # Not sent before, nor after (a reminder never goes out at night).
    send_after = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    provider_sid = models.CharField(max_length=64, null=True, blank=True, unique=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a send task was last published for it: the relay republishes one whose task seems lost.
    queued_at = models.DateTimeField(null=True, blank=True)
    # When a worker claimed it (queued -> sending): a claim older than the lease is looked into by the relay.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Why it was dropped or failed, in plain words (past its window, opted out, number invalid...).
    reason = models.CharField(max_length=200, blank=True)
    error_code = models.CharField(max_length=16, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Never two reminders for one patient and local date, whatever retries happen.
            models.UniqueConstraint(
                fields=["patient", "local_date", "purpose"],
                condition=Q(purpose="reminder"),
                name="message_one_reminder_per_patient_day",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "-created_at"], name="message_patient_idx"),
            models.Index(fields=["status", "created_at"], condition=Q(status__in=["queued", "sending"]), name="message_pending_idx"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.direction} {self.purpose} to {self.to_phone} ({self.status})"


class AdviceFollowUp(models.Model):
    """A closed loop after emergency advice: a patient told to call 911 or go to the emergency
    department is asked, a few hours later, whether they did; a "no", or no answer, pages the on-call
    nurse again. One per red-flag alert."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "To be asked"
        ASKED = "asked", "Asked, waiting for the answer"
        WENT = "went", "The patient acted on the advice"
        DID_NOT = "did_not", "The patient did not act on the advice"
        NO_ANSWER = "no_answer", "No answer"
        CANCELLED = "cancelled", "Not asked: a nurse resolved the alert"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="advice_follow_ups")
    alert = models.OneToOneField("recovery.Alert", on_delete=models.CASCADE, related_name="advice_follow_up")
    state = models.CharField(max_length=16, choices=State.choices, default=State.SCHEDULED)
    ask_at = models.DateTimeField()
    # Asked: the answer is awaited until then; past it, the nurse is paged.
    answer_by = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["ask_at"], condition=Q(state="scheduled"), name="follow_up_to_ask_idx"),
            models.Index(fields=["answer_by"], condition=Q(state="asked"), name="follow_up_awaited_idx"),
        ]

    def __str__(self) -> str:
        return f"follow-up of alert {self.alert_id} ({self.state})"
