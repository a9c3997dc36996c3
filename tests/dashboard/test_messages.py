"""Patients' messages on the nurses' pages: the count beside Alerts on every page, the marker on the
worklist row, the texts on the patient's page, the messages page, and Mark read (CSRF, audited)."""

import datetime
import re

import pytest
from django.test import Client

from patients.models import AuditEvent
from recovery.models import PatientMessage
from recovery.services import patient_message_read, patient_message_record

pytestmark = pytest.mark.django_db

MESSAGES = "/messages/"
NOW = datetime.datetime(2026, 5, 4, 15, 30, tzinfo=datetime.UTC)


def note(patient, text="I fell this morning and my leg feels weak", received_at=NOW, **fields):
    return patient_message_record(
        clinic_id=patient.clinic_id,
        patient_id=patient.pk,
        text=text,
        channel=fields.pop("channel", "app"),
        reason=fields.pop("reason", "note"),
        received_at=received_at,
        **fields,
    )


def shared(clinic, candidates, text="pain 4"):
    return patient_message_record(
        clinic_id=clinic.pk, patient_id=None, text=text, channel="sms", reason="shared_phone", received_at=NOW,
        candidates=[p.pk for p in candidates],
    )


def _nav_count(html: str) -> str | None:
    found = re.search(r'id="unread-messages-count"[^>]*>(\d+)<', html)
    return found.group(1) if found else None


def test_the_unread_count_stands_beside_alerts_on_every_page(nurse_client_a, nurse_client_b, make_patient):
    patient = make_patient()
    note(patient)
    note(patient, text="can't pee", channel="sms", reason="not_understood")
    for path in ("/", f"/patients/{patient.pk}/", "/alerts/", "/cohort/", MESSAGES):
        html = nurse_client_a.get(path).content.decode()
        assert _nav_count(html) == "2", path
        assert 'aria-label="2 unread"' in html
    # The nurse of clinic B has nothing to read.
    assert _nav_count(nurse_client_b.get("/").content.decode()) is None


def test_the_worklist_marks_the_row_of_a_patient_with_unread_messages(nurse_client_a, nurse_a, make_patient, clinic_a):
    writer, quiet, sharer = make_patient(last_name="Writer"), make_patient(last_name="Quiet"), make_patient(last_name="Sharer")
    note(writer)
    read = note(writer)
    patient_message_read(message_id=read.pk, nurse=nurse_a)
    shared(clinic_a, [sharer, make_patient(last_name="Other")])
    html = nurse_client_a.get("/").content.decode()
    rows = {m.group(1): m.group(0) for m in re.finditer(r'<tr class="row-[^"]*" data-patient-id="(\d+)">.*?</tr>', html, re.S)}
    assert "1 unread message<" in rows[str(writer.pk)]
    assert "unread" not in rows[str(quiet.pk)]
    # A message from a shared phone may be any of its holders': each row is marked.
    assert "1 unread message<" in rows[str(sharer.pk)]


def test_the_patient_page_shows_the_texts_unread_first(nurse_client_a, nurse_a, make_patient):
    patient = make_patient()
    first = note(patient, text="took my pain pills, pain 3", received_at=NOW - datetime.timedelta(hours=2))
    patient_message_read(message_id=first.pk, nurse=nurse_a)
    note(patient, text="me falta el aire", channel="sms", reason="not_understood", received_at=NOW - datetime.timedelta(hours=5))
    html = nurse_client_a.get(f"/patients/{patient.pk}/").content.decode()
    section = html[html.index('id="inbox"') : html.index('id="charts"')]
    assert section.index("me falta el aire") < section.index("took my pain pills")
    assert "Text the service could not fully read" in section and "SMS reply" in section
    assert "Note written with a check-in" in section and "Mark read" in section
    assert "Read by nurse.a" in section
    assert section.count('name="csrfmiddlewaretoken"') == 1  # one Mark read form: the unread one
    assert "1 unread message." in html  # the at-a-glance sentence


