"""Caregivers by SMS, on PostgreSQL and through the Twilio stand-in: the copies of the reminders and the
missed-day nudges (as the patient chooses, with the caregiver's own consent and link, in the caregiver's
language, never in the quiet hours, never twice), a caregiver's check-in by SMS recorded as theirs, a
phone that belongs to more than one person given to nobody, and STOP and START for the caregiver only."""

import datetime
import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from caregivers.models import Caregiver, CaregiverCheckin
from caregivers.services import caregiver_add
from notifications.models import Message
from notifications.services import reminders, sending
from patients.models import AuditEvent, Patient
from recovery.choices import MessageReason
from recovery.models import DailyRecord, PatientMessage
from tests.webcheckin.conftest import sent_text
from webcheckin.links import LINK_MASK
from webcheckin.models import CheckinLink

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
CAREGIVER_PHONE = "+15550400001"
LIVE_LINK = re.compile(r"https?://[^/\s]+(/c/[A-Za-z0-9_-]{22})")


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=CHICAGO)


def _caregiver(patient, *, receives="reminders", language="es", sms_opt_in=True, phone=CAREGIVER_PHONE, name="Sam Spouse"):
    return caregiver_add(
        patient=patient, user=None, name=name, relationship="spouse", phone=phone, language=language, sms_opt_in=sms_opt_in,
        receives=receives, channel="api",
    )


def _to_caregivers():
    return Message.objects.filter(purpose__in=["caregiver_copy", "caregiver_nudge"])


def _inbound(phone, body, sid="SM" + "c" * 32):
    return {"MessageSid": sid, "AccountSid": "AC" + "0" * 31 + "1", "From": phone, "To": "+15550009999", "Body": body, "NumMedia": "0"}


# --- copies and nudges ------------------------------------------------------------------------------


def test_a_caregiver_gets_a_copy_of_the_reminder_with_their_own_link_in_their_language(twilio, make_patient, today):
    patient = make_patient(first_name="Alma", surgery_days_ago=5)
    caregiver = _caregiver(patient, receives="reminders", language="es")
    moment = _at(today, 18, 0)
    assert reminders.reminders_enqueue(now=moment) == 2
    copy = _to_caregivers().get()
    assert copy.purpose == "caregiver_copy" and copy.to_phone == CAREGIVER_PHONE and copy.caregiver_id == caregiver.pk
    assert copy.patient_id == patient.pk and copy.local_date == today
    # Stored with the link masked; no token anywhere in the row.
    assert "/c/" + LINK_MASK in copy.body and not LIVE_LINK.search(copy.body)
    assert "Control diario de Alma" in copy.body

    daily = Message.objects.filter(purpose__in=["reminder", "caregiver_copy"])
    outcomes = sending.messages_send(message_ids=list(daily.values_list("id", flat=True)), now=moment)
    assert set(outcomes.values()) == {"sent"}
    to_caregiver = [s for s in twilio.sent if s.to == CAREGIVER_PHONE]
    to_patient = [s for s in twilio.sent if s.to == patient.phone]
    assert len(to_caregiver) == 1 and len(to_patient) == 1
    caregiver_path = LIVE_LINK.search(to_caregiver[0].body).group(1)
    assert caregiver_path != LIVE_LINK.search(to_patient[0].body).group(1)
    # Once handed over, nothing in the database derives the link any more; the link still works.
    assert not CheckinLink.objects.filter(pk__in=daily.values_list("checkin_link_id", flat=True)).exclude(seed="").exists()
    assert Message.objects.get(pk=copy.pk).body == copy.body

    page = Client().get(caregiver_path)
    html = page.content.decode()
    assert page.status_code == 200 and "Usted responde por Alma" in html and "¿Quién responde?" not in html


