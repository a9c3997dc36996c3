"""Inbound SMS, consent and delivery status: what a patient texts (STOP, START, HELP, a check-in, a
follow-up's answer), and what Twilio reports about the messages sent. A caregiver's texts are read in
notifications.caregiver_messages.
"""

import datetime
import logging
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications import texts
from notifications.caregiver_messages import (
    caregiver_inbound_act,
    caregiver_inbound_shared,
    caregiver_number_invalid,
    caregiver_number_opt_out,
)
from notifications.follow_ups import advice_follow_up_answer, advice_follow_up_pending
from notifications.grammar import sms_read, yes_no_read
from notifications.milestone_questions import milestone_question_sms_answer, milestone_questions_waiting, with_question
from notifications.models import Message
from notifications.selectors import sms_sender
from notifications.services.outbox import PATIENT_PURPOSES
from notifications.services.pages import page_undelivered
from notifications.twilio import INVALID_NUMBER, OPTED_OUT
from patients.audit import Action, AuditSource, Resource, audit_record
from patients.models import Patient
from recovery.choices import Channel, MessageReason
from recovery.red_flags import red_flag_advice
from recovery.services import checkin_submit, patient_message_record
from webcheckin.guidance import guidance_for

logger = logging.getLogger(__name__)

Purpose = Message.Purpose
Status = Message.Status
_SMS_NAMESPACE = uuid.UUID("5d6f3f2e-5a43-4a57-9a51-2d0c9c7f0a11")


# --- consent ----------------------------------------------------------------------------------------


def patients_sms_opt_out(*, phone: str, now: datetime.datetime, reason: str = "STOP") -> int:
    """Stop texting a number (carriers hold opt-out per number): every patient with it, and their queue."""
    patients = list(Patient.objects.filter(phone=phone, sms_opt_in=True).values_list("id", flat=True))
    if not patients:
        return 0
    Patient.objects.filter(pk__in=patients).update(sms_opt_in=False, sms_opt_out_at=now, updated_at=now)
    # The patient's own queue: texts to the patient's caregivers keep to the caregivers' consent.
    Message.objects.filter(patient_id__in=patients, status=Status.QUEUED, purpose__in=PATIENT_PURPOSES, caregiver__isnull=True).update(
        status=Status.DROPPED, reason="the patient opted out of SMS", updated_at=now
    )
    for patient_id in patients:
        audit_record(actor=None, patient=patient_id, action=Action.UPDATE, resource=Resource.SMS_CONSENT, detail=f"opted out: {reason}"[:500], channel="sms")
    return len(patients)


def patients_sms_opt_in(*, phone: str, now: datetime.datetime) -> int:
    patients = list(Patient.objects.filter(phone=phone, sms_opt_in=False).values_list("id", flat=True))
    Patient.objects.filter(pk__in=patients).update(sms_opt_in=True, sms_consent_at=now, sms_opt_out_at=None, updated_at=now)
    for patient_id in patients:
        audit_record(actor=None, patient=patient_id, action=Action.UPDATE, resource=Resource.SMS_CONSENT, detail="opted in: START", channel="sms")
    return len(patients)


def number_invalid(message: Message, now: datetime.datetime) -> None:
    """Mark the patient's number bad (21211): nothing more is sent to it until staff correct it."""
    if message.caregiver_id is not None:
        caregiver_number_invalid(message=message, now=now)
        return
    if message.patient_id is None or message.purpose not in PATIENT_PURPOSES:
        logger.error("SMS #%s: staff number %s is not valid for SMS", message.pk, message.to_phone)
        return
    Patient.objects.filter(pk=message.patient_id, phone=message.to_phone, phone_invalid_at__isnull=True).update(
        phone_invalid_at=now, updated_at=now
    )
    Message.objects.filter(patient_id=message.patient_id, to_phone=message.to_phone, status=Status.QUEUED, purpose__in=PATIENT_PURPOSES).update(
        status=Status.DROPPED, reason="the number was marked invalid", updated_at=now
    )
    audit_record(actor=None, patient=message.patient_id, action=Action.UPDATE, resource=Resource.PATIENT, detail="phone marked invalid for SMS (Twilio 21211)", channel="sms")


