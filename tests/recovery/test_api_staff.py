"""The staff API: a nurse's patients with their summary, daily records, alerts; and nothing of another
clinic's (404, never 403)."""

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest

from patients.models import AuditEvent, Patient
from patients.services import nurse_create
from recovery.models import Alert
from recovery.services import checkin_submit

pytestmark = pytest.mark.django_db

NEW_PATIENT = {
    "first_name": "Testa",
    "last_name": "Synthetic",
    "phone": "+15550309999",
    "procedure": "acdf",
    # Three days ago in clinic A's time zone (America/Chicago), where the patient counts its days.
    "surgery_date": (datetime.datetime.now(ZoneInfo("America/Chicago")).date() - datetime.timedelta(days=3)).isoformat(),
}


def alert_for(patient, *, kind="pain_high", severity="high", status="open", day=5, **fields):
    return Alert.objects.create(
        patient=patient,
        kind=kind,
        severity=severity,
        status=status,
        recovery_day=day,
        evidence_date=patient.surgery_date + datetime.timedelta(days=day),
        message=f"{kind} on day {day}",
        **fields,
    )


# -- patients -------------------------------------------------------------------------------------

def test_a_nurse_adds_a_patient_and_sees_the_enrollment_code_once(staff_client_a, nurse_a, clinic_a):
    answer = staff_client_a.post("/api/v1/patients/", NEW_PATIENT, format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert len(body["enrollment_code"]) == 11  # XXXXX-XXXXX
    assert body["clinic"] == clinic_a.pk
    assert body["timezone"] == clinic_a.timezone
    assert body["reminder_time"] == "18:00"
    assert (body["recovery_day"], body["open_alerts"], body["status"], body["last_checkin_date"]) == (3, 0, "on_track", None)
    patient = Patient.objects.get(pk=body["id"])
    assert patient.created_by == nurse_a
    assert AuditEvent.objects.filter(patient=patient, action="create", actor=nurse_a).exists()
    again = staff_client_a.get(f"/api/v1/patients/{patient.pk}/").json()
    assert "enrollment_code" not in again


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phone": "555-0100"}, "phone"),
        ({"phone": "+1555"}, "phone"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"procedure": "knee_replacement"}, "procedure"),
        ({"surgery_date": "yesterday"}, "surgery_date"),
        ({"surgery_date": "1999-01-01"}, "surgery_date"),
        ({"discharge_date": "2000-01-01"}, "discharge_date"),
        ({"reminder_time": "6pm"}, "reminder_time"),
        ({"language": "fr"}, "language"),
        ({"first_name": "   "}, "first_name"),
        ({"clinic": 999999}, "clinic"),
        ({"clinic": "A"}, "clinic"),
        ({"sms_opt_in": "perhaps"}, "sms_opt_in"),
    ],
)
def test_a_bad_field_is_a_400_naming_it_and_creates_nothing(staff_client_a, change, field):
    answer = staff_client_a.post("/api/v1/patients/", {**NEW_PATIENT, **change}, format="json")
    assert answer.status_code == 400
    assert field in answer.json()
    assert not Patient.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400(staff_client_a):
    assert staff_client_a.post("/api/v1/patients/", [1, 2], format="json").status_code == 400
    assert staff_client_a.post("/api/v1/patients/", "{not json", content_type="application/json").status_code == 400


def test_a_clinic_the_nurse_does_not_belong_to_is_refused_on_the_field(staff_client_a, clinic_b):
    answer = staff_client_a.post("/api/v1/patients/", {**NEW_PATIENT, "clinic": clinic_b.pk}, format="json")
    assert answer.status_code == 400
    # The same words as for a clinic that does not exist: nothing about clinic B leaks.
    assert answer.json() == {"clinic": ["Not one of your clinics."]}


def test_a_nurse_of_two_clinics_must_name_the_clinic(staff_client_a, nurse_a):
    other = nurse_create(username="nurse.a", password="", clinic_name="Clinic C").clinic
    answer = staff_client_a.post("/api/v1/patients/", NEW_PATIENT, format="json")
    assert answer.status_code == 400
    assert "clinic" in answer.json()
    answer = staff_client_a.post("/api/v1/patients/", {**NEW_PATIENT, "clinic": other.pk}, format="json")
    assert answer.status_code == 201
    assert answer.json()["clinic"] == other.pk