def test_a_caregivers_own_link_checks_in_as_that_caregiver(twilio, make_patient, today):
    patient = make_patient(surgery_days_ago=5)
    caregiver = _caregiver(patient, receives="reminders", language="en")
    moment = _at(today, 18, 0)
    reminders.reminders_enqueue(now=moment)
    copy = _to_caregivers().get()
    path = urlsplit(LIVE_LINK.search(sent_text(copy, now=moment)).group(0)).path
    browser = Client(enforce_csrf_checks=True)
    html = browser.get(path).content.decode()
    fields = {
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1),
        "client_id": re.search(r'name="client_id" value="([^"]+)"', html).group(1),
    }
    answer = browser.post(path, {**fields, "pain": "3"})
    assert answer.status_code == 201
    answered = CaregiverCheckin.objects.get()
    assert answered.caregiver_id == caregiver.pk and answered.channel == "web" and answered.date == today
    row = AuditEvent.objects.get(patient=patient, resource="checkins")
    assert row.actor_label == f"caregiver {caregiver.pk}: Sam Spouse"


def test_a_nudge_goes_only_after_a_missed_day(twilio, make_patient, today):
    missed = make_patient(surgery_days_ago=5)
    kept_up = make_patient(surgery_days_ago=5)
    operated_today = make_patient(surgery_days_ago=0)
    DailyRecord.objects.create(patient=kept_up, date=today - datetime.timedelta(days=1), pain=3)
    nudged = _caregiver(missed, receives="missed_day", language="en")
    _caregiver(kept_up, receives="missed_day", phone="+15550400002")
    _caregiver(operated_today, receives="missed_day", phone="+15550400003")
    reminders.reminders_enqueue(now=_at(today, 18, 0))
    nudge = _to_caregivers().get()
    assert nudge.purpose == "caregiver_nudge" and nudge.caregiver_id == nudged.pk
    assert nudge.body.startswith("Clinic A: Test1 did not check in yesterday.")


def test_without_their_own_consent_or_with_the_patients_phone_a_caregiver_gets_nothing(twilio, make_patient, today):
    patient = make_patient(surgery_days_ago=5)
    _caregiver(patient, sms_opt_in=False)
    _caregiver(patient, phone=patient.phone, name="Same Phone")
    _caregiver(patient, receives="nothing", phone="+15550400004", name="No Texts")
    assert reminders.reminders_enqueue(now=_at(today, 18, 0)) == 1
    assert not _to_caregivers().exists()


def test_a_rerun_or_a_retried_send_texts_the_caregiver_once(twilio, make_patient, today):
    patient = make_patient(surgery_days_ago=5)
    _caregiver(patient)
    moment = _at(today, 18, 0)
    reminders.reminders_enqueue(now=moment)
    assert reminders.reminders_enqueue(now=moment + datetime.timedelta(minutes=5)) == 0
    copy = _to_caregivers().get()
    assert sending.message_send(message_id=copy.pk, now=moment) == "sent"
    # The broker delivers the task again: the row is claimed already, nothing goes twice.
    assert sending.message_send(message_id=copy.pk, now=moment) == "skipped"
    assert [s.to for s in twilio.sent] == [CAREGIVER_PHONE]


def test_a_copy_is_not_sent_in_the_quiet_hours_or_after_the_patient_checked_in(twilio, make_patient, today):
    late = make_patient(surgery_days_ago=5, reminder_time=datetime.time(20, 30))
    done = make_patient(surgery_days_ago=5)
    _caregiver(late)
    _caregiver(done, phone="+15550400002")
    reminders.reminders_enqueue(now=_at(today, 20, 30))
    late_copy, done_copy = _to_caregivers().order_by("id")
    DailyRecord.objects.create(patient=done, date=today, pain=2)
    assert sending.message_send(message_id=done_copy.pk, now=_at(today, 20, 31)) == "dropped"
    assert Message.objects.get(pk=done_copy.pk).reason == "the patient already checked in that day"
    # Held back (a worker backlog) until the clinic's quiet hours began at the patient's place.
    Message.objects.filter(pk=late_copy.pk).update(expires_at=None)
    assert sending.message_send(message_id=late_copy.pk, now=_at(today, 21, 5)) == "dropped"
    assert Message.objects.get(pk=late_copy.pk).reason == "quiet hours at the patient's place"
    assert not [s for s in twilio.sent if s.to.startswith("+1555040")]


# --- a caregiver's texts ----------------------------------------------------------------------------


