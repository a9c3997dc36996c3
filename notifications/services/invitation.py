"""The enrollment invitation: the patient's enrollment code by SMS, stored masked and made live only
at the moment the send hands it to Twilio; once sent, dropped or failed, its code can no longer be derived.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from notifications import texts
from notifications.models import Message
from notifications.schedule import next_allowed
from notifications.services.outbox import message_enqueue
from patients.models import Patient
from patients.services import CODE_MASK, enrollment_code_for_sending, enrollment_code_seed_forget
from webcheckin.links import LinkRequest, checkin_links_issue_for_sms, masked_link_url

Purpose = Message.Purpose


def enrollment_invitation_enqueue(*, patient: Patient, code_id: int, now: datetime.datetime | None = None) -> Message | None:
    """Text the patient the enrollment code, in the caller's transaction, where the patient opted in.

    Outside the clinic's quiet hours it goes at once; inside them, when they end. The stored body
    holds the code masked; the send puts the live code in at the moment it is handed over.
    """
    if not patient.sms_opt_in or patient.phone_invalid_at is not None:
        return None
    now = now or timezone.now()
    clinic = patient.clinic
    send_at = next_allowed(now, tz=ZoneInfo(patient.timezone), quiet_start=clinic.quiet_hours_start, quiet_end=clinic.quiet_hours_end)
    # The link, for the patient's local today (the surgery date when that is later), masked in the row.
    link_date = max(patient.local_today(now), patient.surgery_date)
    (link_id,) = checkin_links_issue_for_sms(requests=[LinkRequest(patient.pk, link_date, patient.timezone)])
    return message_enqueue(
        purpose=Purpose.ENROLLMENT,
        patient=patient,
        to_phone=patient.phone,
        body=texts.invitation_text(
            language=patient.language, clinic=clinic.name, code=CODE_MASK, days=settings.ENROLLMENT_CODE_DAYS, link=masked_link_url(),
        ),
        checkin_link_id=link_id,
        dedupe_key=f"enrollment:{patient.pk}:{code_id}",
        send_after=send_at if send_at > now else None,
        expires_at=now + datetime.timedelta(days=settings.ENROLLMENT_CODE_DAYS),
        now=now,
    )


def _invitation_code_id(message: Message) -> int | None:
    """The enrollment code an invitation carries, from its key "enrollment:<patient>:<code>"."""
    parts = (message.dedupe_key or "").split(":")
    return int(parts[2]) if len(parts) == 3 and parts[0] == "enrollment" and parts[2].isdigit() else None


def invitation_render(message: Message, now: datetime.datetime) -> tuple[str, None] | None:
    """Put the live code into an invitation at the moment it is handed over (never into the row).
    The stored body holds CODE_MASK; a code used, replaced or expired meanwhile drops the message."""
    code_id = _invitation_code_id(message)
    code = enrollment_code_for_sending(code_id=code_id, now=now) if code_id is not None else None
    if code is None or CODE_MASK not in message.body:
        return "the enrollment code was used, replaced or has expired", None
    # On top of any earlier rendering (the live check-in link, notifications.link_bodies).
    message.outgoing_body = getattr(message, "outgoing_body", message.body).replace(CODE_MASK, code)
    return None


def invitation_done(message: Message) -> None:
    """An invitation sent, dropped or failed: its code can no longer be derived by anyone."""
    if message.purpose == Purpose.ENROLLMENT:
        code_id = _invitation_code_id(message)
        if code_id is not None:
            enrollment_code_seed_forget(code_id=code_id)
