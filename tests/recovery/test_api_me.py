"""GET/PATCH /api/v1/me/ and GET /api/v1/me/progress/: the patient's own profile, plan and progress,
in the patient's language, and nobody else's."""

import datetime
import uuid

import pytest
from rest_framework.test import APIClient

from patients.models import AuditEvent, Patient
from patients.tokens import tokens_for_patient
from recovery.services import checkin_submit


def client_for(patient) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + tokens_for_patient(patient.user)["access"])
    return client


def test_me_shows_the_profile_recovery_day_and_plan(patient_client_a, patient_a):
    response = patient_client_a.get("/api/v1/me/")
    assert response.status_code == 200
    me = response.json()
    assert me["id"] == str(patient_a.public_id)
    assert (me["first_name"], me["recovery_day"], me["reminder_time"], me["language"]) == ("Alma", 10, "18:00", "en")
    assert me["clinic"]["name"] == "Clinic A"
    assert "911" in me["notice"] and "around the clock" in me["notice"]
    walk = next(m for m in me["plan"]["milestones"] if m["code"] == "first_walk")
    assert (walk["expected_from"], walk["expected_by"], walk["overdue_after"]) == (0, 0, 1)
    assert walk["expected_by_date"] == patient_a.surgery_date.isoformat()
    assert {flag["code"] for flag in me["red_flags"]} >= {"fever", "chest_pain_breathless"}
    assert AuditEvent.objects.filter(patient=patient_a, resource="profile", action="view").count() == 1


def test_me_speaks_spanish_to_a_spanish_speaking_patient(make_patient):
    patient = make_patient(language="es")
    me = client_for(patient).get("/api/v1/me/").json()
    assert "24 horas" in me["notice"]
    assert me["procedure_label"] == "Fusión lumbar mínimamente invasiva"
    assert next(m for m in me["plan"]["milestones"] if m["code"] == "first_walk")["label"] == "Primera caminata"
    assert next(f for f in me["red_flags"] if f["code"] == "fever")["label"].startswith("Temperatura")


def test_a_patient_sees_only_their_own_profile(patient_client_a, make_patient):
    other = make_patient(first_name="Bruno", last_name="Othercase")
    body = patient_client_a.get("/api/v1/me/").content.decode()
    assert "Othercase" not in body and str(other.public_id) not in body


