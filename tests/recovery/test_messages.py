"""Patients' messages that wait for a nurse: recorded once per source, scoped to the nurse's clinics,
marked read with who and when, every read audited; and the staff API over them."""

import datetime
import threading
import uuid

import pytest
from django.db import connection, transaction

from patients.models import AuditEvent
from recovery.models import PatientMessage
from recovery.selectors import patient_message_list, patient_messages_unread_count
from recovery.services import patient_message_read, patient_message_record

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 5, 4, 15, 30, tzinfo=datetime.UTC)


def note(patient, text="I fell this morning and my leg feels weak", **fields):
    params = {
        "clinic_id": patient.clinic_id,
        "patient_id": patient.pk,
        "text": text,
        "channel": "app",
        "reason": "note",
        "received_at": NOW,
        "date": NOW.date(),
        "source": str(uuid.uuid4()),
    }
    params.update(fields)
    return patient_message_record(**params)


def shared(clinic, candidates, text="pain 4", source="812"):
    return patient_message_record(
        clinic_id=clinic.pk,
        patient_id=None,
        text=text,
        channel="sms",
        reason="shared_phone",
        received_at=NOW,
        candidates=[p.pk for p in candidates],
        source=source,
    )


# -- recording ------------------------------------------------------------------------------------

def test_a_note_waits_unread_for_the_nurses_of_its_clinic(patient_a, nurse_a, nurse_b):
    message = note(patient_a)
    assert message.read_at is None
    assert patient_messages_unread_count(nurse=nurse_a) == 1
    assert [m.text for m in patient_message_list(nurse=nurse_a, status="unread")] == ["I fell this morning and my leg feels weak"]
    # The nurse of clinic B sees nothing of it.
    assert patient_messages_unread_count(nurse=nurse_b) == 0
    assert list(patient_message_list(nurse=nurse_b)) == []


def test_a_retried_webhook_keeps_one_message(patient_a, nurse_a):
    first = patient_message_record(
        clinic_id=patient_a.clinic_id, patient_id=patient_a.pk, text="can't pee", channel="sms",
        reason="not_understood", received_at=NOW, source="4711",
    )
    again = patient_message_record(
        clinic_id=patient_a.clinic_id, patient_id=patient_a.pk, text="can't pee", channel="sms",
        reason="not_understood", received_at=NOW, source="4711",
    )
    assert again.pk == first.pk
    assert PatientMessage.objects.count() == 1
    # Without a source every call is its own message: notes of one day accumulate.
    note(patient_a, source="")
    note(patient_a, source="")
    assert PatientMessage.objects.count() == 3


