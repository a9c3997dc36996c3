"""POST/GET /api/v1/checkins/: validation per field, dates in the patient's own time zone, merging,
replays, advice in the patient's language, isolation between patients, and the query count."""

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine

from patients.models import AuditEvent
from recovery.models import CheckinSubmission, DailyRecord, EvaluationState

URL = "/api/v1/checkins/"


def checkin(patient, **fields):
    body = {"client_id": str(uuid.uuid4()), "date": patient.local_today().isoformat()}
    body.update(fields)
    return body


def test_the_days_first_checkin_is_created_and_a_second_merges_into_it(patient_client_a, patient_a):
    first = patient_client_a.post(URL, checkin(patient_a, pain=6, symptoms=["fever"], milestones=["first_walk"]), format="json")
    assert first.status_code == 201, first.content
    assert first.json()["pain"] == 6
    assert first.json()["recovery_day"] == 10
    second = patient_client_a.post(URL, checkin(patient_a, pain=4, walking_minutes=20, symptoms=["wound_drainage", "fever"]), format="json")
    assert second.status_code == 200
    body = second.json()
    assert (body["pain"], body["walking_minutes"]) == (4, 20)
    assert body["symptoms"] == ["fever", "wound_drainage"]
    assert body["milestones"] == ["first_walk"]
    assert body["id"] == first.json()["id"]
    assert DailyRecord.objects.filter(patient=patient_a).count() == 1
    # Every submission is kept as it came.
    assert CheckinSubmission.objects.filter(patient=patient_a).count() == 2
    assert EvaluationState.objects.get(patient=patient_a).needs_evaluation_since is not None


def test_a_replayed_client_id_changes_nothing_and_answers_as_the_first_time(patient_client_a, patient_a):
    body = checkin(patient_a, pain=5)
    first = patient_client_a.post(URL, body, format="json")
    replay = patient_client_a.post(URL, {**body, "pain": 9}, format="json")
    assert first.status_code == 201
    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert DailyRecord.objects.get(patient=patient_a).pain == 5
    assert CheckinSubmission.objects.filter(patient=patient_a).count() == 1


def test_another_patients_client_id_is_refused_without_revealing_their_data(patient_client_a, patient_a, make_patient):
    other = make_patient()
    from recovery.services import checkin_submit

    taken = uuid.uuid4()
    checkin_submit(patient=other, client_id=taken, date=other.local_today(), fields={"pain": 8})
    response = patient_client_a.post(URL, checkin(patient_a, client_id=str(taken), pain=2), format="json")
    assert response.status_code == 400
    assert "client_id" in response.json()
    assert "8" not in response.content.decode()
    assert not DailyRecord.objects.filter(patient=patient_a).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pain", 11),
        ("pain", -1),
        ("pain", "5"),
        ("pain", 4.5),
        ("pain", True),
        ("walking_minutes", 1441),
        ("steps", 100001),
        ("opioid_use", "yes"),
        ("symptoms", ["fever", "headache"]),
        ("symptoms", "fever"),
        ("milestones", ["moon_landing"]),
        ("note", "x" * 2001),
        ("note", 5),
        ("client_id", "not-a-uuid"),
        ("client_id", None),
        ("date", "2026-13-01"),
        ("date", "05/03/2026"),
        ("date", None),
    ],
)
def test_a_bad_value_gets_a_400_naming_the_field_and_changes_nothing(patient_client_a, patient_a, field, value):
    body = checkin(patient_a, pain=3)
    body[field] = value
    response = patient_client_a.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert list(errors) == [field]
    assert all(isinstance(message, str) for message in errors[field])
    assert not DailyRecord.objects.exists()
    assert not CheckinSubmission.objects.exists()


def test_an_unknown_code_is_named_in_the_error(patient_client_a, patient_a):
    response = patient_client_a.post(URL, checkin(patient_a, symptoms=["fever", "headache"]), format="json")
    assert "headache" in response.json()["symptoms"][0]


