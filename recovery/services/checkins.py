"""Check-ins: each submission kept as it came and merged into the day's record."""

import datetime
import json
import uuid
from contextlib import nullcontext
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from patients.audit import Action, AuditSource, Resource, audit_insert_sql, audit_record
from patients.models import Patient
from recovery.choices import Channel, MessageReason
from recovery.models import CheckinSubmission, DailyRecord, EvaluationState
from recovery.queueing import judging_request_on_commit
from recovery.red_flags import red_flag_advice
from recovery.services.messages import patient_message_record
from recovery.services.red_flag_alerts import red_flag_alert_raise


class Merge:
    """How a field of a later check-in of the same day meets the day's value."""

    REPLACE = "replace"  # the later value stands (pain, walking, steps, opioid use)
    APPEND = "append"  # text: the later note is added on a line of its own (nothing a patient wrote is lost)
    UNION = "union"  # a list: new codes are added in the order sent, without repeats


# What a check-in may carry, each field declared once with its merge rule. The PostgreSQL statement
# and the ORM's merge are both made from this table.
CHECKIN_FIELD_RULES: dict[str, str] = {
    "pain": Merge.REPLACE,
    "walking_minutes": Merge.REPLACE,
    "steps": Merge.REPLACE,
    "opioid_use": Merge.REPLACE,
    "note": Merge.APPEND,
    "symptoms": Merge.UNION,
    "milestones": Merge.UNION,
}
CHECKIN_FIELDS = tuple(CHECKIN_FIELD_RULES)
SCALAR_FIELDS = tuple(name for name, rule in CHECKIN_FIELD_RULES.items() if rule != Merge.UNION)
LIST_FIELDS = tuple(name for name, rule in CHECKIN_FIELD_RULES.items() if rule == Merge.UNION)


@dataclass(frozen=True)
class CheckinOutcome:
    """The answer to one check-in: `created`, `merged` or `duplicate` (a replayed client_id)."""

    status: str
    http_status: int
    body: dict


def daily_record_body(record: DailyRecord, *, advice: str | None = None) -> dict:
    """The day's record as the API answers it (also stored, to answer a replay the same way)."""
    body = {
        "id": record.pk,
        "date": record.date.isoformat(),
        "recovery_day": (record.date - record.patient.surgery_date).days,
        **{name: list(getattr(record, name)) if rule == Merge.UNION else getattr(record, name) for name, rule in CHECKIN_FIELD_RULES.items()},
        "channel": record.channel,
        "updated_at": record.updated_at.isoformat(),
    }
    if advice:
        body["advice"] = advice
    return body


def append_note(earlier: str, note: str) -> str:
    """The day's note with a later note added on a line of its own (words already there, once)."""
    if not note or note in earlier.split("\n"):
        return earlier
    return f"{earlier}\n{note}" if earlier else note


def _merge(record: DailyRecord, fields: dict) -> None:
    """The ORM's merge, by CHECKIN_FIELD_RULES (the PostgreSQL statement does the same in SQL)."""
    for name, rule in CHECKIN_FIELD_RULES.items():
        value = fields.get(name)
        if value is None:
            continue
        if rule == Merge.REPLACE:
            setattr(record, name, value)
        elif rule == Merge.APPEND:
            record.note = append_note(record.note or "", value)
        elif value:
            merged = list(getattr(record, name) or [])
            merged.extend(code for code in value if code not in merged)
            setattr(record, name, merged)


def checkin_date_check(*, patient: Patient, date: datetime.date, now: datetime.datetime | None = None) -> None:
    """A check-in describes a patient-local day from surgery to today (in the patient's time zone)."""
    if date < patient.surgery_date:
        raise ValidationError({"date": [f"The date is before the surgery date ({patient.surgery_date.isoformat()})."]})
    today = patient.local_today(now)
    if date > today:
        raise ValidationError({"date": [f"The date is after today in the patient's time zone ({today.isoformat()})."]})


def _replay(*, patient: Patient, client_id: uuid.UUID, audit=None, date: datetime.date) -> CheckinOutcome | None:
    """The first answer to this client_id; None when the client_id is another patient's."""
    first = CheckinSubmission.objects.filter(client_id=client_id).only("patient_id", "response_body").get()
    if first.patient_id != patient.pk:
        return None
    outcome = CheckinOutcome(status="duplicate", http_status=200, body=first.response_body)
    _audit(audit=audit, patient=patient, outcome=outcome, date=date)
    return outcome


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


