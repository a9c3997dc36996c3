"""Patients' messages that wait for a nurse: recorded by whoever received them (a check-in with a note,
the inbound SMS service), marked read by a nurse with who and when, audited."""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from patients.audit import audit_record_many
from patients.models import AuditEvent, Patient
from patients.selectors import clinics_for_user
from recovery.choices import Channel, MessageReason
from recovery.models import PatientMessage
from recovery.selectors.messages import message_patient_ids

TEXT_MAX = 2000
SOURCE_MAX = 64


def message_text_clean(text: str) -> str:
    """The patient's words as they came, storable: without NUL (PostgreSQL text cannot hold it) or
    lone surrogates (not UTF-8), cut to TEXT_MAX characters."""
    text = (text or "").replace("\x00", "")
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text[:TEXT_MAX]


def patient_message_record(
    *,
    clinic_id: int,
    patient_id: int | None,
    text: str,
    channel: str,
    reason: str,
    received_at: datetime.datetime,
    date: datetime.date | None = None,
    candidates: Iterable[int] = (),
    source: str = "",
) -> PatientMessage:
    """Keep a patient's words for the nurses of the clinic, unread, and return the message.

    1. `patient_id` is the writer; it is None exactly for reason `shared_phone`, where `candidates`
       names the clinic's patients who hold the phone. Every patient named must be of `clinic_id`,
       so that no clinic's nurses see another clinic's patient.
    2. With a `source` (the inbound SMS message's id, the check-in's client_id), a second call for
       the same reason and source returns the first message and writes nothing: a retried webhook
       or a replayed check-in. The database holds it (patient_message_unique_source), so two
       concurrent calls cannot both write.
    3. Safe inside the caller's transaction: a clash on the source raises nothing.

    Queries: the check of the patients' clinic, the INSERT; with a source, a SELECT of the row that
    stands; with candidates, one INSERT of them.
    """
    if channel not in Channel.values:
        raise ValueError(f"Unknown channel {channel!r}.")
    if reason not in MessageReason.values:
        raise ValueError(f"Unknown reason {reason!r}.")
    candidate_ids = sorted({int(pk) for pk in candidates})
    if (reason == MessageReason.SHARED_PHONE) != (patient_id is None):
        raise ValueError("A message has its patient, except one from a shared phone, which names candidates instead.")
    named = {patient_id, *candidate_ids} - {None}
    if named:
        in_clinic = set(Patient.objects.filter(pk__in=named, clinic_id=clinic_id).values_list("pk", flat=True))
        if in_clinic != named:
            raise ValueError(f"Patients {sorted(named - in_clinic)} are not of clinic {clinic_id}.")
    source = str(source or "")[:SOURCE_MAX]
    message = PatientMessage(
        clinic_id=clinic_id,
        patient_id=patient_id,
        channel=channel,
        reason=reason,
        text=message_text_clean(text),
        received_at=received_at,
        date=date,
        source=source,
    )
    if source:
        # ON CONFLICT DO NOTHING: a second delivery finds the first row and raises nothing, so the
        # caller's transaction goes on (no savepoint needed); then read back whichever row stands.
        PatientMessage.objects.bulk_create([message], ignore_conflicts=True)
        message = PatientMessage.objects.get(reason=reason, source=source)
    else:
        message.save(force_insert=True)
    if candidate_ids:
        PatientMessage.candidates.through.objects.bulk_create(
            [PatientMessage.candidates.through(patientmessage_id=message.pk, patient_id=pk) for pk in candidate_ids],
            ignore_conflicts=True,
        )
    return message


def patient_message_read(
    *,
    message_id: int,
    nurse,
    channel: str = "api",
    request=None,
    now: datetime.datetime | None = None,
) -> PatientMessage:
    """A nurse has read the message: record who and when, and audit it, in one transaction.

    Only a nurse of the message's clinic may (another clinic's message raises
    PatientMessage.DoesNotExist, as a missing one does). A message already read stays as it was
    (the first reader and time); the nurse's look at it is still audited, as a view.
    """
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            PatientMessage.objects.select_for_update(of=("self",))
            .filter(clinic_id__in=clinics_for_user(user=nurse).values("pk"))
            .get(pk=message_id)
        )
        if message.read_at is None:
            message.read_at = now
            message.read_by = nurse
            message.save(update_fields=["read_at", "read_by"])
            action, detail = AuditEvent.Action.UPDATE, f"marked message {message.pk} ({message.reason}) read"
        else:
            action, detail = AuditEvent.Action.VIEW, f"message {message.pk} ({message.reason}), already read"
        audit_record_many(
            actor=nurse,
            patients=message_patient_ids(message),
            action=action,
            resource=AuditEvent.Resource.MESSAGES,
            detail=detail,
            channel=channel,
            request=request,
        )
    return message

