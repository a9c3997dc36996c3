"""Caregivers by SMS: the copies of the reminders and the missed-day nudges they are sent (as the patient
chooses), why one may not go at send time, their texts in (check-ins for the patient, INFO, HELP), and
their own STOP and START.

A caregiver's messages ride on the patient's reminder: they are written in the transaction that writes
the patient's reminders (notifications.services.reminders), with the same window, so they never
go in the quiet hours at the patient's place, and a rerun writes nothing twice (the dedupe key
`caregiver:<caregiver>:<local date>` is unique). Each carries the caregiver's own check-in link, masked
in the stored body like every link (webcheckin.links).
"""

import dataclasses
import datetime
import uuid
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction

from caregivers.models import Caregiver
from caregivers.services import caregiver_checkin_record, caregivers_sms_opt_in, caregivers_sms_opt_out
from notifications import texts
from notifications.grammar import sms_read
from notifications.models import Message
from notifications.schedule import quiet_now
from notifications.selectors import DueReminder, SmsSender
from notifications.services.outbox import CAREGIVER_PURPOSES
from patients.audit import AuditSource, audit_record
from recovery.choices import Channel, MessageReason
from recovery.models import DailyRecord
from recovery.red_flags import red_flag_advice
from recovery.services import checkin_submit, patient_message_record
from webcheckin.guidance import guidance_for
from webcheckin.links import LinkRequest, checkin_links_issue_for_sms, masked_link_url

Purpose = Message.Purpose
Status = Message.Status


# --- out: copies and nudges -------------------------------------------------------------------------


def caregiver_messages_write(*, batch: list[DueReminder], now: datetime.datetime) -> list[int]:
    """Write, in the caller's transaction, what the caregivers of a batch of reminders are owed; the
    ids of the messages written now (to publish with the reminders).

    1. The batch's caregivers with their own SMS consent who are texted something (one query).
    2. Those who get a nudge only: whether the patient missed the day before (one query for the batch);
       a day before the surgery is not missed.
    3. One link per message, the caregiver's own (one INSERT), and the messages (one INSERT; a
       caregiver with the patient's own phone gets nothing more than the patient's reminder).
    """
    by_patient = {due.patient_id: due for due in batch}
    caregivers = list(
        Caregiver.objects.filter(patient_id__in=list(by_patient), sms_opt_in=True, phone_invalid_at__isnull=True)
        .exclude(receives=Caregiver.Receives.NOTHING)
        .select_related("patient")
        .order_by("id")
    )
    caregivers = [c for c in caregivers if c.phone != by_patient[c.patient_id].phone]
    if not caregivers:
        return []
    one_day = datetime.timedelta(days=1)
    nudged = {c.patient_id for c in caregivers if c.receives == Caregiver.Receives.MISSED_DAY}
    logged = set()
    if nudged:
        logged = set(
            DailyRecord.objects.filter(patient_id__in=nudged, date__in={by_patient[p].local_date - one_day for p in nudged})
            .values_list("patient_id", "date")
        )
    owed = []
    for caregiver in caregivers:
        due = by_patient[caregiver.patient_id]
        yesterday = due.local_date - one_day
        if caregiver.receives == Caregiver.Receives.REMINDERS:
            owed.append((caregiver, due, Purpose.CAREGIVER_COPY))
        elif yesterday >= caregiver.patient.surgery_date and (caregiver.patient_id, yesterday) not in logged:
            owed.append((caregiver, due, Purpose.CAREGIVER_NUDGE))
    if not owed:
        return []
    link_ids = checkin_links_issue_for_sms(
        requests=[LinkRequest(due.patient_id, due.local_date, due.timezone, caregiver_id=c.pk) for c, due, _ in owed]
    )
    masked = masked_link_url()
    keys = [f"caregiver:{c.pk}:{due.local_date.isoformat()}" for c, due, _ in owed]
    rows = []
    for (caregiver, due, purpose), key, link_id in zip(owed, keys, link_ids, strict=True):
        wording = texts.caregiver_copy_text if purpose == Purpose.CAREGIVER_COPY else texts.caregiver_nudge_text
        rows.append(
            Message(
                purpose=purpose,
                patient_id=due.patient_id,
                caregiver=caregiver,
                to_phone=caregiver.phone,
                body=wording(language=caregiver.language, clinic=due.clinic_name, name=caregiver.patient.first_name, link=masked),
                dedupe_key=key,
                local_date=due.local_date,
                send_after=due.window.opens,
                expires_at=due.window.closes,
                queued_at=now,
                checkin_link_id=link_id,
            )
        )
    Message.objects.bulk_create(rows, ignore_conflicts=True)
    return list(Message.objects.filter(dedupe_key__in=keys, status=Status.QUEUED, queued_at=now).values_list("id", flat=True))


