"""Twilio's webhooks: signed requests only; STOP/START/HELP, pain replies, the grammar, unknown numbers, status."""

import datetime
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from notifications.models import Message
from notifications.services import outbox, sending
from patients.models import AuditEvent, Patient
from recovery.models import CheckinSubmission, DailyRecord, PatientMessage
from tests.notifications.conftest import sign

SMS = "/webhooks/twilio/sms/"
STATUS = "/webhooks/twilio/status/"


def _inbound(patient_or_phone, body, sid="SM" + "a" * 32):
    phone = patient_or_phone if isinstance(patient_or_phone, str) else patient_or_phone.phone
    return {"MessageSid": sid, "AccountSid": "AC" + "0" * 31 + "1", "From": phone, "To": "+15550009999", "Body": body, "NumMedia": "0"}


def _answer(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "Response"
    return " ".join(m.text or "" for m in root.iter("Message"))


def _snapshot():
    return (Message.objects.count(), DailyRecord.objects.count(), list(Patient.objects.values_list("sms_opt_in", flat=True)), AuditEvent.objects.count())


# --- signatures ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl", "wrong"])
def test_a_missing_or_wrong_signature_is_refused_and_changes_nothing(twilio_post, patient_a, signature):
    before = _snapshot()
    response = twilio_post(SMS, _inbound(patient_a, "STOP"), signature=signature)
    assert response.status_code == 403
    assert _snapshot() == before


def test_a_signature_over_other_parameters_or_another_address_is_refused(twilio_post, patient_a, settings):
    before = _snapshot()
    signed_for_other_body = sign(settings.PUBLIC_BASE_URL + SMS, _inbound(patient_a, "4"))
    assert twilio_post(SMS, _inbound(patient_a, "STOP"), signature=signed_for_other_body).status_code == 403
    # Signed over the internal address rather than the public one (what a TLS proxy would hide).
    internal = sign("http://testserver" + SMS, _inbound(patient_a, "STOP"))
    assert twilio_post(SMS, _inbound(patient_a, "STOP"), signature=internal).status_code == 403
    assert twilio_post(STATUS, {"MessageSid": "SMx", "MessageStatus": "delivered"}, signature="x").status_code == 403
    assert _snapshot() == before


def test_the_signature_is_checked_over_the_public_https_address_behind_a_proxy(twilio_post, patient_a, settings):
    settings.PUBLIC_BASE_URL = "https://recovery.example.org"
    settings.SECURE_SSL_REDIRECT = False
    params = _inbound(patient_a, "HELP")
    signature = sign("https://recovery.example.org" + SMS, params)
    assert "recovery check-ins" in _answer(twilio_post(SMS, params, signature=signature))


def test_without_an_auth_token_every_webhook_is_refused(twilio_post, patient_a, settings):
    params = _inbound(patient_a, "HELP")
    signature = sign(settings.PUBLIC_BASE_URL + SMS, params)
    settings.TWILIO_AUTH_TOKEN = ""
    assert twilio_post(SMS, params, signature=signature).status_code == 403


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("multipart/form-data; boundary=x", b"--x\r\nbroken"),
        ("multipart/form-data", b"no boundary at all"),
        ("application/json", b'{"Body": "4"'),
        ("application/x-www-form-urlencoded", b"%ff%fe=%80&Body=%E0%A4%A"),
    ],
)
def test_malformed_bodies_never_get_a_500(client, twilio, content_type, data):
    response = client.generic("POST", SMS, data, content_type=content_type, HTTP_X_TWILIO_SIGNATURE="x")
    assert response.status_code == 403
    assert client.generic("POST", STATUS, data, content_type=content_type).status_code == 403


def test_other_methods_are_not_allowed(client, twilio):
    assert client.get(SMS).status_code == 405


def test_signed_but_empty_or_odd_fields_get_an_answer_not_a_500(twilio_post, patient_a):
    assert "enrolled patients" in _answer(twilio_post(SMS, {}))
    assert "enrolled patients" in _answer(twilio_post(SMS, {"From": "not a number", "Body": "x" * 5000}))
    assert twilio_post(STATUS, {}).status_code == 200
    assert twilio_post(STATUS, {"MessageSid": "SM" + "0" * 32, "MessageStatus": "whatever"}).status_code == 200