def test_a_caregiver_checks_in_for_the_patient_by_sms_and_gets_the_advice_in_their_language(
    twilio_post, make_patient, staff_client_a, nurse_client_a
):
    patient = make_patient(first_name="Alma", language="en")
    caregiver = _caregiver(patient, language="es")
    response = twilio_post("/webhooks/twilio/sms/", _inbound(CAREGIVER_PHONE, "dolor 6 fiebre"))
    answer = response.content.decode()
    assert response.status_code == 200
    assert "Gracias, registrado para Alma hoy: dolor 6, fiebre." in answer
    # Sent in GSM-7 letters: "clínica" goes as "clinica" (notifications.texts.gsm7_folded).
    assert "Llame a la clinica hoy" in answer

    record = DailyRecord.objects.get(patient=patient)
    assert record.pain == 6 and record.symptoms == ["fever"] and record.channel == "sms"
    answered = CaregiverCheckin.objects.get()
    assert answered.caregiver_id == caregiver.pk and answered.channel == "sms" and answered.date == record.date
    assert AuditEvent.objects.get(patient=patient, resource="checkins").actor_label == f"caregiver {caregiver.pk}: Sam Spouse"
    inbound = Message.objects.get(direction="in")
    assert inbound.patient_id == patient.pk and inbound.caregiver_id == caregiver.pk
    # The patient's own consent is untouched, and so is the caregiver's.
    assert Patient.objects.get(pk=patient.pk).sms_opt_in and Caregiver.objects.get(pk=caregiver.pk).sms_opt_in

    # Twilio retries the webhook: the same answer, nothing stored twice.
    again = twilio_post("/webhooks/twilio/sms/", _inbound(CAREGIVER_PHONE, "dolor 6 fiebre"))
    assert again.content == response.content and CaregiverCheckin.objects.count() == 1

    # The nurse sees who answered: on the patient page and in the staff API.
    page = nurse_client_a.get(f"/patients/{patient.pk}/").content.decode()
    assert "by Sam Spouse (spouse)" in page and "from caregiver Sam Spouse (spouse)" in page
    (row,) = staff_client_a.get(f"/api/v1/patients/{patient.pk}/checkins/").json()["results"]
    assert row["answered_by"] == [{"caregiver": caregiver.pk, "name": "Sam Spouse", "relationship": "spouse", "channel": "sms"}]


def test_a_patients_own_checkin_shows_no_caregiver_in_the_api(staff_client_a, make_patient, log_days):
    patient = make_patient()
    _caregiver(patient)
    log_days(patient, {9: {"pain": 4}})
    (row,) = staff_client_a.get(f"/api/v1/patients/{patient.pk}/checkins/").json()["results"]
    assert row["answered_by"] == []


def test_what_the_grammar_cannot_read_waits_for_a_nurse_named_as_the_caregivers(twilio_post, make_patient):
    patient = make_patient()
    _caregiver(patient, language="en")
    answer = twilio_post("/webhooks/twilio/sms/", _inbound(CAREGIVER_PHONE, "she seems more tired than usual")).content.decode()
    assert "A nurse will read your message in office hours." in answer and "to answer for Test1" in answer
    unread = PatientMessage.objects.get()
    assert unread.patient_id == patient.pk and unread.text.startswith("Sam Spouse (spouse): she seems")


@pytest.mark.parametrize("also", ["caregiver of another patient", "a patient"])
def test_a_phone_that_is_more_than_one_persons_is_given_to_nobody(twilio_post, make_patient, also):
    patient = make_patient()
    other = make_patient()
    _caregiver(patient, language="en")
    if also == "a patient":
        Patient.objects.filter(pk=other.pk).update(phone=CAREGIVER_PHONE)
    else:
        _caregiver(other, language="en")
    answer = twilio_post("/webhooks/twilio/sms/", _inbound(CAREGIVER_PHONE, "pain 7 chest pain")).content.decode()
    assert "on file for more than one patient" in answer and "911" in answer
    assert not DailyRecord.objects.exists() and not CaregiverCheckin.objects.exists()
    unread = PatientMessage.objects.get()
    assert unread.reason == MessageReason.SHARED_PHONE and unread.patient_id is None
    assert sorted(unread.candidates.values_list("id", flat=True)) == sorted([patient.pk, other.pk])
    assert "Sam Spouse (spouse of patient" in unread.text