def test_client_id_and_date_are_required(patient_client_a):
    response = patient_client_a.post(URL, {"pain": 3}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"client_id", "date"}


def test_a_checkin_without_any_value_is_refused(patient_client_a, patient_a):
    response = patient_client_a.post(URL, checkin(patient_a, symptoms=[], note=""), format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


@pytest.mark.parametrize("body", [[], "pain=3", 42, None])
def test_a_body_that_is_not_an_object_is_a_400(patient_client_a, body):
    response = patient_client_a.post(URL, body, format="json")
    assert response.status_code == 400


def test_malformed_json_is_a_400(patient_client_a):
    response = patient_client_a.post(URL, data="{not json", content_type="application/json")
    assert response.status_code == 400


def test_a_date_before_surgery_or_after_the_patients_today_is_refused(patient_client_a, patient_a):
    before = patient_client_a.post(URL, checkin(patient_a, pain=2, date=str(patient_a.surgery_date - datetime.timedelta(days=1))), format="json")
    after = patient_client_a.post(URL, checkin(patient_a, pain=2, date=str(patient_a.local_today() + datetime.timedelta(days=1))), format="json")
    assert before.status_code == after.status_code == 400
    assert "date" in before.json() and "date" in after.json()


def test_honolulu_at_2330_local_checks_in_for_the_local_day_not_utcs(make_patient):
    from rest_framework.test import APIClient

    from patients.tokens import tokens_for_patient

    # 23:30 in Honolulu on 5 March is 09:30 UTC on 6 March.
    moment = datetime.datetime(2026, 3, 5, 23, 30, tzinfo=ZoneInfo("Pacific/Honolulu"))
    with time_machine.travel(moment, tick=False):
        patient = make_patient(timezone_name="Pacific/Honolulu", surgery_date=datetime.date(2026, 2, 20))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Bearer " + tokens_for_patient(patient.user)["access"])
        local_day = client.post(URL, checkin(patient, pain=3, date="2026-03-05"), format="json")
        utc_day = client.post(URL, checkin(patient, pain=3, date="2026-03-06"), format="json")
    assert local_day.status_code == 201, local_day.content
    assert local_day.json()["recovery_day"] == 13
    assert utc_day.status_code == 400
    assert "date" in utc_day.json()


def test_a_red_flag_brings_advice_in_the_patients_language(make_patient):
    from rest_framework.test import APIClient

    from patients.tokens import tokens_for_patient

    patient = make_patient(language="es")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + tokens_for_patient(patient.user)["access"])
    response = client.post(URL, checkin(patient, symptoms=["chest_pain_breathless"]), format="json")
    advice = response.json()["advice"]
    assert "911" in advice and "Llame" in advice
    assert "24 horas" in advice  # the service is not watched around the clock


def test_a_checkin_without_a_red_flag_has_no_advice(patient_client_a, patient_a):
    response = patient_client_a.post(URL, checkin(patient_a, pain=2), format="json")
    assert "advice" not in response.json()


def test_a_checkin_writes_an_audit_row(patient_client_a, patient_a):
    patient_client_a.post(URL, checkin(patient_a, pain=2), format="json")
    event = AuditEvent.objects.get(patient=patient_a, resource="checkins")
    assert event.action == "create"
    assert event.actor == patient_a.user
    assert event.channel == "api"


def test_the_list_shows_own_records_newest_first_with_date_filters(patient_client_a, patient_a, make_patient):
    from recovery.services import checkin_submit

    other = make_patient()
    for days in (1, 2, 3, 4):
        checkin_submit(patient=patient_a, client_id=uuid.uuid4(), date=patient_a.surgery_date + datetime.timedelta(days=days), fields={"pain": days})
    checkin_submit(patient=other, client_id=uuid.uuid4(), date=other.surgery_date, fields={"pain": 9})
    everything = patient_client_a.get(URL).json()
    assert [r["pain"] for r in everything["results"]] == [4, 3, 2, 1]
    assert set(everything) >= {"next", "previous", "results"}
    window = patient_client_a.get(URL, {"from": str(patient_a.surgery_date + datetime.timedelta(days=2)), "to": str(patient_a.surgery_date + datetime.timedelta(days=3))}).json()
    assert [r["pain"] for r in window["results"]] == [3, 2]
    assert AuditEvent.objects.filter(patient=patient_a, resource="checkins", action="list").count() == 2


