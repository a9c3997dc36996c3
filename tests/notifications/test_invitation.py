"""The enrollment invitation: the code texted in the patient's language, in the transaction that made it."""

import datetime
import logging
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.utils import timezone

from notifications.models import Message
from notifications.schedule import next_allowed
from notifications.services import sending
from patients.models import EnrollmentCode, Patient
from patients.services import CODE_MASK, enrollment_code_issue, patient_create
from webcheckin.links import LINK_MASK


@pytest.fixture(autouse=True)
def _at_noon(daytime):
    """An invitation is sent at once only outside the clinic's quiet hours: these tests run at noon
    (the one about the night moves the clock itself)."""


def _invitations(patient):
    return Message.objects.filter(patient=patient, purpose=Message.Purpose.ENROLLMENT)


def test_creating_a_patient_writes_the_invitation_and_the_patient_gets_the_code(twilio, make_patient):
    patient = make_patient(enrolled=False)
    (invitation,) = _invitations(patient)
    # Stored with the code masked; the live code goes into the text only as it is handed to Twilio.
    assert patient.enrollment_code not in invitation.body and CODE_MASK in invitation.body
    assert "valid 14 days" in invitation.body and "911" in invitation.body
    assert invitation.to_phone == patient.phone and invitation.status == "queued"
    assert sending.message_send(message_id=invitation.pk) == "sent"
    # The check-in link, masked in the row too, goes in live the same way.
    sent = twilio.sent[0].body
    assert re.sub(r"/c/[A-Za-z0-9_-]{22}", "/c/" + LINK_MASK, sent) == invitation.body.replace(CODE_MASK, patient.enrollment_code)
    assert LINK_MASK not in sent


def test_the_invitation_speaks_spanish_to_a_spanish_speaker(twilio, make_patient):
    patient = make_patient(enrolled=False, language="es")
    invitation = _invitations(patient).get()
    assert sending.message_send(message_id=invitation.pk) == "sent"
    body = twilio.sent[0].body
    assert "Clave de la app" in body and patient.enrollment_code in body and "24 horas" in body


def test_no_invitation_without_consent(twilio, make_patient):
    patient = make_patient(enrolled=False, sms_opt_in=False)
    assert not _invitations(patient).exists()


def test_a_rolled_back_enrollment_leaves_no_invitation(twilio, clinic_a):
    try:
        with transaction.atomic():
            patient_create(
                clinic=clinic_a, first_name="Roll", last_name="Back", phone="+15550300999",
                procedure="acdf", surgery_date=datetime.date(2026, 11, 1),
            )
            raise RuntimeError("the request failed after the patient was written")
    except RuntimeError:
        pass
    assert not Patient.objects.filter(phone="+15550300999").exists()
    assert not Message.objects.filter(to_phone="+15550300999").exists()


def test_a_new_code_is_a_new_invitation_and_the_sent_one_keeps_no_code(twilio, make_patient):
    patient = make_patient(enrolled=False)
    first = _invitations(patient).get()
    assert sending.message_send(message_id=first.pk) == "sent"
    assert patient.enrollment_code in twilio.sent[0].body  # the patient got the code

    new_code = enrollment_code_issue(patient=patient)
    assert _invitations(patient).count() == 2
    first.refresh_from_db()
    assert patient.enrollment_code not in first.body and CODE_MASK in first.body
    second = _invitations(patient).latest("id")
    assert sending.message_send(message_id=second.pk) == "sent"
    assert new_code in twilio.sent[1].body


def test_an_invitation_still_queued_when_a_new_code_is_issued_is_dropped_not_sent_with_a_dead_code(twilio, make_patient):
    patient = make_patient(enrolled=False)
    first = _invitations(patient).get()
    enrollment_code_issue(patient=patient)
    assert sending.message_send(message_id=first.pk) == "dropped"
    first.refresh_from_db()
    assert "code" in first.reason and not twilio.sent