def caregiver_reason_not_to_send(message: Message, now: datetime.datetime, *, checked_in: set) -> tuple[str, None] | None:
    """Why a message to a caregiver must not go now (it is dropped, with the reason), or None.

    Facts of the moment of sending, not of writing: the caregiver may have texted STOP since, the
    patient may have checked in. The patient's own SMS consent does not hold a caregiver's texts back.
    """
    caregiver = message.caregiver
    if caregiver is None:
        return "the caregiver was removed", None
    if not caregiver.sms_opt_in:
        return "the caregiver opted out of SMS", None
    if caregiver.phone_invalid_at is not None and message.to_phone == caregiver.phone:
        return "the number was marked invalid", None
    patient = message.patient
    if message.purpose in CAREGIVER_PURPOSES and patient is not None:
        if patient.monitoring_ended_at is not None and patient.monitoring_ended_at <= now:
            return "monitoring has ended", None
        clinic = patient.clinic
        if quiet_now(now, tz=ZoneInfo(patient.timezone), quiet_start=clinic.quiet_hours_start, quiet_end=clinic.quiet_hours_end):
            return "quiet hours at the patient's place", None
        if (patient.pk, message.local_date) in checked_in:
            return "the patient already checked in that day", None
    return None


# --- consent ----------------------------------------------------------------------------------------


def caregiver_number_opt_out(*, phone: str, now: datetime.datetime, reason: str) -> int:
    """Stop texting a caregiver's number: its caregivers opt out and their queued texts are dropped.
    The patients they care for keep their own consent."""
    ids = caregivers_sms_opt_out(phone=phone, now=now, reason=reason)
    if ids:
        Message.objects.filter(caregiver_id__in=ids, status=Status.QUEUED).update(
            status=Status.DROPPED, reason="the caregiver opted out of SMS", updated_at=now
        )
    return len(ids)


def caregiver_number_invalid(*, message: Message, now: datetime.datetime) -> None:
    """Twilio says a caregiver's number cannot take SMS (21211): mark it, and drop what is queued for it."""
    changed = Caregiver.objects.filter(pk=message.caregiver_id, phone=message.to_phone, phone_invalid_at__isnull=True).update(
        phone_invalid_at=now
    )
    Message.objects.filter(caregiver_id=message.caregiver_id, to_phone=message.to_phone, status=Status.QUEUED).update(
        status=Status.DROPPED, reason="the number was marked invalid", updated_at=now
    )
    if changed and message.patient_id is not None:
        audit_record(actor=None, patient=message.patient_id, action="update", resource="caregivers",
                     detail=f"caregiver {message.caregiver_id}: phone marked invalid for SMS (Twilio 21211)", channel="sms", at=now)


# --- in: a caregiver's texts ------------------------------------------------------------------------


def caregiver_inbound_act(
    *, caregiver: Caregiver, body: str, inbound: Message, client_id: uuid.UUID, now: datetime.datetime
) -> tuple[str, str]:
    """A text from a caregiver's phone (one caregiver of one monitored patient, nobody else's phone):
    read by the patient's grammar and answered in the caregiver's language. `client_id` is the
    check-in's (derived from the MessageSid, so that a retried webhook replays).

    STOP and START act on the caregiver only; HELP and INFO answer about the patient; a check-in is the
    patient's, stored through checkin_submit (channel sms) and recorded as the caregiver's, in the
    audit row too; what the grammar did not read waits for a nurse, named as the caregiver's words.
    """
    patient = caregiver.patient
    clinic = patient.clinic
    lang = caregiver.language
    reading = sms_read(body)
    if reading.kind == "opt_out":
        caregiver_number_opt_out(phone=caregiver.phone, now=now, reason=f"the caregiver texted {body.strip()[:20]!r}")
        return Purpose.OPT_OUT, texts.opted_out_text(language=lang, clinic=clinic.name)
    if reading.kind == "opt_in":
        caregivers_sms_opt_in(phone=caregiver.phone, now=now)
        return Purpose.OPT_IN, texts.opted_in_text(language=lang, clinic=clinic.name)
    if reading.kind == "help":
        if body.strip().strip(".!?").upper() == "INFO":
            guidance = guidance_for(patient, patient.recovery_day(patient.local_today(now)), lang)
            if guidance:
                return Purpose.HELP, texts.info_text(language=lang, guidance=guidance, clinic_phone=clinic.phone)
        return Purpose.HELP, texts.caregiver_help_text(language=lang, clinic=clinic.name, name=patient.first_name, clinic_phone=clinic.phone)
    words = f"{caregiver.name} ({caregiver.relationship}): {body}"[:2000]
    if reading.kind == "checkin":
        fields = dict(reading.fields)
        if not reading.complete:
            fields["note"] = words
        date = patient.local_today(now)
        audit = dataclasses.replace(AuditSource.of(patient.user, channel="sms"), actor_label=f"caregiver {caregiver.pk}: {caregiver.name}"[:150])
        try:
            with transaction.atomic():
                outcome = checkin_submit(
                    patient=patient, client_id=client_id, date=date, fields=fields, channel=Channel.SMS, now=now, audit=audit,
                    note_reason=MessageReason.NOT_UNDERSTOOD, note_source=str(inbound.pk),
                )
                if outcome.status != "duplicate":
                    caregiver_checkin_record(caregiver=caregiver, client_id=client_id, date=date, channel=Channel.SMS, now=now)
        except ValidationError:
            # Before the surgery date: no recovery day to record it on; a nurse reads it.
            _unread(patient=patient, text=words, inbound=inbound, now=now)
            return Purpose.HELP, texts.caregiver_not_understood_text(
                language=lang, clinic=clinic.name, name=patient.first_name, clinic_phone=clinic.phone
            )
        # The advice the patient would get, in the caregiver's language.
        advice = red_flag_advice(fields.get("symptoms"), language=lang, procedure=patient.procedure) if outcome.body.get("advice") else None
        answer = texts.caregiver_thanks_text(language=lang, name=patient.first_name, fields=fields, advice=advice)
        if not reading.complete:
            answer = texts.partly_read_text(language=lang, answer=answer)
        return Purpose.REPLY, answer
    if reading.complete:
        return Purpose.REPLY, texts.received_text(language=lang)
    _unread(patient=patient, text=words, inbound=inbound, now=now)
    return Purpose.HELP, texts.caregiver_not_understood_text(language=lang, clinic=clinic.name, name=patient.first_name, clinic_phone=clinic.phone)


