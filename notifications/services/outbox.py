"""The outbox: every outgoing SMS is a Message row first, written in the transaction that decided to
send it, and its send task is published when that commits (notifications.services.sending sends it).
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.models import Message
from notifications.services.publish import send_on_commit, sends_publish_on_commit
from patients.models import Patient

Purpose = Message.Purpose
Status = Message.Status

# Redis priority lanes (0 is consumed first): bulk reminders must not hold pages and answers back.
PRIORITY_BULK = 6
# Messages a patient must have consented to (pages go to nurses; confirmations answer the patient).
PATIENT_PURPOSES = frozenset({Purpose.REMINDER, Purpose.ENROLLMENT, Purpose.REPLY, Purpose.HELP, Purpose.OPT_IN})
# Messages that wait for the end of the clinic's quiet hours (a reminder past its window is dropped).
QUIET_PURPOSES = frozenset({Purpose.REMINDER, Purpose.ENROLLMENT})
# A caregiver's copy of a reminder and missed-day nudge (notifications.caregiver_messages): the
# reminder's window, bulk lane and same-day check-in rule, the caregiver's own consent.
CAREGIVER_PURPOSES = frozenset({Purpose.CAREGIVER_COPY, Purpose.CAREGIVER_NUDGE})


def lane_priority(purpose: str) -> int | None:
    return PRIORITY_BULK if purpose == Purpose.REMINDER or purpose in CAREGIVER_PURPOSES else None


def lane_queue(purpose: str) -> str | None:
    """Pages go out on the urgent queue, which a worker of its own consumes: routine work never delays them."""
    return settings.CELERY_URGENT_QUEUE if purpose == Purpose.PAGE else None


def message_enqueue(
    *,
    purpose: str,
    to_phone: str,
    body: str,
    patient: Patient | None = None,
    recipient_user=None,
    alert_id: int | None = None,
    dedupe_key: str | None = None,
    send_after: datetime.datetime | None = None,
    expires_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
    caregiver=None,
    checkin_link_id: int | None = None,
) -> Message:
    """Write an outgoing SMS in the caller's transaction and queue its send for when that commits.

    A second call with the same dedupe_key returns the first message and queues nothing.
    """
    now = now or timezone.now()
    if dedupe_key:
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            message = Message.objects.create(
                purpose=purpose,
                to_phone=to_phone,
                body=body,
                patient=patient,
                recipient_user=recipient_user,
                alert_id=alert_id,
                dedupe_key=dedupe_key,
                send_after=send_after,
                expires_at=expires_at,
                queued_at=now,
                caregiver=caregiver,
                checkin_link_id=checkin_link_id,
            )
    except IntegrityError:
        if dedupe_key:
            return Message.objects.get(dedupe_key=dedupe_key)
        raise
    if lane_priority(purpose) is None:
        send_on_commit(message.pk, queue=lane_queue(purpose))
    else:
        sends_publish_on_commit([message.pk], priority=lane_priority(purpose))
    return message