def _merge_into_day(*, patient: Patient, date: datetime.date, values: dict, channel: str, now: datetime.datetime) -> tuple[DailyRecord, bool]:
    """Lock the day's record and merge into it, or create it. IntegrityError when another check-in
    created the same day meanwhile (the caller retries, and then finds it)."""
    record = DailyRecord.objects.select_for_update().filter(patient=patient, date=date).order_by().first()
    created = record is None
    if created:
        record = DailyRecord(patient=patient, date=date, created_at=now)
    _merge(record, values)
    record.channel = channel
    record.updated_at = now
    record.save()
    return record, created


def _store_submission(*, patient: Patient, client_id: uuid.UUID, record: DailyRecord, date: datetime.date, channel: str,
                      payload: dict, http_status: int, body: dict, now: datetime.datetime) -> None:
    CheckinSubmission.objects.create(
        client_id=client_id, patient=patient, daily_record=record, date=date, channel=channel, payload=payload,
        response_status=http_status, response_body=body, received_at=now,
    )
    evaluation_mark(patient_id=patient.pk, now=now)


# PostgreSQL: the whole check-in in one statement, so that it costs one round trip and commits on
# its own (the check-in is the service's hottest path). Reading it top down:
#   seen        the client_id's earlier submission, if any (a replay, or another patient's id);
#   day         unless seen: create the day's record or merge into it, as _merge() does (given values
#               replace earlier ones, NULL meaning not given; new symptoms and milestones are appended
#               in the order sent, without repeats);
#   answer      the answer, built from the merged day (date, recovery day and time come as parameters,
#               formatted as daily_record_body() formats them);
#   submission  the raw submission with its answer, for audit and for replays. It has no ON CONFLICT:
#               a concurrent twin of the same client_id that committed first makes it fail, and the
#               failure undoes the whole statement, the merge included; the caller then reads the
#               twin's answer;
#   mark        the patient needs judging (evaluation_mark());
#   audit       when the caller gave an audit source: who did it and what came of it.
# The result is one row: ("answered", status, body), ("replayed", status, body) for this patient's
# own client_id, or ("taken", ...) for another patient's.
def _sql_insert_value(name: str, rule: str) -> str:
    if rule == Merge.UNION:
        return f"%({name})s::jsonb"
    if rule == Merge.APPEND:
        return f"COALESCE(%({name})s, '')"
    return f"%({name})s"


def _sql_merge(name: str, rule: str) -> str:
    """The ON CONFLICT assignment of one field, as _merge() merges it (NULL meaning not given)."""
    if rule == Merge.REPLACE:
        return f"{name} = COALESCE(%({name})s, day.{name})"
    if rule == Merge.APPEND:
        # append_note(): the later note on a line of its own; words already there, once.
        given = f"%({name})s::text"
        return (
            f"{name} = CASE WHEN {given} IS NULL OR {given} = '' OR {given} = ANY(string_to_array(day.{name}, E'\\n')) THEN day.{name} "
            f"WHEN day.{name} = '' THEN {given} ELSE day.{name} || E'\\n' || {given} END"
        )
    return (
        f"{name} = day.{name} || (\n"
        f"            SELECT COALESCE(jsonb_agg(new.code ORDER BY new.n), '[]'::jsonb)\n"
        f"            FROM jsonb_array_elements(%({name})s::jsonb) WITH ORDINALITY AS new(code, n)\n"
        f"            WHERE NOT day.{name} @> jsonb_build_array(new.code))"
    )


