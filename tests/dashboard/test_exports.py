"""CSV exports of one patient's record and of a cohort, from the dashboard and the staff API: what the
file holds, who may have names and phones in it, the audit row each export writes, and formulas
defused."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.http import StreamingHttpResponse
from django.utils import timezone

from patients.models import AuditEvent
from recovery.exports import csv_cell
from recovery.services.messages import patient_message_record

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)  # written as it is sent, never whole in memory
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def recorded_patient(make_patient, log_days, raise_alert):
    patient = make_patient(first_name="Alma", last_name="Testcase", surgery_days_ago=10)
    log_days(patient, {1: {"pain": 7, "walking_minutes": 5, "opioid_use": True}, 2: {"pain": 6, "steps": 1200}})
    raise_alert(patient, severity="high", day=2, message="Pain 7 and 6 two days running")
    patient_message_record(
        clinic_id=patient.clinic_id, patient_id=patient.pk, text="=HYPERLINK(\"http://example.com\")", channel="sms",
        reason="not_understood", received_at=timezone.now(),
    )  # fmt: skip
    return patient


# -- cells ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+15550100000", "'+15550100000"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("plain text", "plain text"),
        (None, ""),
        (True, "yes"),
        (False, "no"),
        (["fever", "new_weakness"], "fever;new_weakness"),
        (7, "7"),
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_is_written_as_text(value, cell):
    assert csv_cell(value) == cell


# -- one patient ----------------------------------------------------------------------------------

def test_the_patient_page_links_to_the_export(nurse_client_a, recorded_patient):
    page = nurse_client_a.get(f"/patients/{recorded_patient.pk}/").content.decode()
    assert f'href="/patients/{recorded_patient.pk}/export.csv"' in page


def test_a_nurse_downloads_a_patients_record(nurse_client_a, nurse_a, recorded_patient):
    rows = rows_of(nurse_client_a.get(f"/patients/{recorded_patient.pk}/export.csv"))
    assert [r["section"] for r in rows] == ["daily_record", "daily_record", "alert", "message"]
    day1, day2, alert, message = rows
    assert (day1["recovery_day"], day1["pain"], day1["walking_minutes"], day1["opioid_use"]) == ("1", "7", "5", "yes")
    assert (day2["pain"], day2["steps"], day2["opioid_use"]) == ("6", "1200", "")
    assert (alert["alert_kind"], alert["severity"], alert["status"], alert["text"]) == ("pain_high", "high", "open", "Pain 7 and 6 two days running")
    assert message["text"] == "'=HYPERLINK(\"http://example.com\")"
    assert message["status"] == "unread"
    event = AuditEvent.objects.get(action="export")
    assert (event.actor, event.patient_id, event.resource, event.channel) == (nurse_a, recorded_patient.pk, "patient_record", "dashboard")


def test_another_clinics_patient_cannot_be_exported(nurse_client_b, staff_client_b, recorded_patient):
    assert nurse_client_b.get(f"/patients/{recorded_patient.pk}/export.csv").status_code == 404
    assert staff_client_b.get(f"/api/v1/patients/{recorded_patient.pk}/export.csv").status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_staff_api_exports_the_same_record(staff_client_a, recorded_patient):
    response = staff_client_a.get(f"/api/v1/patients/{recorded_patient.pk}/export.csv", HTTP_ACCEPT="text/csv")
    assert [r["section"] for r in rows_of(response)] == ["daily_record", "daily_record", "alert", "message"]
    event = AuditEvent.objects.get(action="export")
    assert (event.patient_id, event.channel) == (recorded_patient.pk, "api")


def test_a_patients_token_cannot_export(patient_client_a, patient_a):
    assert patient_client_a.get(f"/api/v1/patients/{patient_a.pk}/export.csv").status_code == 403


def test_the_patient_export_queries_are_fixed(staff_client_a, recorded_patient, django_assert_num_queries):
    # 1 the token's user, 2 staff membership, 3 the patient (scoped), 4 the audit row; then, as the
    # file is sent, 5 the daily records, 6 the alerts, 7 the messages, 8 the questionnaire responses.
    with django_assert_num_queries(8):
        rows_of(staff_client_a.get(f"/api/v1/patients/{recorded_patient.pk}/export.csv"))


# -- a cohort -------------------------------------------------------------------------------------

@pytest.fixture
def cohort(make_patient, log_days, raise_alert, clinic_b):
    alerted = make_patient(first_name="Ada", last_name="Alerted", procedure="acdf")
    log_days(alerted, {1: {"pain": 8}, 2: {"pain": 7}})
    raise_alert(alerted, severity="high")
    calm = make_patient(first_name="Cal", last_name="Calm", procedure="mis_lumbar_fusion")
    log_days(calm, {1: {"pain": 3}})
    other = make_patient(clinic=clinic_b, first_name="Oto", last_name="Otherclinic", procedure="acdf")
    log_days(other, {1: {"pain": 2}})
    return {"alerted": alerted, "calm": calm, "other": other}


def test_the_cohort_page_offers_the_export(nurse_client_a, cohort):
    page = nurse_client_a.get("/cohort/").content.decode()
    assert 'action="/cohort/export.csv"' in page
    assert 'name="identified"' in page


def test_the_cohort_export_has_one_row_per_patient_day_and_no_names(nurse_client_a, nurse_a, cohort):
    rows = rows_of(nurse_client_a.get("/cohort/export.csv"))
    assert sorted((r["patient"], r["recovery_day"], r["pain"]) for r in rows) == sorted(
        [(str(cohort["alerted"].public_id), "1", "8"), (str(cohort["alerted"].public_id), "2", "7"), (str(cohort["calm"].public_id), "1", "3")]
    )
    assert "first_name" not in rows[0] and "phone" not in rows[0]
    body = str(rows)
    for patient in cohort.values():
        assert patient.last_name not in body and patient.phone not in body
    event = AuditEvent.objects.get(action="export")
    assert (event.actor, event.patient_id, event.resource) == (nurse_a, None, "cohort")
    assert "identified=no" in event.detail


def test_the_cohort_export_filters_by_procedure_and_status(nurse_client_a, cohort):
    acdf = rows_of(nurse_client_a.get("/cohort/export.csv", {"procedure": "acdf"}))
    assert {r["patient"] for r in acdf} == {str(cohort["alerted"].public_id)}
    on_track = rows_of(nurse_client_a.get("/cohort/export.csv", {"status": "on_track"}))
    assert {r["patient"] for r in on_track} == {str(cohort["calm"].public_id)}
    assert "procedure=acdf" in AuditEvent.objects.filter(action="export").order_by("id").first().detail


def test_a_bad_cohort_filter_is_a_400_naming_it(nurse_client_a, cohort):
    response = nurse_client_a.get("/cohort/export.csv", {"status": "sideways"})
    assert response.status_code == 400
    assert b"status" in response.content
    assert not AuditEvent.objects.filter(action="export").exists()


def test_names_and_phones_need_the_permission(nurse_client_a, nurse_a, cohort):
    refused = nurse_client_a.get("/cohort/export.csv", {"identified": "1"})
    assert refused.status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()

    nurse_a.user_permissions.add(Permission.objects.get(codename="export_identified", content_type__app_label="recovery"))
    rows = rows_of(nurse_client_a.get("/cohort/export.csv", {"identified": "1", "procedure": "acdf"}))
    assert {(r["first_name"], r["last_name"]) for r in rows} == {("Ada", "Alerted")}
    # A phone number starts with +, which a spreadsheet would read as a formula.
    assert rows[0]["phone"] == "'" + cohort["alerted"].phone
    assert "identified=yes" in AuditEvent.objects.get(action="export").detail


def test_the_cohort_export_queries_do_not_grow_with_the_cohort(nurse_client_a, make_patient, log_days, django_assert_num_queries):
    for n in range(6):
        log_days(make_patient(), {d: {"pain": (d + n) % 10} for d in range(1, 8)})
    # 1 session, 2 user, 3 the nurse's clinics, 4 the audit row, 5 the daily records of the cohort
    # (the patients and their status in a subquery), read in chunks by a server-side cursor.
    with django_assert_num_queries(5):
        rows = rows_of(nurse_client_a.get("/cohort/export.csv", {"status": "on_track"}))
    assert len(rows) == 42