def test_a_clash_on_the_source_leaves_the_callers_transaction_usable(patient_a):
    source = str(uuid.uuid4())
    note(patient_a, source=source)
    with transaction.atomic():
        again = note(patient_a, source=source, text="the same check-in, replayed")
        # The caller goes on writing in its transaction after the clash.
        later = note(patient_a)
    assert again.text == "I fell this morning and my leg feels weak"
    assert PatientMessage.objects.filter(pk=later.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliveries_of_one_sms_write_one_message(patient_a):
    """Two webhook deliveries of one SMS at once: the unique source lets one insert win; the other
    returns the winner's row instead of failing."""
    results, errors = [], []
    barrier = threading.Barrier(2)

    def deliver():
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                results.append(
                    patient_message_record(
                        clinic_id=patient_a.clinic_id, patient_id=patient_a.pk, text="temp 101", channel="sms",
                        reason="not_understood", received_at=NOW, source="9001",
                    ).pk
                )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(set(results)) == 1
    assert PatientMessage.objects.count() == 1


def test_recording_a_message_costs_few_queries(patient_a, clinic_a, make_patient, django_assert_num_queries):
    # It runs inside a check-in or the SMS webhook. Queries: the check that the patients named are
    # of the clinic, the INSERT; with a source, the SELECT of the row that stands (ours, or the
    # first delivery's); with candidates, their INSERT. No savepoint.
    with django_assert_num_queries(2):
        note(patient_a, source="")
    with django_assert_num_queries(3):
        note(patient_a)
    holders = [make_patient(), make_patient()]
    with django_assert_num_queries(4):
        shared(clinic_a, holders)


def test_the_text_is_kept_as_it_came_without_nul_and_at_most_2000_characters(patient_a):
    message = note(patient_a, text="me falta\x00 el aire \ud800" + "x" * 3000)
    message.refresh_from_db()
    assert message.text.startswith("me falta el aire ?")
    assert len(message.text) == 2000


def test_a_shared_phone_message_names_its_candidates_and_no_patient(clinic_a, make_patient, nurse_a):
    mother, son = make_patient(phone="+15550300100"), make_patient(phone="+15550300100")
    message = shared(clinic_a, [mother, son])
    listed = patient_message_list(nurse=nurse_a).get(pk=message.pk)
    assert listed.patient_id is None
    assert sorted(c.pk for c in listed.candidates.all()) == sorted([mother.pk, son.pk])
    # Each candidate's messages include it; another patient's do not.
    assert [m.pk for m in patient_message_list(nurse=nurse_a, patient_id=son.pk)] == [message.pk]
    assert list(patient_message_list(nurse=nurse_a, patient_id=make_patient().pk)) == []


def test_a_message_cannot_name_another_clinics_patient(clinic_a, clinic_b, make_patient):
    theirs = make_patient(clinic=clinic_b)
    with pytest.raises(ValueError, match="not of clinic"):
        note(theirs, clinic_id=clinic_a.pk)
    with pytest.raises(ValueError, match="not of clinic"):
        shared(clinic_a, [make_patient(), theirs])
    assert not PatientMessage.objects.exists()


@pytest.mark.parametrize(
    "change",
    [{"channel": "fax"}, {"reason": "gossip"}, {"reason": "shared_phone"}, {"patient_id": None}],
)
def test_a_message_that_makes_no_sense_is_refused(patient_a, change):
    with pytest.raises(ValueError):
        note(patient_a, **change)
    assert not PatientMessage.objects.exists()


# -- reading --------------------------------------------------------------------------------------

def test_a_nurse_marks_a_message_read_and_it_is_audited(patient_a, nurse_a):
    message = note(patient_a)
    read = patient_message_read(message_id=message.pk, nurse=nurse_a, now=NOW)
    assert (read.read_at, read.read_by) == (NOW, nurse_a)
    assert patient_messages_unread_count(nurse=nurse_a) == 0
    assert [m.pk for m in patient_message_list(nurse=nurse_a, status="read")] == [message.pk]
    event = AuditEvent.objects.get(resource="messages")
    assert (event.actor, event.patient_id, event.action) == (nurse_a, patient_a.pk, "update")


def test_marking_a_read_message_again_keeps_the_first_reader(patient_a, nurse_a, make_patient):
    from patients.services import nurse_create

    colleague = nurse_create(username="nurse.a2", password="a-long-test-password-1", clinic_name="Clinic A").user
    message = note(patient_a)
    patient_message_read(message_id=message.pk, nurse=nurse_a, now=NOW)
    again = patient_message_read(message_id=message.pk, nurse=colleague, now=NOW + datetime.timedelta(hours=1))
    assert (again.read_at, again.read_by) == (NOW, nurse_a)
    # The second look is still a read of the patient's words: audited as a view.
    assert list(AuditEvent.objects.filter(resource="messages").order_by("id").values_list("actor_label", "action")) == [
        ("nurse.a", "update"),
        ("nurse.a2", "view"),
    ]


def test_another_clinics_nurse_cannot_mark_it_read(patient_a, nurse_b):
    message = note(patient_a)
    with pytest.raises(PatientMessage.DoesNotExist):
        patient_message_read(message_id=message.pk, nurse=nurse_b)
    message.refresh_from_db()
    assert message.read_at is None
    assert not AuditEvent.objects.filter(resource="messages").exists()


def test_reading_a_shared_phone_message_is_audited_for_each_candidate(clinic_a, make_patient, nurse_a):
    mother, son = make_patient(phone="+15550300100"), make_patient(phone="+15550300100")
    message = shared(clinic_a, [mother, son])
    patient_message_read(message_id=message.pk, nurse=nurse_a)
    assert sorted(AuditEvent.objects.filter(resource="messages").values_list("patient_id", flat=True)) == sorted([mother.pk, son.pk])


# -- staff API ------------------------------------------------------------------------------------

LIST = "/api/v1/messages/"


def test_the_api_lists_messages_newest_first_with_their_fields(staff_client_a, patient_a, clinic_a, make_patient):
    older = note(patient_a, received_at=NOW - datetime.timedelta(hours=3), text="took my pain pills")
    mother, son = make_patient(phone="+15550300100"), make_patient(phone="+15550300100")
    newer = shared(clinic_a, [son, mother])
    answer = staff_client_a.get(LIST)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert [m["id"] for m in body["results"]] == [newer.pk, older.pk]
    first, second = body["results"]
    assert first == {
        "id": newer.pk,
        "patient": None,
        "candidates": sorted([mother.pk, son.pk]),
        "clinic": clinic_a.pk,
        "channel": "sms",
        "reason": "shared_phone",
        "text": "pain 4",
        "received_at": "2026-05-04T15:30:00Z",
        "date": None,
        "read_at": None,
        "read_by": None,
    }
    assert (second["patient"], second["candidates"], second["reason"], second["date"]) == (patient_a.pk, [], "note", "2026-05-04")
    # The list is a read of each patient's words: one audit row per patient shown.
    assert sorted(AuditEvent.objects.filter(resource="messages", action="list").values_list("patient_id", flat=True)) == sorted(
        [patient_a.pk, mother.pk, son.pk]
    )


def test_the_api_filters_by_status_and_patient(staff_client_a, patient_a, nurse_a, make_patient):
    other = make_patient()
    read = note(patient_a)
    patient_message_read(message_id=read.pk, nurse=nurse_a)
    unread = note(patient_a)
    theirs = note(other)
    ids = lambda **query: [m["id"] for m in staff_client_a.get(LIST, query).json()["results"]]  # noqa: E731
    assert ids(status="unread") == [theirs.pk, unread.pk]
    assert ids(status="read") == [read.pk]
    assert ids(status="unread", patient=patient_a.pk) == [unread.pk]
    assert staff_client_a.get(LIST, {"status": "read"}).json()["results"][0]["read_by"] == "nurse.a"


@pytest.mark.parametrize(
    ("query", "field"),
    [({"status": "seen"}, "status"), ({"patient": "A"}, "patient"), ({"patient": "99999999999999999999"}, "patient"), ({"page": "x"}, "page")],
)
def test_a_bad_filter_is_a_400_naming_it(staff_client_a, query, field):
    answer = staff_client_a.get(LIST, query)
    assert answer.status_code == 400
    assert field in answer.json()


def test_a_nurse_marks_a_message_read_through_the_api(staff_client_a, nurse_a, patient_a):
    message = note(patient_a)
    answer = staff_client_a.post(f"{LIST}{message.pk}/read/")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["id"], body["read_by"]) == (message.pk, "nurse.a")
    assert body["read_at"] is not None
    assert staff_client_a.get(LIST, {"status": "unread"}).json()["results"] == []
    # Again: 200, unchanged.
    again = staff_client_a.post(f"{LIST}{message.pk}/read/").json()
    assert (again["read_at"], again["read_by"]) == (body["read_at"], "nurse.a")


