"""Creating a patient: one person, one record in a clinic (409 naming it), a phone never shared with
another clinic's active patient (400 on phone, the other clinic unnamed), and numbers read as a nurse
types them, kept in E.164."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from patients.models import Patient

pytestmark = pytest.mark.django_db

SURGERY = (datetime.date.today() - datetime.timedelta(days=3)).isoformat()
NEW = {"first_name": "Testa", "last_name": "Synthetic", "phone": "+15550309999", "procedure": "acdf", "surgery_date": SURGERY}


def test_the_same_patient_twice_in_a_clinic_is_a_409_naming_the_first_record(staff_client_a):
    first = staff_client_a.post("/api/v1/patients/", NEW, format="json")
    assert first.status_code == 201
    # The same person typed again, with other spacing and case and the phone as a nurse types it.
    again = staff_client_a.post(
        "/api/v1/patients/", {**NEW, "first_name": " testa ", "last_name": "SYNTHETIC", "phone": "(555) 030-9999"}, format="json"
    )
    assert again.status_code == 409, again.json()
    assert again.json()["id"] == first.json()["id"]
    assert Patient.objects.count() == 1


def test_a_different_surgery_date_or_name_on_the_same_phone_is_another_patient(staff_client_a):
    assert staff_client_a.post("/api/v1/patients/", NEW, format="json").status_code == 201
    other_day = (datetime.date.today() - datetime.timedelta(days=40)).isoformat()
    assert staff_client_a.post("/api/v1/patients/", {**NEW, "surgery_date": other_day}, format="json").status_code == 201
    # A relative who shares the phone.
    assert staff_client_a.post("/api/v1/patients/", {**NEW, "first_name": "Otra"}, format="json").status_code == 201


def test_the_database_refuses_a_duplicate_written_past_the_service(clinic_a, make_patient):
    first = make_patient(phone="+15550309999", first_name="Testa", last_name="Synthetic")
    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.create(
            clinic=clinic_a, first_name="TESTA", last_name="synthetic", phone=first.phone,
            procedure="acdf", surgery_date=first.surgery_date,
        )


def test_a_phone_held_by_another_clinics_active_patient_is_a_400_on_phone_not_naming_the_clinic(staff_client_b, make_patient, clinic_a):
    held = make_patient(phone="+15550309999")
    answer = staff_client_b.post("/api/v1/patients/", {**NEW, "first_name": "Intruder"}, format="json")
    assert answer.status_code == 400
    assert "phone" in answer.json()
    assert clinic_a.name not in str(answer.json()) and "Clinic A" not in str(answer.json())
    assert list(Patient.objects.filter(phone=held.phone)) == [held]


def test_once_the_other_clinics_monitoring_ended_the_number_may_be_given_again(staff_client_b, make_patient):
    held = make_patient(phone="+15550309999")
    Patient.objects.filter(pk=held.pk).update(monitoring_ended_at=timezone.now())
    assert staff_client_b.post("/api/v1/patients/", NEW, format="json").status_code == 201


def test_the_database_refuses_a_second_clinics_active_patient_on_the_same_phone(make_patient, clinic_b):
    held = make_patient(phone="+15550309999")
    assert connection.vendor == "postgresql"
    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.create(clinic=clinic_b, first_name="X", last_name="Y", phone=held.phone, procedure="acdf", surgery_date=held.surgery_date)


def test_a_number_typed_as_a_nurse_types_it_is_kept_in_e164(staff_client_a):
    answer = staff_client_a.post("/api/v1/patients/", {**NEW, "phone": "(312) 555-0142"}, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["phone"] == "+13125550142"
    assert Patient.objects.get().phone == "+13125550142"


@pytest.mark.parametrize("phone", ["555-0100", "+1555", "+1 312 555 0142 99", "+0555123", "call me", "+15551230000 x12", ""])
def test_an_impossible_number_is_a_400_naming_phone(staff_client_a, phone):
    answer = staff_client_a.post("/api/v1/patients/", {**NEW, "phone": phone}, format="json")
    assert answer.status_code == 400
    assert "phone" in answer.json()
    assert not Patient.objects.exists()


def test_a_clinic_abroad_reads_numbers_in_its_own_region(staff_client_a, clinic_a):
    clinic_a.phone_region = "GB"
    clinic_a.save()
    answer = staff_client_a.post("/api/v1/patients/", {**NEW, "phone": "020 7946 0018"}, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["phone"] == "+442079460018"
