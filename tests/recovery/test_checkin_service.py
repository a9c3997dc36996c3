"""checkin_submit: merging into the day's record, replaying a client_id, marking for judgement."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from recovery.models import CheckinSubmission, DailyRecord, EvaluationState
from recovery.services import checkin_submit


def test_it_merges_a_second_checkin_for_the_same_day(patient_a):
    day = patient_a.surgery_date + datetime.timedelta(days=3)
    first = checkin_submit(patient=patient_a, client_id=uuid.uuid4(), date=day, fields={"pain": 6, "symptoms": ["fever"]})
    second = checkin_submit(patient=patient_a, client_id=uuid.uuid4(), date=day, fields={"pain": 4, "walking_minutes": 20, "symptoms": ["wound_drainage"]})
    assert (first.status, first.http_status) == ("created", 201)
    assert (second.status, second.http_status) == ("merged", 200)
    record = DailyRecord.objects.get(patient=patient_a, date=day)
    assert record.pain == 4
    assert record.walking_minutes == 20
    assert record.symptoms == ["fever", "wound_drainage"]
    assert CheckinSubmission.objects.filter(patient=patient_a).count() == 2
    assert EvaluationState.objects.get(patient=patient_a).needs_evaluation_since is not None


def test_a_replayed_client_id_changes_nothing_and_answers_as_the_first_time(patient_a):
    day = patient_a.surgery_date + datetime.timedelta(days=3)
    client_id = uuid.uuid4()
    first = checkin_submit(patient=patient_a, client_id=client_id, date=day, fields={"pain": 6})
    replay = checkin_submit(patient=patient_a, client_id=client_id, date=day, fields={"pain": 9})
    assert replay.status == "duplicate"
    assert replay.body == first.body
    assert DailyRecord.objects.get(patient=patient_a, date=day).pain == 6


def test_a_red_flag_answer_carries_advice_in_the_patients_language(make_patient):
    patient = make_patient(language="es")
    outcome = checkin_submit(patient=patient, client_id=uuid.uuid4(), date=patient.surgery_date, fields={"symptoms": ["chest_pain_breathless"]})
    assert "911" in outcome.body["advice"]
    assert "Llame" in outcome.body["advice"]


def test_it_refuses_a_date_before_surgery_or_after_the_patients_today(patient_a):
    with pytest.raises(ValidationError) as exc:
        checkin_submit(patient=patient_a, client_id=uuid.uuid4(), date=patient_a.surgery_date - datetime.timedelta(days=1), fields={"pain": 3})
    assert "date" in exc.value.message_dict
    with pytest.raises(ValidationError):
        checkin_submit(patient=patient_a, client_id=uuid.uuid4(), date=patient_a.local_today() + datetime.timedelta(days=1), fields={"pain": 3})
    assert not DailyRecord.objects.filter(patient=patient_a).exists()


@pytest.mark.parametrize("use_sql", [True, False])
def test_both_ways_of_merging_a_day_agree(make_patient, monkeypatch, use_sql):
    """PostgreSQL merges in one statement; other databases (SQLite for `make run`) through the ORM."""
    from recovery.services import checkins

    monkeypatch.setattr(checkins, "_use_sql", lambda: use_sql)
    patient = make_patient()
    day = patient.surgery_date + datetime.timedelta(days=2)
    first = checkin_submit(patient=patient, client_id=uuid.uuid4(), date=day,
                           fields={"pain": 7, "opioid_use": True, "symptoms": ["fever", "fever"], "milestones": ["first_walk"], "note": "sore"})
    second = checkin_submit(patient=patient, client_id=uuid.uuid4(), date=day,
                            fields={"pain": 5, "steps": 900, "symptoms": ["new_numbness", "fever"], "milestones": ["discharged"]}, channel="sync")
    assert (first.status, second.status) == ("created", "merged")
    record = DailyRecord.objects.get(patient=patient, date=day)
    assert (record.pain, record.steps, record.opioid_use, record.note, record.channel) == (5, 900, True, "sore", "sync")
    assert record.symptoms == ["fever", "new_numbness"]
    assert record.milestones == ["first_walk", "discharged"]
    assert second.body["symptoms"] == ["fever", "new_numbness"]
    assert second.body["id"] == first.body["id"] == record.pk
    assert list(CheckinSubmission.objects.filter(patient=patient).values_list("daily_record_id", flat=True)) == [record.pk] * 2
    assert EvaluationState.objects.get(patient=patient).needs_evaluation_since is not None


@pytest.mark.parametrize("use_sql", [True, False])
def test_both_ways_answer_a_replay_as_the_first_time_and_refuse_another_patients_client_id(make_patient, monkeypatch, use_sql):
    from recovery.services import checkins

    monkeypatch.setattr(checkins, "_use_sql", lambda: use_sql)
    patient, other = make_patient(), make_patient()
    client_id = uuid.uuid4()
    first = checkin_submit(patient=patient, client_id=client_id, date=patient.surgery_date, fields={"pain": 6})
    replay = checkin_submit(patient=patient, client_id=client_id, date=patient.surgery_date, fields={"pain": 1})
    assert (replay.status, replay.http_status, replay.body) == ("duplicate", 200, first.body)
    with pytest.raises(ValidationError) as exc:
        checkin_submit(patient=other, client_id=client_id, date=other.surgery_date, fields={"pain": 2})
    assert "client_id" in exc.value.message_dict
    assert DailyRecord.objects.get(patient=patient).pain == 6
    assert not DailyRecord.objects.filter(patient=other).exists()


def test_both_ways_answer_with_the_same_body(make_patient, monkeypatch):
    """The statement builds the answer in SQL; the ORM's way builds it with daily_record_body: the app
    must not tell them apart."""
    from recovery.services import checkins

    bodies = []
    for use_sql in (True, False):
        monkeypatch.setattr(checkins, "_use_sql", lambda use_sql=use_sql: use_sql)
        patient = make_patient(language="es")
        day = patient.surgery_date + datetime.timedelta(days=4)
        checkin_submit(patient=patient, client_id=uuid.uuid4(), date=day, fields={"pain": 7, "note": "dolor", "milestones": ["first_walk"]})
        outcome = checkin_submit(patient=patient, client_id=uuid.uuid4(), date=day,
                                 fields={"walking_minutes": 15, "opioid_use": True, "symptoms": ["fever", "new_numbness"]})
        body = dict(outcome.body)
        assert body.pop("id") == DailyRecord.objects.get(patient=patient, date=day).pk
        assert datetime.datetime.fromisoformat(body.pop("updated_at"))
        bodies.append(body)
    assert bodies[0] == bodies[1]
    assert bodies[0]["recovery_day"] == 4 and bodies[0]["steps"] is None and bodies[0]["note"] == "dolor"
    assert "advice" in bodies[0]


# Each case: the check-ins of one day, in order (fields, channel). Both ways must leave the same rows.
MERGE_CASES = {
    "one check-in": [({"pain": 4, "walking_minutes": 10}, "app")],
    "later values replace, lists accumulate": [
        ({"pain": 7, "opioid_use": True, "symptoms": ["fever"], "milestones": ["first_walk"]}, "app"),
        ({"pain": 5, "steps": 900, "symptoms": ["new_numbness", "fever"], "milestones": ["discharged"]}, "sync"),
    ],
    "notes accumulate, each kept": [
        ({"note": "I fell this morning and my leg feels weak"}, "sms"),
        ({"pain": 3, "note": "took my pain pills"}, "sms"),
        ({"note": "took my pain pills"}, "app"),
    ],
    "a value given as nothing leaves the day's": [({"pain": 6, "note": "sore"}, "app"), ({"walking_minutes": 20}, "app")],
}


@pytest.mark.parametrize("case", sorted(MERGE_CASES))
def test_both_ways_leave_the_same_rows_for_each_case(make_patient, monkeypatch, case):
    """The statement and the ORM are made from one field table: whole rows compared, timestamps are
    the `now` given, audit rows included."""
    from patients.audit import AuditSource
    from patients.models import AuditEvent
    from recovery.services import checkins

    rows = []
    # One start for both ways: taken inside the loop, a second turning between them made them differ.
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=1)
    for use_sql in (True, False):
        monkeypatch.setattr(checkins, "_use_sql", lambda use_sql=use_sql: use_sql)
        patient = make_patient()
        day = patient.surgery_date + datetime.timedelta(days=3)
        for n, (fields, channel) in enumerate(MERGE_CASES[case]):
            now = start + datetime.timedelta(minutes=n)
            checkin_submit(patient=patient, client_id=uuid.uuid4(), date=day, fields=fields, channel=channel,
                           now=now, audit=AuditSource.of(None, channel=channel))
        record = DailyRecord.objects.filter(patient=patient, date=day).values().get()
        assert record.pop("patient_id") == patient.pk
        record.pop("id")
        assert record["created_at"] == start
        assert record["updated_at"] == start + datetime.timedelta(minutes=len(MERGE_CASES[case]) - 1)
        submissions = list(CheckinSubmission.objects.filter(patient=patient).order_by("received_at")
                           .values_list("channel", "payload", "response_status", "received_at"))
        audit = list(AuditEvent.objects.filter(patient=patient, resource="checkins").order_by("at", "id")
                     .values_list("action", "detail", "channel", "at"))
        rows.append((record, submissions, audit))
    assert rows[0] == rows[1]
    if case == "notes accumulate, each kept":
        assert rows[0][0]["note"] == "I fell this morning and my leg feels weak\ntook my pain pills"
        assert [payload.get("note") for _, payload, _, _ in rows[0][1]] == [
            "I fell this morning and my leg feels weak", "took my pain pills", "took my pain pills"]


def _case_rows(case: str, start: datetime.datetime) -> dict:
    """Submit MERGE_CASES[case] for a new patient and return its rows as plain JSON values (also run,
    as this same code, in the SQLite child below)."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    from patients.audit import AuditSource
    from patients.models import AuditEvent, Clinic
    from patients.services import patient_create

    clinic, _ = Clinic.objects.get_or_create(name="Clinic M")
    patient, _ = patient_create(clinic=clinic, first_name="M", last_name=case[:20], phone=f"+1555098{len(case):04d}",
                                procedure="mis_lumbar_fusion", surgery_date=start.date() - datetime.timedelta(days=10))
    day = patient.surgery_date + datetime.timedelta(days=3)
    for n, (fields, channel) in enumerate(MERGE_CASES[case]):
        checkin_submit(patient=patient, client_id=uuid.uuid4(), date=day, fields=fields, channel=channel,
                       now=start + datetime.timedelta(minutes=n), audit=AuditSource.of(None, channel=channel))
    record = DailyRecord.objects.filter(patient=patient, date=day).values().get()
    record.pop("id"), record.pop("patient_id")
    submissions = list(CheckinSubmission.objects.filter(patient=patient).order_by("received_at")
                       .values_list("channel", "payload", "response_status", "received_at"))
    audit = list(AuditEvent.objects.filter(patient=patient, resource="checkins").order_by("at", "id").values_list("action", "detail", "channel", "at"))
    return json.loads(json.dumps({"record": record, "submissions": submissions, "audit": audit}, cls=DjangoJSONEncoder))


def test_the_orm_way_on_sqlite_leaves_the_rows_the_statement_leaves_on_postgresql(db, tmp_path):
    """`make run` is SQLite: the same cases in a child process on a real SQLite database, whole rows
    (timestamps, submissions, audit rows) compared with PostgreSQL's."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    start = (timezone.now() - datetime.timedelta(hours=2)).replace(microsecond=0)
    on_postgresql = {case: _case_rows(case, start) for case in sorted(MERGE_CASES)}
    script = (
        "import datetime, json\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from tests.recovery.test_checkin_service import MERGE_CASES, _case_rows\n"
        f"start = datetime.datetime.fromisoformat({start.isoformat()!r})\n"
        "print('ROWS' + json.dumps({case: _case_rows(case, start) for case in sorted(MERGE_CASES)}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"})
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=root, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    on_sqlite = json.loads(result.stdout.split("ROWS", 1)[1])
    assert on_sqlite == on_postgresql
    assert on_sqlite["notes accumulate, each kept"]["record"]["note"] == "I fell this morning and my leg feels weak\ntook my pain pills"