def test_the_list_shows_the_nurses_patients_most_in_need_first_with_their_summary(staff_client_a, make_patient, clinic_b):
    calm = make_patient(last_name="Aaa")
    watched = make_patient(last_name="Bbb")
    flagged = make_patient(last_name="Ccc")
    make_patient(clinic=clinic_b, last_name="Other")
    alert_for(watched, kind="walking_below_expected", severity="routine")
    alert_for(flagged, kind="red_flag", severity="urgent", status="acknowledged")
    checkin_submit(patient=calm, client_id=uuid.uuid4(), date=calm.local_today(), fields={"pain": 2})
    body = staff_client_a.get("/api/v1/patients/").json()
    rows = body["results"]
    assert [r["id"] for r in rows] == [flagged.pk, watched.pk, calm.pk]
    assert [r["status"] for r in rows] == ["alert", "watch", "on_track"]
    assert [r["open_alerts"] for r in rows] == [1, 1, 0]
    assert rows[2]["last_checkin_date"] == calm.local_today().isoformat()
    assert rows[2]["recovery_day"] == 10
    assert {"next", "previous", "results"} <= set(body)
    listed = set(AuditEvent.objects.filter(action="list", resource="patient").values_list("patient_id", flat=True))
    assert listed == {calm.pk, watched.pk, flagged.pk}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=alert", ["Ccc"]),
        ("status=on_track", ["Aaa", "Bbb"]),
        ("procedure=acdf", ["Bbb"]),
        ("search=bb", ["Bbb"]),
        ("search=%2B15550309", ["Aaa"]),
    ],
)
def test_the_list_filters_by_status_procedure_and_search(staff_client_a, make_patient, query, expected):
    make_patient(last_name="Aaa", phone="+15550309001")
    make_patient(last_name="Bbb", procedure="acdf")
    alert_for(make_patient(last_name="Ccc"), severity="high")
    rows = staff_client_a.get(f"/api/v1/patients/?{query}").json()["results"]
    assert [r["last_name"] for r in rows] == expected


def test_a_filter_value_it_cannot_read_is_a_400_naming_it(staff_client_a):
    answer = staff_client_a.get("/api/v1/patients/?status=dying")
    assert answer.status_code == 400
    assert "status" in answer.json()


def test_the_patient_list_costs_the_same_queries_for_3_or_30_patients(staff_client_a, make_patient, django_assert_num_queries):
    for _ in range(3):
        alert_for(make_patient())
    # Queries: the nurse (token), the clinic membership (IsStaff), the count, the page with its
    # summary subqueries, the audit rows.
    with django_assert_num_queries(5):
        assert len(staff_client_a.get("/api/v1/patients/").json()["results"]) == 3
    for _ in range(27):
        alert_for(make_patient())
    with django_assert_num_queries(5):
        assert len(staff_client_a.get("/api/v1/patients/").json()["results"]) == 30


def test_another_clinics_patient_is_a_404(staff_client_b, patient_a):
    for path in (f"/api/v1/patients/{patient_a.pk}/", f"/api/v1/patients/{patient_a.pk}/checkins/"):
        answer = staff_client_b.get(path)
        assert answer.status_code == 404
    assert staff_client_b.get("/api/v1/patients/").json()["results"] == []
    assert not AuditEvent.objects.filter(patient=patient_a).exists()


def test_a_patient_token_cannot_reach_staff_calls_and_no_token_is_a_401(patient_client_a, patient_a):
    from rest_framework.test import APIClient

    assert patient_client_a.get("/api/v1/patients/").status_code == 403
    assert patient_client_a.get("/api/v1/alerts/").status_code == 403
    assert APIClient().get("/api/v1/patients/").status_code == 401
    assert APIClient().post(f"/api/v1/alerts/{patient_a.pk}/resolve/", {}, format="json").status_code == 401