# --- keywords ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["STOP", "stop", "StopAll", "UNSUBSCRIBE", "cancel", "END", "quit", "REVOKE", "optout"])
def test_stop_words_opt_the_patient_out(twilio_post, patient_a, word):
    answer = _answer(twilio_post(SMS, _inbound(patient_a, word)))
    patient_a.refresh_from_db()
    assert patient_a.sms_opt_in is False and patient_a.sms_opt_out_at is not None
    assert "no more texts" in answer and "START" in answer
    assert AuditEvent.objects.filter(patient=patient_a, resource="sms_consent", channel="sms").exists()


def test_stop_drops_what_was_queued_for_the_patient(twilio_post, patient_a):
    invitation = Message.objects.get(patient=patient_a, purpose="enrollment")
    twilio_post(SMS, _inbound(patient_a, "STOP"))
    invitation.refresh_from_db()
    assert invitation.status == "dropped" and invitation.reason == "the patient opted out of SMS"


@pytest.mark.parametrize("word", ["START", "unstop", "yes"])
def test_start_words_opt_the_patient_back_in(twilio_post, patient_a, word):
    twilio_post(SMS, _inbound(patient_a, "STOP", sid="SM" + "1" * 32))
    answer = _answer(twilio_post(SMS, _inbound(patient_a, word, sid="SM" + "2" * 32)))
    patient_a.refresh_from_db()
    assert patient_a.sms_opt_in is True and patient_a.sms_opt_out_at is None
    assert "again" in answer and "911" in answer


@pytest.mark.parametrize("word", ["HELP", "help!", "Ayuda"])  # INFO: what to expect (below)
def test_help_answers_with_the_clinics_phone(twilio_post, patient_a, word):
    answer = _answer(twilio_post(SMS, _inbound(patient_a, word)))
    assert "+15550100000" in answer and "Reply with your pain 0-10" in answer and "911" in answer


def test_help_speaks_spanish_to_a_spanish_speaker(twilio_post, make_patient):
    patient = make_patient(language="es")
    answer = _answer(twilio_post(SMS, _inbound(patient, "HELP")))
    assert "Responda con su dolor de 0 a 10" in answer and "+15550100000" in answer


# --- check-ins -----------------------------------------------------------------------------------------


def test_a_number_from_0_to_10_is_the_days_pain_merged_as_an_sms_checkin(twilio_post, patient_a):
    answer = _answer(twilio_post(SMS, _inbound(patient_a, "4")))
    record = DailyRecord.objects.get(patient=patient_a)
    assert (record.date, record.pain, record.channel) == (patient_a.local_today(), 4, "sms")
    assert "Thank you, recorded for today: pain 4." in answer and "911" in answer
    assert CheckinSubmission.objects.get(patient=patient_a).channel == "sms"
    assert AuditEvent.objects.filter(patient=patient_a, resource="checkins", channel="sms").exists()


def test_a_second_reply_the_same_day_merges_into_the_days_record(twilio_post, patient_a):
    twilio_post(SMS, _inbound(patient_a, "6", sid="SM" + "1" * 32))
    twilio_post(SMS, _inbound(patient_a, "walk 20", sid="SM" + "2" * 32))
    record = DailyRecord.objects.get(patient=patient_a)
    assert (record.pain, record.walking_minutes) == (6, 20)


def test_a_retried_webhook_replays_the_first_answer_and_records_nothing_twice(twilio_post, patient_a):
    first = _answer(twilio_post(SMS, _inbound(patient_a, "4")))
    before = _snapshot()
    again = _answer(twilio_post(SMS, _inbound(patient_a, "4")))
    assert again == first
    assert _snapshot() == before
    assert CheckinSubmission.objects.filter(patient=patient_a).count() == 1


def test_the_checkin_is_for_the_patients_local_today(twilio_post, make_patient, time_machine):
    # 23:30 in Honolulu is already tomorrow in UTC.
    time_machine.move_to(datetime.datetime(2026, 11, 21, 9, 30, tzinfo=datetime.UTC))
    patient = make_patient(timezone_name="Pacific/Honolulu", surgery_date=datetime.date(2026, 11, 10))
    twilio_post(SMS, _inbound(patient, "3"))
    assert DailyRecord.objects.get(patient=patient).date == datetime.date(2026, 11, 20)


@pytest.mark.parametrize(
    ("language", "body", "fields", "thanks"),
    [
        ("en", "pain 4 walk 20", {"pain": 4, "walking_minutes": 20}, "pain 4, walking 20 min"),
        ("es", "dolor 4 caminar 20", {"pain": 4, "walking_minutes": 20}, "dolor 4, caminata 20 min"),
        ("en", "steps 2500", {"steps": 2500}, "2500 steps"),
        ("es", "opioides no", {"opioid_use": False}, "sin opioides"),
    ],
)
def test_the_short_grammar_in_both_languages(twilio_post, make_patient, language, body, fields, thanks):
    patient = make_patient(language=language)
    answer = _answer(twilio_post(SMS, _inbound(patient, body)))
    record = DailyRecord.objects.get(patient=patient)
    assert {name: getattr(record, name) for name in fields} == fields
    assert thanks in answer