_FIELD_LIST = ", ".join(CHECKIN_FIELDS)
_CHECKIN_SQL = (
    """
WITH seen AS (
    SELECT patient_id, response_status, response_body
    FROM recovery_checkinsubmission WHERE client_id = %(client_id)s
),
day AS (
    INSERT INTO recovery_dailyrecord AS day
        (patient_id, date, """
    + _FIELD_LIST
    + """, channel, created_at, updated_at)
    SELECT %(patient)s, %(date)s, """
    + ", ".join(_sql_insert_value(name, rule) for name, rule in CHECKIN_FIELD_RULES.items())
    + """, %(channel)s, %(now)s, %(now)s
    WHERE NOT EXISTS (SELECT 1 FROM seen)
    ON CONFLICT (patient_id, date) DO UPDATE SET
        """
    + ",\n        ".join(_sql_merge(name, rule) for name, rule in CHECKIN_FIELD_RULES.items())
    + """,
        channel = EXCLUDED.channel,
        updated_at = EXCLUDED.updated_at
    RETURNING id, """
    + _FIELD_LIST
    + """, channel, (xmax = 0) AS created
),
answer AS (
    SELECT id, CASE WHEN created THEN 201 ELSE 200 END AS status,
           jsonb_build_object(
               'id', id, 'date', %(date_text)s::text, 'recovery_day', %(recovery_day)s::int, """
    + ", ".join(f"'{name}', {name}" for name in CHECKIN_FIELDS)
    + """, 'channel', channel,
               'updated_at', %(now_text)s::text
           ) || %(extra)s::jsonb AS body
    FROM day
),
submission AS (
    INSERT INTO recovery_checkinsubmission
        (client_id, patient_id, daily_record_id, date, channel, payload, response_status, response_body, received_at)
    SELECT %(client_id)s, %(patient)s, id, %(date)s, %(channel)s, %(payload)s::jsonb, status, body, %(now)s
    FROM answer
),
mark AS (
    INSERT INTO recovery_evaluationstate AS mark (patient_id, needs_evaluation_since, updated_at)
    SELECT %(patient)s, %(now)s, %(now)s FROM answer
    ON CONFLICT (patient_id) DO UPDATE SET needs_evaluation_since = EXCLUDED.needs_evaluation_since,
                                          updated_at = EXCLUDED.updated_at
){audit}
SELECT 'answered', status, body FROM answer
UNION ALL
SELECT CASE WHEN patient_id = %(patient)s THEN 'replayed' ELSE 'taken' END, response_status, response_body FROM seen
"""
)

# The audit row, in the same statement (one round trip instead of two), through the audit helper's
# INSERT: the same row as _audit() writes on the ORM's way.
_AUDIT_SQL = f""",
audit AS (
    {audit_insert_sql()}
    SELECT %(now)s, %(audit_actor)s, %(audit_label)s, %(patient)s,
           CASE WHEN outcome = 'created' THEN '{Action.CREATE}' ELSE '{Action.UPDATE}' END, '{Resource.CHECKINS}',
           outcome || ' ' || %(date_text)s::text, %(audit_channel)s, %(audit_ip)s::inet
    FROM (SELECT CASE WHEN status = 201 THEN 'created' ELSE 'merged' END AS outcome FROM answer
          UNION ALL SELECT 'duplicate' FROM seen WHERE patient_id = %(patient)s) AS done
)"""

_CHECKIN_SQL_AUDITED = _CHECKIN_SQL.replace("{audit}", _AUDIT_SQL)
_CHECKIN_SQL = _CHECKIN_SQL.replace("{audit}", "")


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
    audit: AuditSource | None = None,
    note_reason: str = MessageReason.NOTE,
    note_source: str = "",
) -> CheckinOutcome:
    """Store a check-in as it came, merge it into the day's record, and hand the patient to judgement.

    All of it commits together, or none of it:
    1. Keep the raw submission; its client_id is unique, so a replay (even a concurrent one, which
       waits for the first to commit) changes nothing and gets the first submission's stored answer.
    2. Merge into the day's record (unique patient and date), or create it: given scalar fields replace
       earlier ones, symptoms and milestones accumulate.
    3. Store the answer on the submission, mark the patient as needing judgement, and write the audit
       row when `audit` names who is checking in.
    4. A red flag opens (or adds to) the red-flag alert in the same transaction, with the page it owes
       (red_flag_alert_raise): the alert exists before the answer is sent, with no worker involved.
    5. A note (the patient's own words) waits for a nurse as an unread message, with its time and
       channel (`note_reason`: the SMS path says `not_understood` for a reply it could not fully read).
    6. Once committed, ask for a judging batch (at most one published per JUDGE_INTERVAL), which
       judges the rest of the evidence of every patient marked meanwhile.

    On PostgreSQL it is one statement (_CHECKIN_SQL): one round trip, its own transaction when the
    caller has none, a savepoint inside the caller's. Elsewhere (SQLite for `make run`) the ORM does
    the same in a transaction of several queries.
    """
    now = now or timezone.now()
    checkin_date_check(patient=patient, date=date, now=now)
    values = checkin_fields_clean(fields)
    payload = {"date": date.isoformat(), **values}
    advice = red_flag_advice(values.get("symptoms"), language=patient.language, procedure=patient.procedure)

    submit = _submit_sql if _use_sql() else _submit_orm
    # A red flag and a note are written in the check-in's own transaction; without them the statement
    # commits alone.
    note = values.get("note")
    with transaction.atomic() if (advice or note) else nullcontext():
        outcome = submit(patient=patient, client_id=client_id, date=date, values=values, payload=payload, channel=channel,
                         now=now, advice=advice, audit=audit)
        if outcome is not None and outcome.status != "duplicate":
            if advice:
                red_flag_alert_raise(patient=patient, date=date, day_symptoms=list(outcome.body.get("symptoms") or ()), now=now)
            if note:
                patient_message_record(clinic_id=patient.clinic_id, patient_id=patient.pk, text=note, channel=channel,
                                       reason=note_reason, received_at=now, date=date, source=note_source or str(client_id))
    if outcome is None:
        # Another patient's client_id: say nothing about it.
        raise ValidationError({"client_id": ["This client_id has already been used."]})
    if outcome.status != "duplicate":
        # The rest of the evidence (pain, opioids) is judged in batches, within seconds.
        judging_request_on_commit()
    return outcome