def test_the_list_is_paginated(patient_client_a, patient_a):
    from recovery.services import checkin_submit

    for days in range(0, 10):
        checkin_submit(patient=patient_a, client_id=uuid.uuid4(), date=patient_a.surgery_date + datetime.timedelta(days=days), fields={"pain": 1})
    page = patient_client_a.get(URL, {"page_size": 4}).json()
    assert len(page["results"]) == 4
    assert page["next"] and page["previous"] is None
    past = patient_client_a.get(URL, {"page": 99})
    assert past.status_code == 400 and "page" in past.json()  # as the staff lists answer


@pytest.mark.parametrize("query", [{"from": "yesterday"}, {"to": "2026-02-30"}, {"from": "2026-03-05", "to": "2026-03-01"}])
def test_bad_list_filters_are_a_400(patient_client_a, query):
    result = patient_client_a.get(URL, query)
    assert result.status_code == 400
    assert set(result.json()) <= {"from", "to"}


def test_the_number_of_queries_of_a_checkin_is_fixed_and_does_not_grow_with_days_logged(
    patient_client_a, patient_a, django_assert_num_queries
):
    from recovery.services import checkin_submit

    def post(day):
        return patient_client_a.post(URL, checkin(patient_a, pain=3, date=str(patient_a.surgery_date + datetime.timedelta(days=day))), format="json")

    # Queries of one check-in:
    #  1. the patient with its user (the token's user, one join)
    #  2. the check-in itself, one statement: the day created or merged, the submission with its answer,
    #     the evaluation mark and the audit row.
    # The test runs inside a transaction, so the statement goes in a savepoint here (SAVEPOINT and
    # RELEASE: two more); in production it runs alone and commits by itself.
    with django_assert_num_queries(4):
        assert post(0).status_code == 201
    for day in range(1, 8):
        checkin_submit(patient=patient_a, client_id=uuid.uuid4(), date=patient_a.surgery_date + datetime.timedelta(days=day), fields={"pain": 4})
    with django_assert_num_queries(4):
        assert post(9).status_code == 201
    with django_assert_num_queries(4):
        assert post(9).status_code == 200  # merged into the day


def test_a_replay_costs_a_fixed_number_of_queries(patient_client_a, patient_a, django_assert_num_queries):
    body = checkin(patient_a, pain=3)
    patient_client_a.post(URL, body, format="json")
    # The patient, then the same statement, which finds the client_id taken and answers from the first
    # submission, touching nothing but the audit trail (with SAVEPOINT and RELEASE, as above).
    with django_assert_num_queries(4):
        assert patient_client_a.post(URL, body, format="json").status_code == 200


def test_a_runaway_app_is_throttled_per_patient(patient_client_a, patient_a, make_patient, monkeypatch):
    from rest_framework.test import APIClient
    from rest_framework.throttling import ScopedRateThrottle

    from patients.tokens import tokens_for_patient

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {**ScopedRateThrottle.THROTTLE_RATES, "checkin": "3/hour"})
    answers = [patient_client_a.post(URL, checkin(patient_a, pain=2), format="json") for _ in range(4)]
    assert [a.status_code for a in answers] == [201, 200, 200, 429]
    assert int(answers[3]["Retry-After"]) > 0
    # Reading is not rationed, and another patient has a budget of their own.
    assert patient_client_a.get(URL).status_code == 200
    other = make_patient()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + tokens_for_patient(other.user)["access"])
    assert client.post(URL, checkin(other, pain=2), format="json").status_code == 201


def test_an_empty_page_number_is_bad_input_naming_page(patient_client_a):
    response = patient_client_a.get("/api/v1/checkins/?page=")
    assert response.status_code == 400 and "page" in response.json()