@pytest.mark.parametrize(
    ("language", "body", "code", "advice"),
    [
        ("en", "fever", "fever", "Call the clinic today."),
        # Sent in GSM-7 letters: "clínica" goes as "clinica" (notifications.texts.gsm7_folded).
        ("es", "fiebre", "fever", "Llame a la clinica hoy."),
        ("en", "pain 7 chest pain", "chest_pain_breathless", "Call emergency services (911) now."),
        ("es", "dolor 7 falta de aire", "chest_pain_breathless", "Llame a emergencias (911) ahora."),
    ],
)
def test_a_red_flag_is_recorded_and_answered_with_the_advice(twilio_post, make_patient, language, body, code, advice):
    patient = make_patient(language=language)
    answer = _answer(twilio_post(SMS, _inbound(patient, body)))
    assert DailyRecord.objects.get(patient=patient).symptoms == [code]
    assert advice in answer


def test_a_partly_understood_message_keeps_the_patients_words_for_the_nurse(twilio_post, patient_a):
    answer = _answer(twilio_post(SMS, _inbound(patient_a, "pain 5 but the dog kept me up")))
    record = DailyRecord.objects.get(patient=patient_a)
    assert record.pain == 5 and record.note == "pain 5 but the dog kept me up"
    # The words wait, unread, for a nurse; the patient is told so, honestly.
    (unread,) = PatientMessage.objects.filter(patient=patient_a, read_at__isnull=True)
    assert (unread.reason, unread.channel, unread.text) == ("not_understood", "sms", "pain 5 but the dog kept me up")
    assert "A nurse will read the rest of your message" in answer and "pain 5" in answer


def test_anything_else_is_kept_in_the_history_and_answered_with_help(twilio_post, patient_a):
    answer = _answer(twilio_post(SMS, _inbound(patient_a, "When is my next appointment?")))
    assert not DailyRecord.objects.filter(patient=patient_a).exists()
    inbound = Message.objects.get(patient=patient_a, direction="in")
    assert (inbound.body, inbound.status, inbound.purpose) == ("When is my next appointment?", "received", "inbound")
    assert "A nurse will read your message" in answer and "+15550100000" in answer
    reply = Message.objects.get(patient=patient_a, dedupe_key=f"answer:{inbound.provider_sid}")
    assert reply.body == answer and reply.purpose == "help"
    (unread,) = PatientMessage.objects.filter(patient=patient_a)
    assert (unread.reason, unread.text, unread.read_at) == ("not_understood", "When is my next appointment?", None)
    # The stored text is audited like every write of a patient's data.
    assert AuditEvent.objects.filter(patient=patient_a, resource="sms", action="create", channel="sms").count() == 1


def test_a_retried_webhook_leaves_one_unread_message(twilio_post, patient_a):
    params = _inbound(patient_a, "When is my next appointment?")
    first = _answer(twilio_post(SMS, params))
    assert _answer(twilio_post(SMS, params)) == first
    assert PatientMessage.objects.filter(patient=patient_a).count() == 1


def test_a_text_from_a_phone_two_active_patients_share_is_given_to_neither(twilio_post, make_patient, clinic_a):
    first = make_patient(phone="+15550307777")
    # A second patient on the same family phone (allowed within one clinic).
    second = make_patient(phone="+15550307778")
    Patient.objects.filter(pk=second.pk).update(phone="+15550307777")
    answer = _answer(twilio_post(SMS, {**_inbound(first, "my husband has a fever 102"), "From": "+15550307777"}))
    assert not DailyRecord.objects.exists()
    (unread,) = PatientMessage.objects.all()
    assert (unread.reason, unread.patient_id, unread.clinic_id) == ("shared_phone", None, clinic_a.pk)
    assert sorted(unread.candidates.values_list("pk", flat=True)) == sorted([first.pk, second.pk])
    assert "Several patients use this phone" in answer
    assert "Call the clinic today" in answer  # the red-flag advice all the same


def test_an_out_of_range_pain_is_answered_with_help(twilio_post, patient_a):
    answer = _answer(twilio_post(SMS, _inbound(patient_a, "11")))
    assert not DailyRecord.objects.filter(patient=patient_a).exists()
    assert "0-10" in answer