def _outcome(kind: str, status: int, body) -> CheckinOutcome:
    if kind == "replayed":
        return CheckinOutcome(status="duplicate", http_status=200, body=_json(body))
    return CheckinOutcome(status="created" if status == 201 else "merged", http_status=status, body=_json(body))


def _submit_sql(*, patient, client_id, date, values, payload, channel, now, advice, audit) -> CheckinOutcome | None:
    params = {
        "client_id": client_id, "patient": patient.pk, "date": date, "channel": channel, "now": now,
        "payload": json.dumps(payload), "date_text": date.isoformat(), "now_text": now.isoformat(),
        "recovery_day": (date - patient.surgery_date).days,
        "extra": json.dumps({"advice": advice} if advice else {}),
        **{name: values.get(name) if rule != Merge.UNION else json.dumps(values.get(name) or [])
           for name, rule in CHECKIN_FIELD_RULES.items()},
    }
    if audit is not None:
        params.update(audit_actor=audit.actor_id, audit_label=audit.actor_label, audit_channel=audit.channel,
                      audit_ip=audit.ip_address)
    sql = _CHECKIN_SQL if audit is None else _CHECKIN_SQL_AUDITED
    try:
        # Inside a caller's transaction the statement needs a savepoint, so that losing a race undoes it
        # alone; without one it is a transaction by itself.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                kind, status, body = cursor.fetchone()
    except IntegrityError:
        # A twin of this client_id committed first (see _CHECKIN_SQL): answer as it was answered.
        if not CheckinSubmission.objects.filter(client_id=client_id).exists():
            raise
        return _replay(patient=patient, client_id=client_id, audit=audit, date=date)
    if kind == "taken":
        return None
    return _outcome(kind, status, body)


def _submit_orm(*, patient, client_id, date, values, payload, channel, now, advice, audit) -> CheckinOutcome | None:
    """Other databases (SQLite for `make run`), through the ORM. The submission goes in last: a
    replay fails on its unique client_id, the savepoint rolls the merge back, and the first answer is
    read. Two check-ins creating the same day at once: the loser's insert of the day fails, and it
    tries again, now merging into the winner's record."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                record, created = _merge_into_day(patient=patient, date=date, values=values, channel=channel, now=now)
                record.patient = patient
                body = daily_record_body(record, advice=advice)
                http_status = 201 if created else 200
                _store_submission(
                    patient=patient, client_id=client_id, record=record, date=date, channel=channel, payload=payload,
                    http_status=http_status, body=body, now=now,
                )
                outcome = CheckinOutcome(status="created" if created else "merged", http_status=http_status, body=body)
                _audit(audit=audit, patient=patient, outcome=outcome, date=date, now=now)
        except IntegrityError:
            if CheckinSubmission.objects.filter(client_id=client_id).exists():
                return _replay(patient=patient, client_id=client_id, audit=audit, date=date)
            if attempt == 2:
                raise
            continue
        return outcome
    return None  # not reached: the last attempt returns or raises


def _audit(*, audit: AuditSource | None, patient: Patient, outcome: CheckinOutcome, date: datetime.date,
           now: datetime.datetime | None = None) -> None:
    """The audit row _AUDIT_SQL writes, for the ORM's way."""
    if audit is None:
        return
    audit_record(
        actor=None, patient=patient, action=Action.CREATE if outcome.status == "created" else Action.UPDATE, resource=Resource.CHECKINS,
        detail=f"{outcome.status} {date.isoformat()}", source=audit, at=now,
    )
