"""Check-ins: each submission kept as it came and merged into the day's record."""

import datetime
import json
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
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
    """The first answer to this client_id; None when the client_id is another patient's."""
    first = CheckinSubmission.objects.filter(client_id=client_id).only("patient_id", "response_body").get()
    if first.patient_id != patient.pk:
        return None
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
    record = DailyRecord.objects.select_for_update().filter(patient=patient, date=date).order_by().first()
    created = record is None
    if created:
        record = DailyRecord(patient=patient, date=date)
    _merge(record, values)
    record.channel = channel
    record.save()
    return record, created


def _store_submission(*, patient: Patient, client_id: uuid.UUID, record: DailyRecord, date: datetime.date, channel: str,
                      payload: dict, http_status: int, body: dict, now: datetime.datetime) -> None:
    CheckinSubmission.objects.create(
        client_id=client_id, patient=patient, daily_record=record, date=date, channel=channel, payload=payload,
        response_status=http_status, response_body=body,
    )
    evaluation_mark(patient_id=patient.pk, now=now)


# PostgreSQL: the same merge as _merge() in one statement, so the day is created or locked and merged
# in a single round trip (the check-in is the service's hottest path). Given values replace earlier
# ones (NULL: not given); new symptoms and milestones are appended in the order sent, without repeats.
_UPSERT_DAY_SQL = """
INSERT INTO recovery_dailyrecord AS day
    (patient_id, date, pain, walking_minutes, steps, opioid_use, symptoms, milestones, note, channel, created_at, updated_at)
VALUES (%(patient)s, %(date)s, %(pain)s, %(walking_minutes)s, %(steps)s, %(opioid_use)s,
        %(symptoms)s::jsonb, %(milestones)s::jsonb, COALESCE(%(note)s, ''), %(channel)s, %(now)s, %(now)s)
ON CONFLICT (patient_id, date) DO UPDATE SET
    pain = COALESCE(%(pain)s, day.pain),
    walking_minutes = COALESCE(%(walking_minutes)s, day.walking_minutes),
    steps = COALESCE(%(steps)s, day.steps),
    opioid_use = COALESCE(%(opioid_use)s, day.opioid_use),
    note = COALESCE(%(note)s, day.note),
    symptoms = day.symptoms || (
        SELECT COALESCE(jsonb_agg(new.code ORDER BY new.n), '[]'::jsonb)
        FROM jsonb_array_elements(%(symptoms)s::jsonb) WITH ORDINALITY AS new(code, n)
        WHERE NOT day.symptoms @> jsonb_build_array(new.code)),
    milestones = day.milestones || (
        SELECT COALESCE(jsonb_agg(new.code ORDER BY new.n), '[]'::jsonb)
        FROM jsonb_array_elements(%(milestones)s::jsonb) WITH ORDINALITY AS new(code, n)
        WHERE NOT day.milestones @> jsonb_build_array(new.code)),
    channel = EXCLUDED.channel,
    updated_at = EXCLUDED.updated_at
RETURNING id, pain, walking_minutes, steps, opioid_use, symptoms, milestones, note, channel, created_at, updated_at,
          (xmax = 0) AS created
"""

# PostgreSQL: claim the client_id by inserting the raw submission first. A replay (or a concurrent
# twin, once the first commits) inserts nothing and returns no row; no error, so no savepoint needed.
_CLAIM_SUBMISSION_SQL = """
INSERT INTO recovery_checkinsubmission (client_id, patient_id, date, channel, payload, response_status, response_body, received_at)
VALUES (%(client_id)s, %(patient)s, %(date)s, %(channel)s, %(payload)s::jsonb, 0, '{}'::jsonb, %(now)s)
ON CONFLICT (client_id) DO NOTHING
RETURNING id
"""

# PostgreSQL: store the answer on the submission and mark the patient for judgement, in one statement.
_ANSWER_SUBMISSION_SQL = """
WITH submission AS (
    UPDATE recovery_checkinsubmission
    SET daily_record_id = %(record)s, response_status = %(status)s, response_body = %(body)s::jsonb
    WHERE id = %(submission)s
    RETURNING patient_id
)
INSERT INTO recovery_evaluationstate AS mark (patient_id, needs_evaluation_since, updated_at)
SELECT patient_id, %(now)s, %(now)s FROM submission
ON CONFLICT (patient_id) DO UPDATE SET needs_evaluation_since = EXCLUDED.needs_evaluation_since,
                                      updated_at = EXCLUDED.updated_at
"""