# --- inbound SMS and delivery status ----------------------------------------------------------------


def sms_client_id(message_sid: str) -> uuid.UUID:
    """The check-in client_id of an SMS: the same for a webhook that Twilio retries, so it replays."""
    return uuid.uuid5(_SMS_NAMESPACE, message_sid)


def sms_receive(*, from_phone: str, to_phone: str, body: str, message_sid: str, now: datetime.datetime | None = None) -> str:
    """Act on one inbound SMS and return the answer's text.

    An unknown number gets a neutral answer and nothing is stored. Otherwise the message goes into the
    history (once per MessageSid: a retried webhook gets the first answer again), audited, then:
    STOP words opt out, START words opt back in, HELP words get help with the clinic's phone, a
    check-in (a pain 0-10, or the grammar's readings) is merged into the patient's local today through
    checkin_submit. Whatever the grammar did not fully read waits for a nurse as an unread message, and
    the answer says so. A text from a phone that several active patients share is given to none of
    them: it waits for the nurses with the candidates named (sms_sender). A caregiver's text is read
    for the patient the caregiver answers for (caregiver_messages.caregiver_inbound_act); a phone that
    is a caregiver's and also someone else's is given to nobody either.
    """
    now = now or timezone.now()
    sender = sms_sender(phone=from_phone)
    if sender.patient is None and not sender.sharing:
        return texts.unknown_sender_text()
    body = (body or "")[:1600]
    answer_key = f"answer:{message_sid}" if message_sid else None
    with transaction.atomic():
        if answer_key:
            previous = Message.objects.filter(dedupe_key=answer_key).values_list("body", flat=True).first()
            if previous is not None:
                return previous
        try:
            with transaction.atomic():
                inbound = Message.objects.create(
                    direction=Message.Direction.INBOUND,
                    purpose=Purpose.INBOUND,
                    status=Status.RECEIVED,
                    patient=sender.patient,
                    caregiver=sender.caregiver,
                    to_phone=(to_phone or "")[:16],
                    from_phone=from_phone[:16],
                    body=body,
                    provider_sid=message_sid or None,
                )
        except IntegrityError:
            # The same MessageSid arrived concurrently and has been handled: answer as it was answered.
            return Message.objects.filter(dedupe_key=answer_key).values_list("body", flat=True).first() or ""
        for patient in (sender.patient,) if sender.patient else sender.sharing:
            audit_record(actor=None, patient=patient, action=Action.CREATE, resource=Resource.SMS, detail=f"inbound SMS #{inbound.pk}", channel="sms", at=now)
        if sender.caregiver is not None:
            purpose, answer = caregiver_inbound_act(
                caregiver=sender.caregiver, body=body, inbound=inbound, now=now,
                client_id=sms_client_id(message_sid) if message_sid else uuid.uuid4(),
            )
        elif sender.patient is not None:
            purpose, answer = _inbound_act(patient=sender.patient, body=body, inbound=inbound, message_sid=message_sid, now=now)
        elif sender.caregivers:
            purpose, answer = caregiver_inbound_shared(sender=sender, phone=from_phone, body=body, inbound=inbound, now=now)
            # Consent is the number's: its patients too.
            if purpose == Purpose.OPT_OUT:
                patients_sms_opt_out(phone=from_phone, now=now, reason=f"the number texted {body.strip()[:20]!r}")
            elif purpose == Purpose.OPT_IN:
                patients_sms_opt_in(phone=from_phone, now=now)
        else:
            purpose, answer = _inbound_shared(sharing=sender.sharing, body=body, inbound=inbound, now=now)
        Message.objects.create(
            purpose=purpose,
            status=Status.SENT,
            patient=sender.patient,
            caregiver=sender.caregiver,
            to_phone=from_phone[:16],
            from_phone=(to_phone or "")[:16],
            body=answer,
            dedupe_key=answer_key,
            sent_at=now,
            reason="answered in the webhook response (TwiML)",
        )
    return answer


