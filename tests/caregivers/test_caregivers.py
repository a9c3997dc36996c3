"""Caregivers: a nurse adds them (staff API and dashboard), a caregiver answers the web check-in for the
patient, and the nurse sees who answered."""

import re

import pytest
from django.test import Client

from caregivers.models import Caregiver, CaregiverCheckin
from patients.models import AuditEvent
from recovery.models import DailyRecord

pytestmark = pytest.mark.django_db

SPOUSE = {"name": "Sam Spouse", "relationship": "spouse", "phone": "+15550400001", "language": "es", "sms_opt_in": True}


def _url(patient):
    return f"/api/v1/patients/{patient.pk}/caregivers/"


def test_a_nurse_adds_a_caregiver_and_lists_them(staff_client_a, patient_a):
    created = staff_client_a.post(_url(patient_a), SPOUSE, format="json")
    assert created.status_code == 201
    body = created.json()
    assert {k: body[k] for k in SPOUSE} == SPOUSE and body["patient"] == patient_a.pk and body["id"]
    listing = staff_client_a.get(_url(patient_a))
    assert listing.status_code == 200
    assert set(listing.json()) >= {"next", "previous", "results"}
    assert [c["name"] for c in listing.json()["results"]] == ["Sam Spouse"]
    audit = AuditEvent.objects.filter(patient=patient_a, resource="caregivers").values_list("action", flat=True)
    assert sorted(audit) == ["create", "view"]


def test_a_nurse_of_another_clinic_gets_a_404_and_adds_nothing(staff_client_b, patient_a):
    assert staff_client_b.get(_url(patient_a)).status_code == 404
    assert staff_client_b.post(_url(patient_a), SPOUSE, format="json").status_code == 404
    assert not Caregiver.objects.exists()


def test_a_patient_token_cannot_reach_the_call(patient_client_a, patient_a):
    assert patient_client_a.get(_url(patient_a)).status_code == 403


@pytest.mark.parametrize(
    "change, field",
    [({"phone": "555-0100"}, "phone"), ({"language": "fr"}, "language"), ({"name": ""}, "name"), ({"relationship": ""}, "relationship")],
)
def test_bad_input_is_a_400_naming_the_field(staff_client_a, patient_a, change, field):
    answer = staff_client_a.post(_url(patient_a), {**SPOUSE, **change}, format="json")
    assert answer.status_code == 400 and field in answer.json()
    assert not Caregiver.objects.exists()


def test_the_same_phone_twice_for_one_patient_is_a_400(staff_client_a, patient_a):
    assert staff_client_a.post(_url(patient_a), SPOUSE, format="json").status_code == 201
    again = staff_client_a.post(_url(patient_a), SPOUSE, format="json")
    assert again.status_code == 400 and "phone" in again.json()


def test_a_caregiver_answers_the_web_checkin_for_the_patient_and_the_nurse_sees_who(
    staff_client_a, nurse_client_a, patient_a, link_for
):
    caregiver_id = staff_client_a.post(_url(patient_a), SPOUSE, format="json").json()["id"]
    browser = Client(enforce_csrf_checks=True)
    path = link_for(patient_a)
    html = browser.get(path).content.decode()
    assert "Who is answering?" in html and "Sam Spouse (spouse)" in html
    fields = {
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1),
        "client_id": re.search(r'name="client_id" value="([^"]+)"', html).group(1),
    }
    answer = browser.post(path, {**fields, "answered_by": str(caregiver_id), "pain": "5", "symptoms": ["fever"]})
    assert answer.status_code == 201 and "Call the clinic today." in answer.content.decode()
    assert DailyRecord.objects.get(patient=patient_a).channel == "web"
    answered = CaregiverCheckin.objects.get()
    assert answered.caregiver_id == caregiver_id and str(answered.client_id) == fields["client_id"]
    row = AuditEvent.objects.get(patient=patient_a, resource="checkins")
    assert row.actor_label == f"caregiver {caregiver_id}: Sam Spouse" and row.channel == "web"
    page = nurse_client_a.get(f"/patients/{patient_a.pk}/").content.decode()
    assert "Sam Spouse" in page and "1 check-in, last" in page
    assert '<span class="sub">by Sam Spouse (spouse)</span>' in page  # the day's record says who answered


def test_a_nurse_adds_a_caregiver_from_the_patient_page(nurse_client_a, patient_a):
    form = {f"caregiver-{name}": value for name, value in {**SPOUSE, "sms_opt_in": "on"}.items()}
    added = nurse_client_a.post(f"/patients/{patient_a.pk}/caregivers/", form)
    assert added.status_code == 302 and added["Location"].endswith("#caregivers")
    assert Caregiver.objects.get(patient=patient_a).created_by.username == "nurse.a"
    refused = nurse_client_a.post(f"/patients/{patient_a.pk}/caregivers/", {**form, "caregiver-phone": "12"})
    assert refused.status_code == 400 and "No caregiver was added" in refused.content.decode()
