"""The admin is for superusers only, and its audit trail cannot be edited there."""

import pytest
from django.contrib.auth import get_user_model

from patients.models import AuditEvent


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root.admin", password="a-long-admin-password-1")


def test_a_nurse_with_staff_status_cannot_use_the_admin(client, nurse_a):
    nurse_a.is_staff = True
    nurse_a.save()
    client.force_login(nurse_a)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_superuser_reads_the_audit_trail_but_cannot_change_it(client, superuser, patient_a, nurse_a):
    event = AuditEvent.objects.create(actor=nurse_a, actor_label="nurse.a", patient=patient_a, action="view", resource="patient")
    client.force_login(superuser)
    listing = client.get("/admin/patients/auditevent/?action__exact=view")
    assert listing.status_code == 200
    assert b"nurse.a" in listing.content
    change = client.post(f"/admin/patients/auditevent/{event.pk}/change/", {"action": "delete"})
    assert change.status_code == 403 or AuditEvent.objects.get(pk=event.pk).action == "view"
    assert client.post(f"/admin/patients/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_protocols_are_editable_by_a_superuser_in_the_admin(client, superuser):
    client.force_login(superuser)
    response = client.get("/admin/recovery/recoveryprotocol/")
    assert response.status_code == 200
    assert b"Minimally invasive lumbar fusion" in response.content


def test_a_protocol_cannot_be_deleted_so_no_patient_is_left_without_one(client, superuser, patient_a):
    from recovery.models import RecoveryProtocol

    protocol = RecoveryProtocol.objects.get(procedure=patient_a.procedure)
    client.force_login(superuser)
    assert client.post(f"/admin/recovery/recoveryprotocol/{protocol.pk}/delete/", {"post": "yes"}).status_code == 403
    assert RecoveryProtocol.objects.filter(pk=protocol.pk).exists()
    change_page = client.get(f"/admin/recovery/recoveryprotocol/{protocol.pk}/change/")
    assert change_page.status_code == 200
    assert b"/delete/" not in change_page.content


def _change_form(client, protocol) -> tuple[str, dict]:
    """The protocol's change page in the admin, and the POST body that saves it as it stands."""
    url = f"/admin/recovery/recoveryprotocol/{protocol.pk}/change/"
    response = client.get(url)
    data = {}

    def put(form, name, field):
        value = form.initial.get(name, field.initial)
        if callable(value):
            value = value()
        if isinstance(value, bool):
            if value:
                data[form.add_prefix(name)] = "on"
            return
        data[form.add_prefix(name)] = "" if value is None else getattr(value, "pk", value)

    admin_form = response.context["adminform"].form
    for name, field in admin_form.fields.items():
        put(admin_form, name, field)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for form in formset.forms:
            for name, field in form.fields.items():
                put(form, name, field)
    return url, data


def _row(data: dict, prefix: str, milestone: str) -> str:
    """The form prefix ("milestones-3") of a milestone's inline row."""
    return next(k.rsplit("-", 1)[0] for k, v in data.items() if k.startswith(prefix + "-") and k.endswith("-milestone") and v == milestone)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pain_high_at", "15", "The high-pain threshold is a score on the 0-10 pain scale: it must be from 0 to 10."),
        ("missed_high_pain_at", "11", "is a score on the 0-10 pain scale"),
        ("pain_rise_points", "-2", "A rise in pain must be more than 0 points to mean anything."),
        ("pain_rise_points", "0", "A rise in pain must be more than 0 points to mean anything."),
        ("program_days", "0", "The program must last at least 1 day after surgery."),
        ("program_days", "5000", "The program can last at most 365 days after surgery."),
        ("pain_high_days", "0", "Days of high pain in a row must be at least 1 day."),
        ("trend_days", "0", "Days averaged for a trend must be at least 1 day."),
        ("missed_days_early", "0", "Missed days early on must be at least 1 day."),
        ("resolve_min_logged_days", "9", "cannot be more than the days of settled pain (7)."),
    ],
)
def test_the_admin_refuses_a_dangerous_protocol_value_with_the_reason(client, superuser, field, value, message):
    from recovery.models import RecoveryProtocol

    protocol = RecoveryProtocol.objects.get(procedure="mis_lumbar_fusion")
    before = {f.name: getattr(protocol, f.name) for f in protocol._meta.concrete_fields if f.name != "updated_at"}
    client.force_login(superuser)
    url, data = _change_form(client, protocol)
    data[field] = value
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, not a redirect: nothing saved
    assert message in response.content.decode()
    protocol.refresh_from_db()
    assert {f: getattr(protocol, f) for f in before} == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"expected_from": "5", "expected_by": "2"}, "Expected by (day 2) is before expected from (day 5): the window must run forwards."),
        ({"overdue_after": "0"}, "a milestone cannot be overdue before it is expected."),
    ],
)
def test_a_milestone_window_in_the_wrong_order_is_refused_in_words_a_nurse_reads(client, superuser, change, message):
    from recovery.models import ProtocolMilestone, RecoveryProtocol

    protocol = RecoveryProtocol.objects.get(procedure="mis_lumbar_fusion")
    client.force_login(superuser)
    url, data = _change_form(client, protocol)
    row = _row(data, "milestones", "discharged")
    for name, value in change.items():
        data[f"{row}-{name}"] = value
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html.replace("&#x27;", "'")
    assert "is violated" not in html
    window = ProtocolMilestone.objects.get(protocol=protocol, milestone="discharged")
    assert (window.expected_from, window.expected_by, window.overdue_after) == (0, 2, 2)