def _unread(*, patient: Patient, body: str, inbound: Message, now: datetime.datetime) -> None:
    """The patient's words the grammar did not fully read, kept unread for the clinic's nurses."""
    patient_message_record(
        clinic_id=patient.clinic_id, patient_id=patient.pk, text=body, channel=Channel.SMS, reason=MessageReason.NOT_UNDERSTOOD,
        received_at=now, date=patient.local_today(now), source=str(inbound.pk),
    )


def _inbound_act(*, patient: Patient, body: str, inbound: Message, message_sid: str, now: datetime.datetime) -> tuple[str, str]:
    clinic = patient.clinic
    acted = yes_no_read(body)
    if acted is not None:
        # A YES or NO while we wait for the answer to a follow-up question is that answer.
        follow_up = advice_follow_up_pending(patient=patient)
        if follow_up is not None:
            return Purpose.REPLY, advice_follow_up_answer(follow_up=follow_up, acted=acted, now=now)
        # Else the answer to the oldest milestone question waiting (notifications/milestone_questions.py).
        answered = milestone_question_sms_answer(patient=patient, reached=acted, now=now)
        if answered is not None:
            return Purpose.REPLY, answered
    reading = sms_read(body)
    if reading.kind == "opt_out":
        patients_sms_opt_out(phone=patient.phone, now=now, reason=f"the patient texted {body.strip()[:20]!r}")
        return Purpose.OPT_OUT, texts.opted_out_text(language=patient.language, clinic=clinic.name)
    if reading.kind == "opt_in":
        patients_sms_opt_in(phone=patient.phone, now=now)
        return Purpose.OPT_IN, texts.opted_in_text(language=patient.language, clinic=clinic.name)
    if reading.kind == "help":
        if body.strip().strip(".!?").upper() == "INFO":
            # What to expect at this stage of the recovery, from the clinic's own guidance.
            guidance = guidance_for(patient, patient.recovery_day(patient.local_today(now)), patient.language)
            if guidance:
                return Purpose.HELP, texts.info_text(language=patient.language, guidance=guidance, clinic_phone=clinic.phone)
        return Purpose.HELP, texts.help_text(language=patient.language, clinic=clinic.name, clinic_phone=clinic.phone)
    if reading.kind == "checkin":
        fields = dict(reading.fields)
        if not reading.complete:
            # Part of it was not understood: the patient's own words go on the day's record and wait
            # for a nurse as an unread message (checkin_submit keeps the note as one).
            fields["note"] = body[:2000]
        try:
            outcome = checkin_submit(
                patient=patient,
                client_id=sms_client_id(message_sid) if message_sid else uuid.uuid4(),
                date=patient.local_today(now),
                fields=fields,
                channel=Channel.SMS,
                now=now,
                audit=AuditSource.of(patient.user, channel="sms"),
                note_reason=MessageReason.NOT_UNDERSTOOD,
                note_source=str(inbound.pk),
            )
        except ValidationError:
            # Before the surgery date: there is no recovery day to record it on; a nurse reads it.
            _unread(patient=patient, body=body, inbound=inbound, now=now)
            return Purpose.HELP, texts.not_understood_text(language=patient.language, clinic=clinic.name, clinic_phone=clinic.phone)
        answer = texts.thanks_text(language=patient.language, fields=fields, advice=outcome.body.get("advice"))
        if not reading.complete:
            answer = texts.partly_read_text(language=patient.language, answer=answer)
        answer = with_question(answer, milestone=milestone_questions_waiting(patient_ids=[patient.pk]).get(patient.pk),
                               language=patient.language)
        return Purpose.REPLY, answer
    if reading.complete:
        # Understood, with nothing to record ("thanks", "no fever"): kept in the history, thanked.
        return Purpose.REPLY, texts.received_text(language=patient.language)
    _unread(patient=patient, body=body, inbound=inbound, now=now)
    return Purpose.HELP, texts.not_understood_text(language=patient.language, clinic=clinic.name, clinic_phone=clinic.phone)