def test_stop_from_a_caregiver_stops_only_that_caregiver_and_start_restores(twilio, twilio_post, make_patient, today):
    patient = make_patient(surgery_days_ago=5)
    caregiver = _caregiver(patient, language="es")
    moment = _at(today, 18, 0)
    reminders.reminders_enqueue(now=moment)
    copy = _to_caregivers().get()

    answer = twilio_post("/webhooks/twilio/sms/", _inbound(CAREGIVER_PHONE, "STOP", sid="SM" + "d" * 32)).content.decode()
    assert "No recibira mas mensajes de Clinic A" in answer
    caregiver.refresh_from_db()
    assert not caregiver.sms_opt_in and caregiver.sms_opt_out_at is not None
    assert Message.objects.get(pk=copy.pk).status == "dropped"
    patient.refresh_from_db()
    assert patient.sms_opt_in and patient.sms_opt_out_at is None
    queued = Message.objects.filter(status="queued").exclude(purpose="enrollment")
    sending.messages_send(message_ids=list(queued.values_list("id", flat=True)), now=moment)
    assert [s.to for s in twilio.sent] == [patient.phone]

    answer = twilio_post("/webhooks/twilio/sms/", _inbound(CAREGIVER_PHONE, "START", sid="SM" + "e" * 32)).content.decode()
    assert "Volvera a recibir" in answer
    caregiver.refresh_from_db()
    assert caregiver.sms_opt_in and caregiver.sms_opt_out_at is None
    assert AuditEvent.objects.filter(patient=patient, resource="caregivers", action="update").count() == 2


def test_the_carrier_reporting_a_caregiver_unsubscribed_stops_only_the_caregiver(twilio, make_patient, today):
    patient = make_patient(surgery_days_ago=5)
    caregiver = _caregiver(patient)
    moment = _at(today, 18, 0)
    reminders.reminders_enqueue(now=moment)
    twilio.fail_number(CAREGIVER_PHONE, 21610)
    copy = _to_caregivers().get()
    assert sending.message_send(message_id=copy.pk, now=moment) == "failed"
    caregiver.refresh_from_db()
    patient.refresh_from_db()
    assert not caregiver.sms_opt_in and patient.sms_opt_in


# --- what the nurse sets ----------------------------------------------------------------------------


def test_a_nurse_sets_what_a_caregiver_is_texted_through_the_staff_api(staff_client_a, staff_client_b, make_patient):
    patient = make_patient()
    caregiver = _caregiver(patient, receives="missed_day")
    url = f"/api/v1/patients/{patient.pk}/caregivers/{caregiver.pk}/"
    changed = staff_client_a.patch(url, {"receives": "reminders"}, format="json")
    assert changed.status_code == 200 and changed.json()["receives"] == "reminders"
    assert Caregiver.objects.get(pk=caregiver.pk).receives == "reminders"
    assert AuditEvent.objects.filter(patient=patient, resource="caregivers", action="update").count() == 1

    bad = staff_client_a.patch(url, {"receives": "everything"}, format="json")
    assert bad.status_code == 400 and "receives" in bad.json()
    unknown = staff_client_a.patch(url, {"phone": "+15550400009"}, format="json")
    assert unknown.status_code == 400 and "phone" in unknown.json()
    assert staff_client_a.patch(url, {}, format="json").status_code == 400
    assert staff_client_b.patch(url, {"receives": "nothing"}, format="json").status_code == 404
    assert staff_client_a.patch(f"/api/v1/patients/{patient.pk}/caregivers/{caregiver.pk + 99}/", {"receives": "nothing"}, format="json").status_code == 404
    assert Caregiver.objects.get(pk=caregiver.pk).receives == "reminders"


def test_a_nurse_sets_what_a_caregiver_is_texted_on_the_patient_page(nurse_client_a, make_patient):
    patient = make_patient()
    caregiver = _caregiver(patient, receives="missed_day")
    page = nurse_client_a.get(f"/patients/{patient.pk}/").content.decode()
    assert f'id="receives-{caregiver.pk}"' in page
    saved = nurse_client_a.post(f"/patients/{patient.pk}/caregivers/{caregiver.pk}/texts/", {"receives": "reminders", "sms_opt_in": "on"})
    assert saved.status_code == 302 and saved["Location"].endswith("#caregivers")
    assert Caregiver.objects.get(pk=caregiver.pk).receives == "reminders"
    refused = nurse_client_a.post(f"/patients/{patient.pk}/caregivers/{caregiver.pk}/texts/", {"receives": "all"})
    assert refused.status_code == 302 and Caregiver.objects.get(pk=caregiver.pk).receives == "reminders"