def test_a_nurse_reads_a_patients_daily_records_newest_first(staff_client_a, nurse_a, patient_a):
    for day in (2, 5, 3):
        date = patient_a.surgery_date + datetime.timedelta(days=day)
        checkin_submit(patient=patient_a, client_id=uuid.uuid4(), date=date, fields={"pain": day, "symptoms": ["fever"] if day == 5 else []})
    answer = staff_client_a.get(f"/api/v1/patients/{patient_a.pk}/checkins/")
    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert [(r["recovery_day"], r["pain"]) for r in rows] == [(5, 5), (3, 3), (2, 2)]
    assert rows[0]["symptoms"] == ["fever"]
    assert AuditEvent.objects.filter(patient=patient_a, resource="checkins", actor=nurse_a).count() == 1


# -- alerts ---------------------------------------------------------------------------------------

def test_alerts_come_most_urgent_first(staff_client_a, make_patient):
    p = make_patient()
    routine = alert_for(p, kind="walking_below_expected", severity="routine")
    urgent_old = alert_for(p, kind="red_flag", severity="urgent")
    high = alert_for(p, kind="pain_high", severity="high")
    resolved_urgent = alert_for(make_patient(), kind="red_flag", severity="urgent", status="resolved")
    urgent_new = alert_for(make_patient(), kind="red_flag", severity="urgent")
    rows = staff_client_a.get("/api/v1/alerts/").json()["results"]
    assert [r["id"] for r in rows] == [urgent_new.pk, urgent_old.pk, high.pk, routine.pk, resolved_urgent.pk]
    first = rows[0]
    assert set(first) >= {
        "id",
        "patient",
        "kind",
        "severity",
        "recovery_day",
        "message",
        "status",
        "created_at",
        "acknowledged_at",
        "acknowledged_by",
        "resolved_at",
    }
    assert first["patient"] == urgent_new.patient_id


@pytest.mark.parametrize(
    ("query", "kinds"),
    [
        ("status=open", ["red_flag", "pain_high"]),
        ("status=resolved", ["missed_checkins"]),
        ("severity=high", ["pain_high", "missed_checkins"]),
        ("status=acknowledged", []),
    ],
)
def test_alerts_filter_by_status_severity_and_patient(staff_client_a, make_patient, query, kinds):
    p = make_patient()
    alert_for(p, kind="red_flag", severity="urgent")
    alert_for(p, kind="pain_high", severity="high")
    alert_for(p, kind="missed_checkins", severity="high", status="resolved")
    assert [r["kind"] for r in staff_client_a.get(f"/api/v1/alerts/?{query}").json()["results"]] == kinds


def test_alerts_filter_by_patient_and_refuse_a_patient_that_is_not_a_number(staff_client_a, make_patient):
    one, two = make_patient(), make_patient()
    alert_for(one)
    alert_for(two)
    assert [r["patient"] for r in staff_client_a.get(f"/api/v1/alerts/?patient={two.pk}").json()["results"]] == [two.pk]
    answer = staff_client_a.get("/api/v1/alerts/?patient=two")
    assert answer.status_code == 400
    assert "patient" in answer.json()


def test_the_alert_list_costs_the_same_queries_for_3_or_30_alerts(staff_client_a, make_patient, django_assert_num_queries):
    for _ in range(3):
        alert_for(make_patient())
    # Queries: the nurse (token), the clinic membership (IsStaff), the count, the page (with who
    # acknowledged and resolved, joined), the audit rows.
    with django_assert_num_queries(5):
        assert len(staff_client_a.get("/api/v1/alerts/").json()["results"]) == 3
    for _ in range(27):
        alert_for(make_patient(), status="acknowledged")
    with django_assert_num_queries(5):
        assert len(staff_client_a.get("/api/v1/alerts/").json()["results"]) == 30


