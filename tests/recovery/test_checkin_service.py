"""checkin_submit: merging into the day's record, replaying a client_id, marking for judgement."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError

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