def test_patch_changes_the_reminder_language_and_time_zone(patient_client_a, patient_a):
    response = patient_client_a.patch("/api/v1/me/", {"reminder_time": "19:30", "language": "es", "timezone": "Pacific/Honolulu"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["reminder_time"], response.json()["language"]) == ("19:30", "es")
    assert "24 horas" in response.json()["notice"]
    patient_a.refresh_from_db()
    assert (patient_a.reminder_time, patient_a.language, patient_a.timezone) == (datetime.time(19, 30), "es", "Pacific/Honolulu")
    event = AuditEvent.objects.get(patient=patient_a, resource="profile", action="update")
    assert "reminder_time" in event.detail and "timezone" in event.detail


def test_opting_out_of_sms_and_back_in_records_when(patient_client_a, patient_a):
    assert patient_client_a.patch("/api/v1/me/", {"sms_opt_in": False}, format="json").json()["sms_opt_in"] is False
    patient_a.refresh_from_db()
    assert patient_a.sms_opt_out_at is not None
    consent_before = patient_a.sms_consent_at
    patient_client_a.patch("/api/v1/me/", {"sms_opt_in": True}, format="json")
    patient_a.refresh_from_db()
    assert patient_a.sms_opt_in and patient_a.sms_consent_at > consent_before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reminder_time", "25:00"),
        ("reminder_time", "7pm"),
        ("reminder_time", "18:00:00"),
        ("reminder_time", "22:30"),  # quiet hours: no reminder would ever go out
        ("reminder_time", "06:00"),
        ("language", "fr"),
        ("language", 1),
        ("sms_opt_in", "no"),
        ("timezone", "Mars/Olympus_Mons"),
        ("timezone", ""),
        ("timezone", 5),
    ],
)
def test_a_bad_preference_is_a_400_naming_it_and_changes_nothing(patient_client_a, patient_a, field, value):
    response = patient_client_a.patch("/api/v1/me/", {"language": "es", field: value}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Patient.objects.get(pk=patient_a.pk).language == "en"


def test_fields_the_patient_may_not_change_are_left_alone(patient_client_a, patient_a):
    response = patient_client_a.patch("/api/v1/me/", {"surgery_date": "2020-01-01", "first_name": "Mallory"}, format="json")
    assert response.status_code == 200
    patient_a.refresh_from_db()
    assert patient_a.first_name == "Alma"


def test_progress_puts_each_day_beside_the_expected_range_and_milestones_with_state(patient_client_a, patient_a):
    checkin_submit(patient=patient_a, client_id=uuid.uuid4(), date=patient_a.surgery_date, fields={"milestones": ["first_walk"]})
    checkin_submit(patient=patient_a, client_id=uuid.uuid4(), date=patient_a.surgery_date + datetime.timedelta(days=3), fields={"pain": 7, "walking_minutes": 12})
    response = patient_client_a.get("/api/v1/me/progress/")
    assert response.status_code == 200
    progress = response.json()
    assert progress["recovery_day"] == 10
    assert len(progress["days"]) == 11
    day3 = progress["days"][3]
    assert (day3["pain"], day3["expected_pain_max"], day3["walking_minutes"], day3["expected_walking_min"]) == (7, 8, 12, 5)
    assert progress["days"][5]["logged"] is False
    states = {m["code"]: m["state"] for m in progress["milestones"]}
    # Alma was added today, on day 10: discharge (overdue after day 2) fell before she was being
    # monitored, so it is late, not overdue, as the engine (no alert) and the dashboard have it.
    assert (states["first_walk"], states["discharged"], states["off_opioids"], states["driving"]) == ("reached", "late", "due", "upcoming")
    walk = next(m for m in progress["milestones"] if m["code"] == "first_walk")
    assert walk["reached_on"] == patient_a.surgery_date.isoformat()
    assert "911" in progress["notice"]
    assert AuditEvent.objects.filter(patient=patient_a, resource="progress", action="view").exists()


def test_progress_shows_nothing_of_another_patient(patient_client_a, patient_a, make_patient):
    other = make_patient()
    checkin_submit(patient=other, client_id=uuid.uuid4(), date=other.surgery_date + datetime.timedelta(days=2), fields={"pain": 9})
    progress = patient_client_a.get("/api/v1/me/progress/").json()
    assert all(day["pain"] is None for day in progress["days"])
    assert patient_client_a.get("/api/v1/checkins/").json()["results"] == []


def test_progress_labels_follow_the_patients_language(make_patient):
    patient = make_patient(language="es", added_on_day=0)
    checkin_submit(patient=patient, client_id=uuid.uuid4(), date=patient.surgery_date + datetime.timedelta(days=3), fields={"pain": 4})
    progress = client_for(patient).get("/api/v1/me/progress/").json()
    walk = next(m for m in progress["milestones"] if m["code"] == "discharged")
    assert walk["label"] == "Alta a casa"
    assert walk["state_label"] == "Atrasado"
    diet = next(m for m in progress["milestones"] if m["code"] == "normal_diet")
    assert diet["state_label"] == "Más tarde de lo esperado"


def test_me_and_progress_cost_a_fixed_number_of_queries(patient_client_a, patient_a, django_assert_num_queries):
    for day in range(0, 8):
        checkin_submit(patient=patient_a, client_id=uuid.uuid4(), date=patient_a.surgery_date + datetime.timedelta(days=day), fields={"pain": 5})
    # me/: the patient with its user; the audit row; the clinic; the protocol, its milestones, its bands.
    with django_assert_num_queries(6):
        assert patient_client_a.get("/api/v1/me/").status_code == 200
    # me/progress/: the patient with its user; the protocol, its milestones, its bands; the daily
    # records (one query, however many days); the milestone questions; the audit row.
    with django_assert_num_queries(7):
        assert patient_client_a.get("/api/v1/me/progress/").status_code == 200
