"""Reads of the notifications layer: who is due a reminder, who a text comes from, which pages are owed."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Exists, F, OuterRef, Q

from caregivers.models import Caregiver
from caregivers.selectors import caregivers_with_phone
from notifications.models import Message
from notifications.schedule import ReminderWindow, reminder_window
from patients.choices import Procedure
from patients.models import Patient
from recovery.models import DailyRecord, RecoveryProtocol

# Monitoring lasts this many days after surgery where a procedure has no protocol row.
DEFAULT_PROGRAM_DAYS = 90


@dataclass(frozen=True)
class DueReminder:
    patient_id: int
    phone: str
    language: str
    clinic_name: str
    local_date: datetime.date
    window: ReminderWindow
    # The patient's time zone: the reminder's check-in link expires at the end of the next local day.
    timezone: str = "UTC"


def _program_filter(local_date: datetime.date, program_days: dict[str, int]) -> Q:
    """Patients whose program still runs on local_date: day 0 (surgery) to day `program_days`."""
    condition = Q()
    for procedure in Procedure.values:
        days = program_days.get(procedure, DEFAULT_PROGRAM_DAYS)
        condition |= Q(procedure=procedure, surgery_date__gte=local_date - datetime.timedelta(days=days))
    return condition


def reminders_due(*, now: datetime.datetime, chunk_size: int = 2000) -> Iterator[DueReminder]:
    """Every patient owed a reminder at `now`: opted in, number valid, in the program, no check-in and
    no reminder yet for the local date, and inside the local reminder window (never in quiet hours).

    Set-based: one query for the program lengths, one for the time zones in use, then one per time
    zone (streamed in chunks); the database does the filtering, Python only the window arithmetic,
    which depends on each clinic's quiet hours. Fetched rows are a superset: the reminder time has
    passed, or it lies in the evening quiet hours (moved to before them).
    """
    program_days = dict(RecoveryProtocol.objects.values_list("procedure", "program_days"))
    reachable = Patient.objects.filter(sms_opt_in=True, phone_invalid_at__isnull=True, monitoring_ended_at__isnull=True)
    zones = sorted(set(reachable.values_list("timezone", flat=True).distinct().order_by()))
    for zone in zones:
        tz = ZoneInfo(zone)
        local_now = now.astimezone(tz)
        local_date, local_time = local_now.date(), local_now.time()
        rows = (
            reachable.filter(timezone=zone, surgery_date__lte=local_date)
            .filter(_program_filter(local_date, program_days))
            .filter(Q(reminder_time__lte=local_time) | Q(reminder_time__gte=F("clinic__quiet_hours_start")))
            .exclude(Exists(DailyRecord.objects.filter(patient=OuterRef("pk"), date=local_date)))
            .exclude(
                Exists(Message.objects.filter(patient=OuterRef("pk"), purpose=Message.Purpose.REMINDER, local_date=local_date))
            )
            .order_by()
            .values_list(
                "id", "phone", "language", "reminder_time", "clinic__name", "clinic__quiet_hours_start", "clinic__quiet_hours_end"
            )
        )
        for patient_id, phone, language, reminder_time, clinic_name, quiet_start, quiet_end in rows.iterator(chunk_size=chunk_size):
            window = reminder_window(
                local_date=local_date, reminder_time=reminder_time, quiet_start=quiet_start, quiet_end=quiet_end, tz=tz
            )
            if window is not None and window.opens <= now < window.closes:
                yield DueReminder(patient_id, phone, language, clinic_name, local_date, window, zone)


@dataclass(frozen=True)
class SmsSender:
    """Who a text comes from: one patient, or one caregiver answering for one patient, or several
    people this phone belongs to (never silently given to one of them), or nobody we know."""

    patient: Patient | None
    # Every patient the text may be about when several are (the candidates the nurses are shown).
    sharing: tuple[Patient, ...] = ()
    # The caregiver texting for `patient`.
    caregiver: Caregiver | None = None
    # The caregivers among several holders of the phone (with `sharing`, patient None).
    caregivers: tuple[Caregiver, ...] = ()


def sms_sender(*, phone: str) -> SmsSender:
    """The patient (or the caregiver) a text comes from, in two queries.

    1. One patient still monitored holds the number, and no caregiver of another patient does: that
       patient (a caregiver recorded with the patient's own phone changes nothing).
    2. No patient still monitored holds it and one caregiver of a monitored patient does: that
       caregiver, answering for that patient.
    3. Several do (a family phone, a caregiver of two patients, a caregiver who is a patient too):
       nobody is picked; the text waits for the nurses of each clinic involved, with that clinic's
       candidates named.
    4. Nobody monitored holds it: the most recently enrolled of those whose program has ended.
    """
    holders = list(
        Patient.objects.filter(phone=phone)
        .select_related("clinic")
        .order_by(F("monitoring_ended_at").desc(nulls_first=True), "-created_at", "-id")
    )
    active = tuple(p for p in holders if p.monitoring_ended_at is None)
    caregivers = tuple(c for c in caregivers_with_phone(phone=phone) if c.patient_id not in {p.pk for p in active})
    if caregivers:
        if not active and len(caregivers) == 1:
            return SmsSender(patient=caregivers[0].patient, caregiver=caregivers[0])
        candidates = {p.pk: p for p in active}
        for caregiver in caregivers:
            candidates.setdefault(caregiver.patient_id, caregiver.patient)
        return SmsSender(patient=None, sharing=tuple(candidates.values()), caregivers=caregivers)
    if len(active) > 1:
        return SmsSender(patient=None, sharing=active)
    return SmsSender(patient=holders[0] if holders else None)


def patient_messages(*, patient_id: int, limit: int = 100) -> list[Message]:
    """A patient's SMS history, newest first: reminders, invitations, their texts and our answers."""
    return list(Message.objects.filter(patient_id=patient_id).exclude(purpose=Message.Purpose.PAGE).order_by("-created_at", "-id")[:limit])