def test_stop_from_the_patient_leaves_the_caregivers_texts_to_the_caregivers_consent(twilio, twilio_post, make_patient, today):
    patient = make_patient(surgery_days_ago=5)
    caregiver = _caregiver(patient)
    moment = _at(today, 18, 0)
    reminders.reminders_enqueue(now=moment)
    twilio_post("/webhooks/twilio/sms/", _inbound(patient.phone, "STOP", sid="SM" + "f" * 32))
    assert Message.objects.get(patient=patient, purpose="reminder").status == "dropped"
    copy = _to_caregivers().get()
    assert copy.status == "queued" and Caregiver.objects.get(pk=caregiver.pk).sms_opt_in
    assert sending.message_send(message_id=copy.pk, now=moment) == "sent"
    assert [s.to for s in twilio.sent] == [CAREGIVER_PHONE]


def test_a_used_caregivers_link_texts_the_new_one_to_the_caregiver(twilio, make_patient, today):
    patient = make_patient(surgery_days_ago=5)
    caregiver = _caregiver(patient, language="en")
    moment = _at(today, 18, 0)
    reminders.reminders_enqueue(now=moment)
    copy = _to_caregivers().get()
    path = urlsplit(LIVE_LINK.search(sent_text(copy, now=moment)).group(0)).path
    CheckinLink.objects.filter(pk=copy.checkin_link_id).update(expires_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    browser = Client(enforce_csrf_checks=True)
    html = browser.get(path).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert "A new link is on its way" in browser.post(path + "/new-link", {"csrfmiddlewaretoken": csrf}).content.decode()
    fresh = Message.objects.get(dedupe_key__startswith=f"checkin-link:{patient.pk}:c{caregiver.pk}:")
    assert fresh.to_phone == CAREGIVER_PHONE and fresh.caregiver_id == caregiver.pk and "/c/" + LINK_MASK in fresh.body
    new_path = LIVE_LINK.search(sent_text(fresh)).group(1)
    assert CheckinLink.objects.get(pk=fresh.checkin_link_id).caregiver_id == caregiver.pk
    assert "You are answering for" in Client().get(new_path).content.decode()


def test_a_caregivers_number_twilio_calls_invalid_is_texted_no_more(twilio, make_patient, today, staff_client_a):
    patient = make_patient(surgery_days_ago=5)
    caregiver = _caregiver(patient)
    moment = _at(today, 18, 0)
    reminders.reminders_enqueue(now=moment)
    twilio.fail_number(CAREGIVER_PHONE, 21211)
    assert sending.message_send(message_id=_to_caregivers().get().pk, now=moment) == "failed"
    caregiver.refresh_from_db()
    patient.refresh_from_db()
    assert caregiver.phone_invalid_at is not None and patient.phone_invalid_at is None
    (listed,) = staff_client_a.get(f"/api/v1/patients/{patient.pk}/caregivers/").json()["results"]
    assert listed["phone_invalid_at"] is not None
    # The next day's reminder run writes the patient's reminder and nothing for the caregiver.
    assert reminders.reminders_enqueue(now=moment + datetime.timedelta(days=1)) == 1


def test_the_caregivers_of_a_reminder_batch_take_a_fixed_number_of_queries(make_patient, today, django_assert_num_queries):
    for i in range(20):
        patient = make_patient(surgery_days_ago=5)
        _caregiver(patient, receives="reminders" if i % 2 else "missed_day", phone=f"+155504010{i:02d}")
    # 1 program lengths, 2 time zones in use, 3 the zone's select, 4 the milestone questions waiting,
    # 5 savepoint, 6 the reminders' links, 7 the reminders, 8 their ids, 9 the batch's caregivers with
    # their patients, 10 the nudged patients' check-ins of the day before, 11 the caregivers' links,
    # 12 their messages, 13 their ids, 14 release.
    with django_assert_num_queries(14):
        assert reminders.reminders_enqueue(now=_at(today, 18, 0)) == 40
    assert _to_caregivers().filter(purpose="caregiver_copy").count() == 10
    assert _to_caregivers().filter(purpose="caregiver_nudge").count() == 10
