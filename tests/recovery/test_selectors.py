"""The progress view and the staff summary, read through the selectors."""

import datetime
import uuid

from django.utils import timezone

from recovery.models import Alert
from recovery.selectors import patient_progress, staff_patients, staff_patients_most_in_need_first
from recovery.selectors.worklist import worklist_order
from recovery.services import checkin_submit


def test_progress_puts_each_logged_day_beside_the_expected_bounds(make_patient, django_assert_num_queries):
    patient = make_patient(surgery_days_ago=10, added_on_day=0)
    day3 = patient.surgery_date + datetime.timedelta(days=3)
    checkin_submit(patient=patient, client_id=uuid.uuid4(), date=patient.surgery_date, fields={"milestones": ["first_walk"]})
    checkin_submit(patient=patient, client_id=uuid.uuid4(), date=day3, fields={"pain": 7, "walking_minutes": 12})
    # Queries: protocol, its milestones, its bands; the daily records; the milestone questions.
    with django_assert_num_queries(5):
        progress = patient_progress(patient=patient, as_of=patient.surgery_date + datetime.timedelta(days=10))
    assert progress["recovery_day"] == 10
    assert len(progress["days"]) == 11
    row = progress["days"][3]
    assert (row["pain"], row["walking_minutes"], row["expected_pain_max"], row["expected_walking_min"]) == (7, 12, 8, 5)
    assert progress["days"][4]["expected_pain_max"] == 7
    assert progress["days"][5]["logged"] is False
    states = {m["code"]: m["state"] for m in progress["milestones"]}
    assert states["first_walk"] == "reached"
    # MIS: overdue after day 2, never reported, checked in on day 3, otherwise on track: the patient
    # is asked first (the engine's own answer), so late, not overdue.
    assert states["discharged"] == "late"
    assert states["normal_diet"] == "late"  # overdue after day 2 too, but the protocol alerts nobody for it
    assert states["off_opioids"] == "due"  # window 7-21
    assert states["driving"] == "upcoming"  # from day 14


def test_staff_patients_shows_only_the_nurses_clinic_with_status(nurse_a, nurse_b, make_patient, clinic_b):
    calm = make_patient()
    flagged = make_patient()
    make_patient(clinic=clinic_b)
    Alert.objects.create(patient=flagged, kind="red_flag", severity="urgent", recovery_day=3, evidence_date=flagged.surgery_date, message="m")
    rows = {p.pk: p for p in staff_patients(user=nurse_a)}
    assert set(rows) == {calm.pk, flagged.pk}
    assert rows[flagged.pk].status == "alert"
    assert rows[flagged.pk].open_alerts == 1
    assert rows[calm.pk].status == "on_track"
    # Nurse B sees clinic B's one patient, and only that one (a list that could be empty would prove nothing).
    assert [p.clinic.name for p in staff_patients(user=nurse_b)] == ["Clinic B"]


def test_the_worklist_and_the_staff_api_order_patients_most_in_need_first_alike(nurse_a, make_patient, staff_client_a, today):
    """Urgent, then high; within a rank the oldest standing alert first; then, without alerts, the
    longest without a check-in (never first), then by name."""
    now = timezone.now()

    def alert(patient, severity, minutes_ago):
        created = Alert.objects.create(patient=patient, kind="pain_high" if severity != "urgent" else "red_flag", severity=severity,
                                       recovery_day=3, evidence_date=patient.surgery_date, message="m")
        Alert.objects.filter(pk=created.pk).update(created_at=now - datetime.timedelta(minutes=minutes_ago))

    high_recent = make_patient(last_name="Aaberg")
    high_older = make_patient(last_name="Zeller")
    urgent = make_patient(last_name="Moreau")
    checked_in = make_patient(last_name="Abbott")
    never = make_patient(last_name="Young")
    alert(high_recent, "high", 5)
    alert(high_older, "high", 50)
    alert(urgent, "urgent", 1)
    checkin_submit(patient=checked_in, client_id=uuid.uuid4(), date=today, fields={"pain": 2})
    expected = [urgent.pk, high_older.pk, high_recent.pk, never.pk, checked_in.pk]

    assert list(worklist_order(user=nurse_a)) == expected
    assert [p.pk for p in staff_patients_most_in_need_first(user=nurse_a)] == expected
    response = staff_client_a.get("/api/v1/patients/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == expected