def test_the_database_refuses_what_the_admin_refuses(db):
    from django.db import IntegrityError, transaction

    from recovery.models import ProtocolBand, RecoveryProtocol

    protocol = RecoveryProtocol.objects.get(procedure="mis_lumbar_fusion")
    for field, value in (("pain_high_at", 15), ("program_days", 0), ("pain_rise_points", -2), ("trend_days", 0)):
        with pytest.raises(IntegrityError), transaction.atomic():
            RecoveryProtocol.objects.filter(pk=protocol.pk).update(**{field: value})
    with pytest.raises(IntegrityError), transaction.atomic():
        ProtocolBand.objects.filter(protocol=protocol, measure="pain_max").update(value=12)


def test_every_change_to_a_protocol_is_kept_with_who_when_and_the_old_and_new_values(client, superuser):
    from recovery.models import ProtocolMilestone, RecoveryProtocol

    protocol = RecoveryProtocol.objects.get(procedure="mis_lumbar_fusion")
    client.force_login(superuser)
    url, data = _change_form(client, protocol)
    data["pain_high_at"] = "7"
    data[f"{_row(data, 'milestones', 'discharged')}-expected_by"] = "3"
    data[f"{_row(data, 'milestones', 'discharged')}-overdue_after"] = "4"
    assert client.post(url, data).status_code == 302
    latest = protocol.history.latest()
    assert (latest.history_user, latest.pain_high_at) == (superuser, 7)
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("pain_high_at", 8, 7)]
    window = ProtocolMilestone.objects.get(protocol=protocol, milestone="discharged")
    change = window.history.latest()
    assert change.history_user == superuser
    assert sorted((c.field, c.old, c.new) for c in change.diff_against(change.prev_record).changes) == [
        ("expected_by", 2, 3),
        ("overdue_after", 2, 4),
    ]
    # Shown in the admin: the protocol's history page, and its windows' changes on its page.
    history = client.get(f"/admin/recovery/recoveryprotocol/{protocol.pk}/history/").content.decode()
    assert "root.admin" in history
    page = client.get(url).content.decode()
    assert "expected_by: 2 → 3" in page and "overdue_after: 2 → 4" in page and "root.admin" in page


# -- every admin page of patient data, and every change there, is audited (channel admin) ---------------


@pytest.fixture
def patient_data(patient_a):
    """One row of each kind of patient data the admin shows."""
    import datetime

    from notifications.models import Message
    from recovery.models import Alert, DailyRecord

    record = DailyRecord.objects.create(patient=patient_a, date=patient_a.surgery_date + datetime.timedelta(days=1), pain=4)
    alert = Alert.objects.create(
        patient=patient_a, kind="pain_high", severity="high", status="open", recovery_day=1,
        evidence_date=record.date, message="pain high on day 1",
    )
    message = Message.objects.filter(patient=patient_a).first()
    code = patient_a.enrollment_codes.first()
    return {"patient": patient_a, "dailyrecord": record, "alert": alert, "message": message, "enrollmentcode": code}


_PAGES = [
    ("patients", "patient"),
    ("patients", "enrollmentcode"),
    ("recovery", "dailyrecord"),
    ("recovery", "alert"),
    ("notifications", "message"),
]