def _merge_into_day_sql(*, patient: Patient, date: datetime.date, values: dict, channel: str,
                        now: datetime.datetime) -> tuple[DailyRecord, bool]:
    params = {
        "patient": patient.pk, "date": date, "channel": channel, "now": now,
        **{name: values.get(name) for name in SCALAR_FIELDS},
        **{name: json.dumps(values.get(name) or []) for name in LIST_FIELDS},
    }
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT_DAY_SQL, params)
        row = cursor.fetchone()
    (pk, pain, walking_minutes, steps, opioid_use, symptoms, milestones, note, row_channel, created_at, updated_at,
     created) = row
    record = DailyRecord(
        id=pk, patient=patient, date=date, pain=pain, walking_minutes=walking_minutes, steps=steps,
        opioid_use=opioid_use, symptoms=_json(symptoms), milestones=_json(milestones), note=note,
        channel=row_channel, created_at=created_at, updated_at=updated_at,
    )
    record._state.adding = False
    return record, created


def _json(value):
    # Django reads jsonb as text and leaves decoding to the field; a raw cursor gets that text.
    return json.loads(value) if isinstance(value, str | bytes) else value


def _use_sql() -> bool:
    return connection.vendor == "postgresql"


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

    In one transaction:
    1. Keep the raw submission; its client_id is unique, so a replay (even a concurrent one, which
       waits for the first to commit) changes nothing and gets the first submission's stored answer.
    2. Merge into the day's record (unique patient and date), or create it: given scalar fields replace
       earlier ones, symptoms and milestones accumulate.
    3. Store the answer on the submission, mark the patient as needing judgement, and queue the
       evaluation once the transaction commits.

    Queries on PostgreSQL: claim the client_id (INSERT ... ON CONFLICT DO NOTHING), upsert-and-merge the
    day, store the answer with the evaluation mark: three statements. Elsewhere (SQLite for `make run`)
    the ORM does the same in more.
    """
    now = now or timezone.now()
    checkin_date_check(patient=patient, date=date, now=now)
    values = checkin_fields_clean(fields)
    payload = {"date": date.isoformat(), **values}

    if _use_sql():
        outcome = _submit_sql(patient=patient, client_id=client_id, date=date, values=values, payload=payload, channel=channel, now=now)
    else:
        outcome = _submit_orm(patient=patient, client_id=client_id, date=date, values=values, payload=payload, channel=channel, now=now)
    if outcome is None:
        # Another patient's client_id: say nothing about it.
        raise ValidationError({"client_id": ["This client_id has already been used."]})
    return outcome


def _submit_sql(*, patient, client_id, date, values, payload, channel, now) -> CheckinOutcome | None:
    """PostgreSQL: claim the client_id, merge the day, store the answer with the mark: three statements,
    no savepoint (inside a caller's transaction it adds nothing; alone it is BEGIN ... COMMIT)."""
    from recovery.tasks import evaluate_patient_task  # tasks import services; import here to avoid a cycle

    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute(
                _CLAIM_SUBMISSION_SQL,
                {"client_id": client_id, "patient": patient.pk, "date": date, "channel": channel,
                 "payload": json.dumps(payload), "now": now},
            )
            claimed = cursor.fetchone()
        if claimed is None:
            return _replay(patient=patient, client_id=client_id)
        record, created = _merge_into_day_sql(patient=patient, date=date, values=values, channel=channel, now=now)
        record.patient = patient
        advice = red_flag_advice(values.get("symptoms"), language=patient.language, procedure=patient.procedure)
        body = daily_record_body(record, advice=advice)
        http_status = 201 if created else 200
        with connection.cursor() as cursor:
            cursor.execute(
                _ANSWER_SUBMISSION_SQL,
                {"record": record.pk, "status": http_status, "body": json.dumps(body), "submission": claimed[0], "now": now},
            )
        queue_on_commit(evaluate_patient_task, patient.pk)
    return CheckinOutcome(status="created" if created else "merged", http_status=http_status, body=body, record=record)


def _submit_orm(*, patient, client_id, date, values, payload, channel, now) -> CheckinOutcome | None:
    """Other databases (SQLite for `make run`), through the ORM. The submission goes in last: a
    replay fails on its unique client_id, the savepoint rolls the merge back, and the first answer is
    read. Two check-ins creating the same day at once: the loser's insert of the day fails, and it
    tries again, now merging into the winner's record."""
    from recovery.tasks import evaluate_patient_task  # tasks import services; import here to avoid a cycle

    for attempt in range(3):
        try:
            with transaction.atomic():
                record, created = _merge_into_day(patient=patient, date=date, values=values, channel=channel)
                record.patient = patient
                advice = red_flag_advice(values.get("symptoms"), language=patient.language, procedure=patient.procedure)
                body = daily_record_body(record, advice=advice)
                http_status = 201 if created else 200
                _store_submission(
                    patient=patient, client_id=client_id, record=record, date=date, channel=channel, payload=payload,
                    http_status=http_status, body=body, now=now,
                )
                queue_on_commit(evaluate_patient_task, patient.pk)
        except IntegrityError:
            if CheckinSubmission.objects.filter(client_id=client_id).exists():
                return _replay(patient=patient, client_id=client_id)
            if attempt == 2:
                raise
            continue
        return CheckinOutcome(status="created" if created else "merged", http_status=http_status, body=body, record=record)