def test_a_nurse_acknowledges_then_resolves_with_a_note(staff_client_a, nurse_a, patient_a):
    alert = alert_for(patient_a)
    answer = staff_client_a.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {"note": "Calling her now"}, format="json")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["acknowledged_by"], body["acknowledge_note"]) == ("acknowledged", "nurse.a", "Calling her now")
    assert body["acknowledged_at"] is not None
    answer = staff_client_a.post(f"/api/v1/alerts/{alert.pk}/resolve/", {"note": "Pain managed, plan adjusted"}, format="json")
    body = answer.json()
    assert (answer.status_code, body["status"], body["resolved_by"], body["resolution_note"]) == (200, "resolved", "nurse.a", "Pain managed, plan adjusted")
    assert [e.action for e in alert.events.all()] == ["acknowledged", "resolved"]
    assert AuditEvent.objects.filter(patient=patient_a, resource="alert", action="update").count() == 2
    # Resolving again is a conflict and changes nothing; acknowledging a resolved alert is refused.
    again = staff_client_a.post(f"/api/v1/alerts/{alert.pk}/resolve/", {"note": "A second note"}, format="json")
    assert (again.status_code, again.json()) == (409, {"detail": "This alert is already resolved."})
    alert.refresh_from_db()
    assert alert.resolution_note == "Pain managed, plan adjusted"
    assert [e.action for e in alert.events.all()] == ["acknowledged", "resolved"]
    refused = staff_client_a.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {}, format="json")
    assert refused.status_code == 400
    assert "status" in refused.json()


def test_an_acknowledgement_and_its_audit_row_commit_together_or_not_at_all(nurse_a, patient_a):
    from patients.audit import AuditSource
    from recovery.services import alert_acknowledge

    alert = alert_for(patient_a)
    # An address the database driver refuses makes the audit row fail after the change was written.
    broken = AuditSource(actor_id=nurse_a.pk, actor_label="nurse.a", channel="api", ip_address="not an address")
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 address"):
        alert_acknowledge(alert=alert, user=nurse_a, note="Calling her now", audit=broken)
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by, list(alert.events.all())) == ("open", None, [])
    assert not AuditEvent.objects.filter(patient=patient_a).exists()

    ok = AuditSource.of(nurse_a, channel="api")
    alert_acknowledge(alert=alert, user=nurse_a, note="Calling her now", audit=ok)
    row = AuditEvent.objects.get(patient=patient_a)
    assert (row.actor, row.action, row.resource, row.detail) == (nurse_a, "update", "alert", f"acknowledged alert {alert.pk} (pain_high)")


def test_the_audit_helper_refuses_an_action_or_resource_outside_its_enumerations(nurse_a, patient_a):
    from patients.audit import audit_record

    with pytest.raises(ValueError, match="resource 'alerts'"):
        audit_record(actor=nurse_a, patient=patient_a, action=AuditEvent.Action.LIST, resource="alerts")
    with pytest.raises(ValueError, match="action 'read'"):
        audit_record(actor=nurse_a, patient=patient_a, action="read", resource=AuditEvent.Resource.ALERT)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("severity,kind", [("urgent", "red_flag"), ("high", "pain_high")])
def test_an_urgent_or_high_alert_needs_a_note_to_be_resolved(staff_client_a, patient_a, severity, kind):
    alert = alert_for(patient_a, kind=kind, severity=severity)
    for body in ({}, {"note": ""}, {"note": "   "}, {"useful": "needed_action"}):
        answer = staff_client_a.post(f"/api/v1/alerts/{alert.pk}/resolve/", body, format="json")
        assert (answer.status_code, list(answer.json())) == (400, ["note"])
    alert.refresh_from_db()
    assert (alert.status, alert.useful, alert.events.count()) == ("open", "", 0)
    answer = staff_client_a.post(f"/api/v1/alerts/{alert.pk}/resolve/", {"note": "Seen in clinic"}, format="json")
    assert (answer.status_code, answer.json()["status"], answer.json()["useful"]) == (200, "resolved", "")


def test_a_routine_alert_is_resolved_without_a_note_and_labelled_useful_or_not(staff_client_a, patient_a):
    alert = alert_for(patient_a, kind="milestone_overdue", severity="routine")
    answer = staff_client_a.post(f"/api/v1/alerts/{alert.pk}/resolve/", {"useful": "not_needed"}, format="json")
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["useful"], answer.json()["resolution_note"]) == ("resolved", "not_needed", "")
    alert.refresh_from_db()
    assert alert.useful == "not_needed"


