"""The progress view and the staff summary, read through the selectors."""

import datetime
import uuid

from recovery.models import Alert
from recovery.selectors import patient_progress, staff_patients
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
    assert all(p.clinic.name == "Clinic B" for p in staff_patients(user=nurse_b))