def _admin_rows(patient):
    return AuditEvent.objects.filter(channel="admin", patient=patient)


def _post_data(page, **changes) -> dict:
    """The admin change form of `page` as the browser would post it back, with `changes`."""
    data = {}
    form = page.context["adminform"].form
    for name, bound in form._bound_items():
        value = bound.value()
        if value is None or value is False:
            continue
        data[bound.html_name] = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name, bound in management._bound_items():
            data[bound.html_name] = str(bound.value())
        for sub in inline.formset.forms:
            for name, bound in sub._bound_items():
                value = bound.value()
                if value is not None and value is not False:
                    data[bound.html_name] = str(value)
    data.update(changes)
    return data


@pytest.mark.parametrize(("app", "model"), _PAGES)
def test_each_admin_page_showing_patient_data_writes_an_audit_row(client, superuser, patient_data, app, model):
    patient, obj = patient_data["patient"], patient_data[model]
    client.force_login(superuser)
    for page, action in (("", "list"), (f"{obj.pk}/change/", "view"), (f"{obj.pk}/history/", "view"), (f"{obj.pk}/delete/", "view")):
        before = _admin_rows(patient).count()
        response = client.get(f"/admin/{app}/{model}/{page}")
        assert response.status_code == 200, page
        rows = _admin_rows(patient).order_by("id")[before:]
        assert [(row.action, row.actor_label) for row in rows] == [(action, "root.admin")], page
        assert rows[0].resource.startswith(f"admin:{model}")


def test_a_change_in_the_admin_is_audited_with_the_fields_changed_but_not_their_values(client, superuser, patient_data):
    alert = patient_data["alert"]
    client.force_login(superuser)
    page = client.get(f"/admin/recovery/alert/{alert.pk}/change/")
    response = client.post(f"/admin/recovery/alert/{alert.pk}/change/", _post_data(page, message="edited by an administrator"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    (row,) = _admin_rows(alert.patient).filter(action="update")
    assert "message" in row.detail and "edited by" not in row.detail


def test_a_deletion_in_the_admin_is_audited_before_the_row_goes(client, superuser, patient_data):
    record = patient_data["dailyrecord"]
    client.force_login(superuser)
    assert client.post(f"/admin/recovery/dailyrecord/{record.pk}/delete/", {"post": "yes"}).status_code == 302
    assert _admin_rows(record.patient).filter(action="delete", resource="admin:dailyrecord").exists()


def test_the_admin_takes_a_phone_as_typed_and_refuses_another_clinics_active_number(client, superuser, patient_a, make_patient, clinic_b):
    other = make_patient(clinic=clinic_b, phone="+15550309876")
    client.force_login(superuser)
    page = client.get(f"/admin/patients/patient/{patient_a.pk}/change/")
    data = _post_data(page, phone=other.phone)
    refused = client.post(f"/admin/patients/patient/{patient_a.pk}/change/", data)
    assert refused.status_code == 200 and "phone" in refused.context["adminform"].form.errors
    data["phone"] = "(312) 555-0142"
    assert client.post(f"/admin/patients/patient/{patient_a.pk}/change/", data).status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.phone == "+13125550142"


def test_the_enrollment_code_page_shows_neither_hash_nor_seed(client, superuser, patient_data):
    code = patient_data["enrollmentcode"]
    client.force_login(superuser)
    page = client.get(f"/admin/patients/enrollmentcode/{code.pk}/change/").content.decode()
    assert code.code_hash not in page and (not code.seed or code.seed not in page)


# -- the audit trail is append-only in the database -------------------------------------------------------


def test_the_database_refuses_to_update_or_delete_an_audit_row(patient_a, nurse_a):
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    event = AuditEvent.objects.create(actor=nurse_a, actor_label="nurse.a", patient=patient_a, action="view", resource="patient")
    table = AuditEvent._meta.db_table
    for sql in (f"UPDATE {table} SET action = 'delete' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):  # noqa: S608
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(detail="rewritten")
    event.refresh_from_db()
    assert (event.action, event.detail) == ("view", "")


def test_deleting_a_user_keeps_the_audit_rows_with_their_label(patient_a, nurse_a):
    event = AuditEvent.objects.create(actor=nurse_a, actor_label="nurse.a", patient=patient_a, action="view", resource="patient")
    nurse_a.delete()
    event.refresh_from_db()
    assert (event.actor_id, event.actor_label, event.action) == (None, "nurse.a", "view")
