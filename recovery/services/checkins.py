"""Check-ins: each submission kept as it came and merged into the day's record."""

import datetime
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from patients.models import Patient
from recovery.choices import Channel
from recovery.models import CheckinSubmission, DailyRecord, EvaluationState
from recovery.queueing import queue_on_commit
from recovery.red_flags import red_flag_advice

# What a check-in may carry; scalar ones replace earlier values of the day, list ones accumulate.
SCALAR_FIELDS = ("pain", "walking_minutes", "steps", "opioid_use", "note")
LIST_FIELDS = ("symptoms", "milestones")
CHECKIN_FIELDS = SCALAR_FIELDS + LIST_FIELDS


@dataclass(frozen=True)
class CheckinOutcome:
    """The answer to one check-in: `created`, `merged` or `duplicate` (a replayed client_id)."""

    status: str
    http_status: int
    body: dict
    record: DailyRecord | None


def daily_record_body(record: DailyRecord, *, advice: str | None = None) -> dict:
    """The day's record as the API answers it (also stored, to answer a replay the same way)."""
    body = {
        "id": record.pk,
        "date": record.date.isoformat(),
        "recovery_day": (record.date - record.patient.surgery_date).days,
        "pain": record.pain,
        "walking_minutes": record.walking_minutes,
        "steps": record.steps,
        "opioid_use": record.opioid_use,
        "symptoms": list(record.symptoms),
        "milestones": list(record.milestones),
        "note": record.note,
        "channel": record.channel,
        "updated_at": record.updated_at.isoformat(),
    }
    if advice:
        body["advice"] = advice
    return body


def _merge(record: DailyRecord, fields: dict) -> None:
    for name in SCALAR_FIELDS:
        if name in fields and fields[name] is not None:
            setattr(record, name, fields[name])
    for name in LIST_FIELDS:
        if fields.get(name):
            merged = list(getattr(record, name) or [])
            merged.extend(code for code in fields[name] if code not in merged)
            setattr(record, name, merged)


def checkin_date_check(*, patient: Patient, date: datetime.date, now: datetime.datetime | None = None) -> None:
    """A check-in describes a patient-local day from surgery to today (in the patient's time zone)."""
    if date < patient.surgery_date:
        raise ValidationError({"date": [f"The date is before the surgery date ({patient.surgery_date.isoformat()})."]})
    today = patient.local_today(now)
    if date > today:
        raise ValidationError({"date": [f"The date is after today in the patient's time zone ({today.isoformat()})."]})


def _replay(*, patient: Patient, client_id: uuid.UUID) -> CheckinOutcome | None:
    """The first answer to this client_id, or None when no submission carries it."""
    first = CheckinSubmission.objects.filter(client_id=client_id).only("patient_id", "response_body").first()
    if first is None:
        return None
    if first.patient_id != patient.pk:
        # Another patient's client_id: say nothing about it.
        raise ValidationError({"client_id": ["This client_id has already been used."]})
    return CheckinOutcome(status="duplicate", http_status=200, body=first.response_body, record=None)


def evaluation_mark(*, patient_id: int, now: datetime.datetime) -> None:
    """Record, in the caller's transaction, that this patient's data changed and needs judging."""
    EvaluationState.objects.bulk_create(
        [EvaluationState(patient_id=patient_id, needs_evaluation_since=now)],
        update_conflicts=True,
        unique_fields=["patient"],
        update_fields=["needs_evaluation_since", "updated_at"],
    )


def checkin_fields_clean(fields: dict) -> dict:
    """The check-in's values: known fields only, lists without repeats (first mention first)."""
    values = {name: fields[name] for name in CHECKIN_FIELDS if name in fields and fields[name] is not None}
    for name in LIST_FIELDS:
        if name in values:
            values[name] = list(dict.fromkeys(values[name]))
    return values


def _merge_into_day(*, patient: Patient, date: datetime.date, values: dict, channel: str) -> tuple[DailyRecord, bool]:
    """Lock the day's record and merge into it, or create it. IntegrityError when another check-in
    created the same day meanwhile (the caller retries, and then finds it)."""
    record = DailyRecord.objects.select_for_update().filter(patient=patient, date=date).first()
    created = record is None
    if created:
        record = DailyRecord(patient=patient, date=date)
    _merge(record, values)
    record.channel = channel
    record.save()
    return record, created


def checkin_submit(
    *,
    patient: Patient,
    client_id: uuid.UUID,
    date: datetime.date,
    fields: dict,
    channel: str = Channel.APP,
    now: datetime.datetime | None = None,
) -> CheckinOutcome:
    """Store a check-in as it came, merge it into the day's record, and hand the patient to judgement.

    In one transaction, whose first write takes the lock that a concurrent twin waits on:
    1. Lock the day's record (unique patient and date) and merge: given scalar fields replace earlier
       ones, symptoms and milestones accumulate; or create the day's record.
    2. Insert the raw submission with the answer it gets. Its client_id is unique: a replay (even a
       concurrent one, which waits for the first to commit) fails here, the whole transaction rolls
       back, and the first submission's stored answer is returned instead: nothing changes.
    3. Mark the patient as needing judgement, and queue the evaluation once the transaction commits.
    Two different check-ins creating the same day at once: the loser's insert of the day fails, and
    it tries once more, now merging into the winner's record.

    Queries (no replay): SELECT the day FOR UPDATE; INSERT or UPDATE the day; INSERT the submission;
    upsert the evaluation mark. Inside a caller's transaction, a SAVEPOINT and its RELEASE besides.
    """
    from recovery.tasks import evaluate_patient_task  # tasks import services; import here to avoid a cycle

    now = now or timezone.now()
    checkin_date_check(patient=patient, date=date, now=now)
    values = checkin_fields_clean(fields)
    payload = {"date": date.isoformat(), **values}

    for attempt in range(3):
        try:
            with transaction.atomic():
                record, created = _merge_into_day(patient=patient, date=date, values=values, channel=channel)
                record.patient = patient
                advice = red_flag_advice(values.get("symptoms"), language=patient.language, procedure=patient.procedure)
                body = daily_record_body(record, advice=advice)
                http_status = 201 if created else 200
                CheckinSubmission.objects.create(
                    client_id=client_id,
                    patient=patient,
                    daily_record=record,
                    date=date,
                    channel=channel,
                    payload=payload,
                    response_status=http_status,
                    response_body=body,
                )
                evaluation_mark(patient_id=patient.pk, now=now)
                queue_on_commit(evaluate_patient_task, patient.pk)
        except IntegrityError:
            replay = _replay(patient=patient, client_id=client_id)
            if replay is not None:
                return replay
            if attempt == 2:
                raise
            continue
        return CheckinOutcome(status="created" if created else "merged", http_status=http_status, body=body, record=record)
    raise AssertionError("unreachable")  # pragma: no cover