def test_a_reply_before_the_surgery_date_is_kept_but_not_a_checkin(twilio_post, make_patient):
    patient = make_patient(surgery_date=timezone.localdate() + datetime.timedelta(days=3))
    answer = _answer(twilio_post(SMS, _inbound(patient, "3")))
    assert not DailyRecord.objects.filter(patient=patient).exists()
    assert Message.objects.filter(patient=patient, direction="in").exists()
    assert "A nurse will read your message" in answer
    assert PatientMessage.objects.get(patient=patient).text == "3"


# --- unknown numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["4", "STOP", "HELP", "fever", "hello"])
def test_an_unknown_number_gets_a_neutral_answer_and_nothing_is_stored(twilio_post, patient_a, body):
    before = _snapshot()
    answer = _answer(twilio_post(SMS, _inbound("+15550399999", body)))
    assert "enrolled patients only" in answer and "911" in answer
    assert _snapshot() == before


# --- delivery status -----------------------------------------------------------------------------------


@pytest.fixture
def sent_page(twilio, nurse_a):
    message = outbox.message_enqueue(purpose="page", to_phone="+15550101001", body="page", recipient_user=nurse_a)
    sending.message_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "sent"
    return message


def test_a_delivery_callback_marks_the_message_delivered(twilio_post, sent_page):
    assert twilio_post(STATUS, {"MessageSid": sent_page.provider_sid, "MessageStatus": "delivered"}).status_code == 200
    sent_page.refresh_from_db()
    assert sent_page.status == "delivered" and sent_page.delivered_at is not None


@pytest.mark.parametrize("status", ["undelivered", "failed"])
def test_a_failure_callback_records_the_error_code(twilio_post, sent_page, status):
    twilio_post(STATUS, {"MessageSid": sent_page.provider_sid, "MessageStatus": status, "ErrorCode": "30003"})
    sent_page.refresh_from_db()
    assert (sent_page.status, sent_page.error_code) == (status, "30003")


def test_a_late_sent_callback_does_not_undo_delivered(twilio_post, sent_page):
    twilio_post(STATUS, {"MessageSid": sent_page.provider_sid, "MessageStatus": "delivered"})
    twilio_post(STATUS, {"MessageSid": sent_page.provider_sid, "MessageStatus": "sent"})
    assert Message.objects.get(pk=sent_page.pk).status == "delivered"


def test_an_undelivered_callback_with_21610_opts_the_patient_out(daytime, twilio_post, twilio, patient_a):
    message = Message.objects.get(patient=patient_a, purpose="enrollment")
    sending.message_send(message_id=message.pk)
    message.refresh_from_db()
    twilio_post(STATUS, {"MessageSid": message.provider_sid, "MessageStatus": "undelivered", "ErrorCode": "21610"})
    patient_a.refresh_from_db()
    assert patient_a.sms_opt_in is False


def test_an_unknown_sid_answers_200_and_changes_nothing(twilio_post, sent_page):
    before = list(Message.objects.values_list("id", "status", "updated_at"))
    response = twilio_post(STATUS, {"MessageSid": "SM" + "f" * 32, "MessageStatus": "delivered"})
    assert response.status_code == 200
    assert list(Message.objects.values_list("id", "status", "updated_at")) == before


def test_the_patients_history_holds_their_texts_and_our_answers_newest_first(twilio_post, patient_a):
    from notifications.selectors import patient_messages

    twilio_post(SMS, _inbound(patient_a, "4"))
    history = patient_messages(patient_id=patient_a.pk)
    assert [(m.direction, m.purpose) for m in history] == [("out", "reply"), ("in", "inbound"), ("out", "enrollment")]


def test_a_reply_understood_with_nothing_to_record_is_thanked_and_not_left_for_a_nurse(twilio_post, patient_a):
    answer = _answer(twilio_post(SMS, _inbound(patient_a, "no fever today, thanks")))
    assert answer.startswith("Thank you for your message.")
    assert not PatientMessage.objects.exists() and not DailyRecord.objects.exists()


def test_info_answers_with_what_to_expect_at_this_stage_of_the_recovery(twilio_post, patient_a):
    from webcheckin.guidance import guidance_for

    expected = guidance_for(patient_a, patient_a.recovery_day(), patient_a.language)
    assert expected  # the shipped guidance covers every stretch
    answer = _answer(twilio_post(SMS, _inbound(patient_a, "info")))
    assert answer.startswith(expected) and "+15550100000" in answer and "911" in answer
    assert not PatientMessage.objects.exists()