def test_another_clinics_message_is_a_404_and_stays_unread(staff_client_b, patient_a):
    message = note(patient_a)
    assert staff_client_b.post(f"{LIST}{message.pk}/read/").status_code == 404
    assert staff_client_b.post(f"{LIST}99999999999999999999/read/").status_code == 404
    assert staff_client_b.get(LIST).json()["results"] == []
    message.refresh_from_db()
    assert message.read_at is None
    assert not AuditEvent.objects.filter(patient=patient_a).exists()


def test_a_patients_token_cannot_list_the_messages(patient_client_a, patient_a):
    note(patient_a)
    assert patient_client_a.get(LIST).status_code == 403


def test_the_message_list_costs_the_same_queries_for_3_or_30_messages(
    staff_client_a, clinic_a, make_patient, django_assert_num_queries
):
    def populate(n):
        for i in range(n):
            patient = make_patient()
            note(patient) if i % 3 else shared(clinic_a, [patient, make_patient()], source=str(uuid.uuid4()))

    populate(3)
    # Queries: the nurse (token), the clinic membership (IsStaff), the count, the page (with the
    # patient, clinic and reader joined), the candidates of the page, the audit rows.
    with django_assert_num_queries(6):
        assert len(staff_client_a.get(LIST).json()["results"]) == 3
    populate(27)
    with django_assert_num_queries(6):
        assert len(staff_client_a.get(LIST).json()["results"]) == 30


def test_the_schema_describes_the_message_calls(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    assert {p["name"] for p in paths["/api/v1/messages/"]["get"]["parameters"]} >= {"status", "patient", "page"}
    assert "200" in paths["/api/v1/messages/{id}/read/"]["post"]["responses"]
    assert "404" in paths["/api/v1/messages/{id}/read/"]["post"]["responses"]