def caregiver_inbound_shared(*, sender: SmsSender, phone: str, body: str, inbound: Message, now: datetime.datetime) -> tuple[str, str]:
    """A text from a phone that is a caregiver's and also another's (a patient's, or the caregiver's of
    several patients): given to none of them. STOP and START act on the number (carriers hold consent
    per number): every caregiver with it here, and the caller does the same for the patients with it
    on OPT_OUT and OPT_IN. Any other text waits for the nurses of each clinic involved with that
    clinic's candidate patients named, and the sender is told so, with the red-flag advice where the
    text names a red flag."""
    lead = sender.caregivers[0]
    lang = sender.sharing[0].language if any(p.phone == phone for p in sender.sharing) else lead.language
    clinic = lead.patient.clinic
    reading = sms_read(body)
    if reading.kind == "opt_out":
        caregiver_number_opt_out(phone=phone, now=now, reason=f"the number texted {body.strip()[:20]!r}")
        return Purpose.OPT_OUT, texts.opted_out_text(language=lang, clinic=clinic.name)
    if reading.kind == "opt_in":
        caregivers_sms_opt_in(phone=phone, now=now)
        return Purpose.OPT_IN, texts.opted_in_text(language=lang, clinic=clinic.name)
    if reading.kind == "help":
        return Purpose.HELP, texts.help_text(language=lang, clinic=clinic.name, clinic_phone=clinic.phone)
    by_clinic: dict[int, list[int]] = {}
    for patient in sender.sharing:
        by_clinic.setdefault(patient.clinic_id, []).append(patient.pk)
    for clinic_id, patient_ids in by_clinic.items():
        # Each clinic's nurses read the names of their own patients' caregivers only.
        named = ", ".join(
            f"{c.name} ({c.relationship} of patient {c.patient_id})" for c in sender.caregivers if c.patient.clinic_id == clinic_id
        )
        patient_message_record(
            clinic_id=clinic_id, patient_id=None, text=f"{named}: {body}"[:2000] if named else body, channel=Channel.SMS, reason=MessageReason.SHARED_PHONE,
            received_at=now, candidates=patient_ids, source=str(inbound.pk) if len(by_clinic) == 1 else f"{inbound.pk}/{clinic_id}",
        )
    advice = red_flag_advice(reading.fields.get("symptoms"), language=lang, procedure=sender.sharing[0].procedure)
    return Purpose.HELP, texts.caregiver_shared_text(language=lang, clinic_phone=clinic.phone, advice=advice)


def _unread(*, patient, text: str, inbound: Message, now: datetime.datetime) -> None:
    patient_message_record(
        clinic_id=patient.clinic_id, patient_id=patient.pk, text=text, channel=Channel.SMS, reason=MessageReason.NOT_UNDERSTOOD,
        received_at=now, date=patient.local_today(now), source=str(inbound.pk),
    )