def test_mark_read_needs_the_csrf_token_and_is_audited(nurse_a, make_patient):
    patient = make_patient()
    message = note(patient)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(nurse_a)
    assert browser.post(f"{MESSAGES}{message.pk}/read/").status_code == 403
    message.refresh_from_db()
    assert message.read_at is None
    page = browser.get(f"/patients/{patient.pk}/").content.decode()
    token = re.search(rf'action="/messages/{message.pk}/read/".*?name="csrfmiddlewaretoken" value="([^"]+)"', page, re.S).group(1)
    answer = browser.post(f"{MESSAGES}{message.pk}/read/", {"csrfmiddlewaretoken": token, "next": f"/patients/{patient.pk}/#inbox"})
    assert answer.status_code == 302 and answer["Location"] == f"/patients/{patient.pk}/#inbox"
    message.refresh_from_db()
    assert (message.read_by, message.read_at is not None) == (nurse_a, True)
    event = AuditEvent.objects.get(resource="messages", action="update")
    assert (event.actor, event.patient_id, event.channel) == (nurse_a, patient.pk, "dashboard")
    assert _nav_count(browser.get("/").content.decode()) is None


def test_another_clinics_message_is_a_404(nurse_client_b, make_patient):
    message = note(make_patient())
    assert nurse_client_b.post(f"{MESSAGES}{message.pk}/read/").status_code == 404
    assert nurse_client_b.get(MESSAGES).content.decode().count("data-message-id") == 0
    message.refresh_from_db()
    assert message.read_at is None


def test_the_messages_page_lists_unread_ones_and_names_a_shared_phones_candidates(nurse_client_a, nurse_a, make_patient, clinic_a):
    writer = make_patient(first_name="Wendy", last_name="Writer")
    mother, son = make_patient(first_name="Mara", last_name="Sharedphone"), make_patient(first_name="Sam", last_name="Sharedphone")
    read = note(writer, text="an old note")
    patient_message_read(message_id=read.pk, nurse=nurse_a)
    note(writer, text="incision is leaking", received_at=NOW - datetime.timedelta(hours=1))
    shared(clinic_a, [mother, son], text="pain 4")
    html = nurse_client_a.get(MESSAGES).content.decode()
    assert html.index("pain 4") < html.index("incision is leaking")  # newest first
    assert "an old note" not in html
    assert f'href="/patients/{mother.pk}/#inbox">Sharedphone, Mara' in html
    assert f'href="/patients/{son.pk}/#inbox">Sharedphone, Sam' in html
    assert f'href="/patients/{writer.pk}/#inbox">Writer, Wendy' in html
    assert "From a phone shared by" in html
    # Read ones on request; a bad filter is a 400 that still shows the unread ones.
    assert "an old note" in nurse_client_a.get(MESSAGES, {"status": "read"}).content.decode()
    bad = nurse_client_a.get(MESSAGES, {"status": "seen"})
    assert bad.status_code == 400 and "incision is leaking" in bad.content.decode()
    # The page is a read of each patient shown: audited.
    listed = set(AuditEvent.objects.filter(resource="messages", action="list").values_list("patient_id", flat=True))
    assert {writer.pk, mother.pk, son.pk} <= listed


def test_the_messages_page_takes_a_fixed_number_of_queries(nurse_client_a, make_patient, clinic_a, django_assert_num_queries):
    # Queries: session, user, clinics, count, the page of messages (patient, clinic, reader joined),
    # the candidates of the page, the audit rows, the navigation's counts.
    note(make_patient())
    with django_assert_num_queries(8):
        nurse_client_a.get(MESSAGES)
    for n in range(20):
        patient = make_patient()
        note(patient) if n % 2 else shared(clinic_a, [patient, make_patient()])
    with django_assert_num_queries(8):
        assert nurse_client_a.get(MESSAGES).content.decode().count("data-message-id") == 21
    assert PatientMessage.objects.filter(read_at__isnull=True).count() == 21