def test_an_invitation_made_at_night_waits_for_the_morning(twilio, make_patient, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 21, 4, 30, tzinfo=datetime.UTC))  # 22:30 in Chicago
    patient = make_patient(enrolled=False, surgery_date=datetime.date(2026, 11, 18))
    invitation = _invitations(patient).get()
    assert invitation.send_after == datetime.datetime(2026, 11, 21, 14, 0, tzinfo=datetime.UTC)  # 08:00 in Chicago
    assert sending.message_send(message_id=invitation.pk) == "deferred"
    assert sending.message_send(message_id=invitation.pk, now=invitation.send_after) == "sent"


# -- the code is kept nowhere in plain text -----------------------------------------------------------

_CODE_LIKE = re.compile(r"[0-9A-Z]{5}-?[0-9A-Z]{5}")


def _stored_places(client, superuser, nurse_client, patient, caplog) -> str:
    """Everything a person with access to the database, the admin, the dashboard or the log reads."""
    texts = [caplog.text]
    for message in Message.objects.filter(patient=patient):
        texts += [message.body, message.reason, message.error_message]
        client.force_login(superuser)
        texts.append(client.get(f"/admin/notifications/message/{message.pk}/change/").content.decode())
    texts.append(client.get("/admin/notifications/message/").content.decode())
    for code in EnrollmentCode.objects.filter(patient=patient):
        texts += [code.code_hash, code.seed]
        texts.append(client.get(f"/admin/patients/enrollmentcode/{code.pk}/change/").content.decode())
    texts.append(nurse_client.get(f"/patients/{patient.pk}/").content.decode())
    return "\n".join(texts)


def _enrolls(client, code: str) -> bool:
    return client.post("/api/v1/auth/enroll/", {"enrollment_code": code}, content_type="application/json").status_code == 200


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root.admin", password="a-long-admin-password-1")


@pytest.fixture
def nurse_web(nurse_a):
    web = Client()
    web.force_login(nurse_a)
    return web


@pytest.mark.parametrize("state", ["queued", "retried", "dropped", "failed", "logged"])
def test_no_stored_place_shows_a_live_code_and_none_read_there_enrolls(
    state, request, client, superuser, nurse_web, make_patient, caplog, settings
):
    caplog.set_level(logging.DEBUG)
    if state == "logged":
        request.getfixturevalue("log_backend")
    else:
        twilio = request.getfixturevalue("twilio")
    patient = make_patient(enrolled=False)
    invitation = _invitations(patient).get()
    if state == "retried":
        twilio.fail_next(20500)
        assert sending.message_send(message_id=invitation.pk) == "retry"
    elif state == "dropped":
        twilio.fail_next(20429)
        Message.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + datetime.timedelta(seconds=5))
        assert sending.message_send(message_id=invitation.pk) == "dropped"
    elif state == "failed":
        twilio.fail_next(21211)
        assert sending.message_send(message_id=invitation.pk) == "failed"
    elif state == "logged":
        assert sending.message_send(message_id=invitation.pk) == "logged"

    seen = _stored_places(client, superuser, nurse_web, patient, caplog)
    assert patient.enrollment_code not in seen
    assert patient.enrollment_code.replace("-", "") not in seen
    for candidate in set(_CODE_LIKE.findall(seen)):
        assert not _enrolls(client, candidate), candidate
    if state in ("queued", "retried"):
        # Still owed: the SMS, once it goes, carries the live code, and that code enrolls.
        twilio.reset()
        # An hour later, or when the clinic's quiet hours end if that hour falls in them.
        clinic = patient.clinic
        later = next_allowed(timezone.now() + datetime.timedelta(hours=1), tz=patient.tz,
                             quiet_start=clinic.quiet_hours_start, quiet_end=clinic.quiet_hours_end)
        assert sending.message_send(message_id=invitation.pk, now=later) == "sent"
        assert patient.enrollment_code in twilio.sent[0].body
    assert _enrolls(client, patient.enrollment_code)


def test_a_retry_sends_the_same_code_so_a_maybe_sent_attempt_is_found_at_twilio(twilio, make_patient):
    patient = make_patient(enrolled=False)
    invitation = _invitations(patient).get()
    twilio.take_then_hang_up()
    sending.message_send(message_id=invitation.pk)
    later = timezone.now() + datetime.timedelta(minutes=5)
    assert sending.message_send(message_id=invitation.pk, now=later) == "sent"
    assert len(twilio.sent) == 1 and patient.enrollment_code in twilio.sent[0].body