@pytest.mark.parametrize("useful", ["yes", "NEEDED_ACTION", 1, ["duplicate"]])
def test_a_useful_label_outside_the_three_is_a_400_naming_it(staff_client_a, patient_a, useful):
    alert = alert_for(patient_a)
    answer = staff_client_a.post(f"/api/v1/alerts/{alert.pk}/resolve/", {"note": "Called", "useful": useful}, format="json")
    assert (answer.status_code, list(answer.json())) == (400, ["useful"])
    alert.refresh_from_db()
    assert alert.status == "open"


def test_the_service_holds_the_resolve_rule_whoever_calls_it(nurse_a, patient_a):
    from django.core.exceptions import ValidationError

    from recovery.services import AlertAlreadyResolved, alert_resolve

    alert = alert_for(patient_a, severity="urgent", kind="red_flag")
    with pytest.raises(ValidationError) as refused:
        alert_resolve(alert=alert, user=nurse_a)
    assert list(refused.value.message_dict) == ["note"]
    with pytest.raises(ValidationError) as refused:
        alert_resolve(alert=alert, user=nurse_a, note="x", useful="maybe")
    assert list(refused.value.message_dict) == ["useful"]
    alert_resolve(alert=alert, user=nurse_a, note="Sent to the emergency department", useful="needed_action")
    with pytest.raises(AlertAlreadyResolved):
        alert_resolve(alert=alert, user=nurse_a, note="again", useful="duplicate")
    alert.refresh_from_db()
    assert (alert.resolution_note, alert.useful) == ("Sent to the emergency department", "needed_action")
    # The system resolving a resolved alert (a retried sweep) is no conflict, and changes nothing.
    assert alert_resolve(alert=alert, reason="Evidence gone").resolved_by_id == nurse_a.pk
    alert.refresh_from_db()
    assert (alert.resolution_reason, alert.events.count()) == ("Resolved by a nurse", 1)


def test_a_note_that_is_not_text_or_too_long_is_a_400_and_changes_nothing(staff_client_a, patient_a):
    alert = alert_for(patient_a)
    for body in ({"note": "x" * 2001}, {"note": {"a": 1}}, ["note"]):
        answer = staff_client_a.post(f"/api/v1/alerts/{alert.pk}/resolve/", body, format="json")
        assert answer.status_code == 400
    alert.refresh_from_db()
    assert alert.status == "open"


def test_another_clinics_alert_is_a_404_and_cannot_be_touched(staff_client_b, patient_a):
    alert = alert_for(patient_a)
    assert staff_client_b.get("/api/v1/alerts/").json()["results"] == []
    assert staff_client_b.get(f"/api/v1/alerts/?patient={patient_a.pk}").json()["results"] == []
    for action in ("acknowledge", "resolve"):
        assert staff_client_b.post(f"/api/v1/alerts/{alert.pk}/{action}/", {}, format="json").status_code == 404
    alert.refresh_from_db()
    assert alert.status == "open"


def test_the_openapi_schema_describes_the_staff_calls_without_a_warning(tmp_path):
    import yaml
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    paths = schema["paths"]
    assert set(paths["/api/v1/patients/"]) >= {"get", "post"}
    assert "201" in paths["/api/v1/patients/"]["post"]["responses"]
    assert paths["/api/v1/alerts/{id}/resolve/"]["post"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StaffAlert"
    }
    assert {"400", "409"} <= set(paths["/api/v1/alerts/{id}/resolve/"]["post"]["responses"])
    resolve_body = schema["components"]["schemas"]["AlertResolveRequest"]["properties"]
    assert set(resolve_body) == {"note", "useful"}
    assert "useful" in schema["components"]["schemas"]["StaffAlert"]["properties"]
    patient = schema["components"]["schemas"]["StaffPatient"]["properties"]
    assert {"recovery_day", "last_checkin_date", "open_alerts", "status"} <= set(patient)
    assert "enrollment_code" in schema["components"]["schemas"]["StaffPatientCreated"]["properties"]
