"""The enrollment invitation: the code texted in the patient's language, in the transaction that made it."""

import datetime

from django.db import transaction

from notifications import services
from notifications.models import Message
from patients.models import Patient
from patients.services import enrollment_code_issue, patient_create


def _invitations(patient):
    return Message.objects.filter(patient=patient, purpose=Message.Purpose.ENROLLMENT)


def test_creating_a_patient_writes_the_invitation_with_the_code(twilio, make_patient):
    patient = make_patient(enrolled=False)
    (invitation,) = _invitations(patient)
    assert patient.enrollment_code in invitation.body
    assert "valid 14 days" in invitation.body and "911" in invitation.body
    assert invitation.to_phone == patient.phone and invitation.status == "queued"


def test_the_invitation_speaks_spanish_to_a_spanish_speaker(twilio, make_patient):
    patient = make_patient(enrolled=False, language="es")
    body = _invitations(patient).get().body
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
    assert services.message_send(message_id=first.pk) == "sent"
    assert twilio.sent[0].body == first.body  # the patient got the code

    new_code = enrollment_code_issue(patient=patient)
    assert _invitations(patient).count() == 2
    first.refresh_from_db()
    assert patient.enrollment_code not in first.body and "*****-*****" in first.body
    assert new_code in _invitations(patient).latest("id").body


def test_an_invitation_made_at_night_waits_for_the_morning(twilio, make_patient, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 21, 4, 30, tzinfo=datetime.UTC))  # 22:30 in Chicago
    patient = make_patient(enrolled=False, surgery_date=datetime.date(2026, 11, 18))
    invitation = _invitations(patient).get()
    assert invitation.send_after == datetime.datetime(2026, 11, 21, 14, 0, tzinfo=datetime.UTC)  # 08:00 in Chicago
    assert services.message_send(message_id=invitation.pk) == "deferred"
    assert services.message_send(message_id=invitation.pk, now=invitation.send_after) == "sent"