def _inbound_shared(*, sharing: tuple[Patient, ...], body: str, inbound: Message, now: datetime.datetime) -> tuple[str, str]:
    """A text from a phone that several active patients hold: carrier keywords act on the number; any
    other text waits for the nurses of each clinic involved, naming that clinic's candidates, and the
    sender is told that a nurse will read it (with the red-flag advice where it names a red flag)."""
    lead = sharing[0]
    reading = sms_read(body)
    if reading.kind == "opt_out":
        patients_sms_opt_out(phone=lead.phone, now=now, reason=f"the number texted {body.strip()[:20]!r}")
        return Purpose.OPT_OUT, texts.opted_out_text(language=lead.language, clinic=lead.clinic.name)
    if reading.kind == "opt_in":
        patients_sms_opt_in(phone=lead.phone, now=now)
        return Purpose.OPT_IN, texts.opted_in_text(language=lead.language, clinic=lead.clinic.name)
    if reading.kind == "help":
        return Purpose.HELP, texts.help_text(language=lead.language, clinic=lead.clinic.name, clinic_phone=lead.clinic.phone)
    by_clinic: dict[int, list[Patient]] = {}
    for patient in sharing:
        by_clinic.setdefault(patient.clinic_id, []).append(patient)
    for clinic_id, patients in by_clinic.items():
        patient_message_record(
            clinic_id=clinic_id, patient_id=None, text=body, channel=Channel.SMS, reason=MessageReason.SHARED_PHONE,
            received_at=now, candidates=[p.pk for p in patients],
            source=str(inbound.pk) if len(by_clinic) == 1 else f"{inbound.pk}/{clinic_id}",
        )
    advice = red_flag_advice(reading.fields.get("symptoms"), language=lead.language, procedure=lead.procedure)
    return Purpose.HELP, texts.shared_phone_text(language=lead.language, clinic=lead.clinic.name, clinic_phone=lead.clinic.phone, advice=advice)


# Twilio's message statuses, as ours; the first final one (delivered, undelivered, failed) stands.
_DELIVERY = {
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "read": Status.DELIVERED,
    "undelivered": Status.UNDELIVERED,
    "failed": Status.FAILED,
}
_FINAL = frozenset({Status.DELIVERED, Status.UNDELIVERED, Status.FAILED})


def message_status_record(*, provider_sid: str, status: str, error_code: str = "", now: datetime.datetime | None = None) -> bool:
    """Record a delivery status callback. An unknown SID or status changes nothing (returns False)."""
    now = now or timezone.now()
    ours = _DELIVERY.get((status or "").strip().lower())
    if not provider_sid or ours is None:
        return False
    message = Message.objects.filter(provider_sid=provider_sid, direction=Message.Direction.OUTBOUND).first()
    if message is None or message.status in _FINAL or message.status == ours:
        return False
    fields = {"status": ours, "updated_at": now}
    if ours == Status.DELIVERED:
        fields["delivered_at"] = now
    if ours in (Status.UNDELIVERED, Status.FAILED):
        fields["error_code"] = (error_code or "")[:16]
        fields["reason"] = f"Twilio reported {status} ({error_code or 'no code'})"[:200]
    changed = Message.objects.filter(pk=message.pk, status=message.status).update(**fields)
    if changed and error_code == INVALID_NUMBER:
        number_invalid(message, now)
    elif changed and error_code == OPTED_OUT:
        patients_sms_opt_out(phone=message.to_phone, now=now, reason="Twilio reported 21610: the recipient sent STOP")
        caregiver_number_opt_out(phone=message.to_phone, now=now, reason="Twilio reported 21610: the recipient sent STOP")
    if changed and ours in (Status.UNDELIVERED, Status.FAILED):
        page_undelivered(message, now)
    return bool(changed)
