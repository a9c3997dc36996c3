"""Daily reminders: written at each patient's local reminder time in batches, a web check-in link
in each, and sent on the bulk lane so that they never hold pages and answers back.
"""

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from notifications.caregiver_messages import caregiver_messages_write
from notifications.milestone_questions import milestone_questions_waiting, reminder_with_question
from notifications.models import Message
from notifications.selectors import DueReminder, reminders_due
from notifications.services.outbox import PRIORITY_BULK
from notifications.services.publish import sends_publish_on_commit
from webcheckin.links import LinkRequest, checkin_links_issue_for_sms, masked_link_url

logger = logging.getLogger(__name__)

Purpose = Message.Purpose
Status = Message.Status


def reminders_enqueue(*, now: datetime.datetime | None = None, batch_size: int = 1000) -> int:
    """Write the reminders due at `now` (see selectors.reminders_due) and queue their sends.

    Rows go in with one INSERT per batch, each batch in its own transaction, its sends published when
    it commits. The unique key (patient, local date) makes a rerun, a retry or a concurrent run write
    nothing twice. Returns the number of reminders written.
    """
    now = now or timezone.now()
    written = 0
    batch: list[DueReminder] = []
    for due in reminders_due(now=now):
        batch.append(due)
        if len(batch) >= batch_size:
            written += _reminders_write(batch, now)
            batch = []
    if batch:
        written += _reminders_write(batch, now)
    if written:
        logger.info("reminders: %d written at %s", written, now.isoformat())
    return written


def _reminders_write(batch: list[DueReminder], now: datetime.datetime) -> int:
    keys = [f"reminder:{due.patient_id}:{due.local_date.isoformat()}" for due in batch]
    masked = masked_link_url()
    # A milestone question waiting is asked in the reminder (notifications/milestone_questions.py).
    questions = milestone_questions_waiting(patient_ids=[due.patient_id for due in batch])
    with transaction.atomic():
        # Each reminder carries its own web check-in link (one INSERT for the batch), masked in the row
        # (notifications.link_bodies); the links of a rerun's reminders that were already written
        # simply go unused and expire.
        links = checkin_links_issue_for_sms(requests=[LinkRequest(due.patient_id, due.local_date, due.timezone) for due in batch])
        rows = [
            Message(
                purpose=Purpose.REMINDER,
                patient_id=due.patient_id,
                to_phone=due.phone,
                body=reminder_with_question(language=due.language, clinic=due.clinic_name, link=masked,
                                            milestone=questions.get(due.patient_id)),
                dedupe_key=key,
                local_date=due.local_date,
                send_after=due.window.opens,
                expires_at=due.window.closes,
                queued_at=now,
                checkin_link_id=link_id,
            )
            for due, key, link_id in zip(batch, keys, links, strict=True)
        ]
        Message.objects.bulk_create(rows, ignore_conflicts=True)
        ids = list(
            Message.objects.filter(dedupe_key__in=keys, status=Status.QUEUED, queued_at=now).values_list("id", flat=True)
        )
        # The patients' caregivers' copies and nudges, with the same windows (caregiver_messages).
        ids += caregiver_messages_write(batch=batch, now=now)
        sends_publish_on_commit(ids, priority=PRIORITY_BULK)
    return len(ids)
