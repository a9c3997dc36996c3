"""Staff pages: the on-call nurse paged at once for an urgent alert, the next one when nobody acknowledges."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.models import Message
from notifications.services import inbound, sending
from notifications.services.pages import pages_relay
from patients.services import nurse_create
from recovery.models import Alert, AlertEvent
from recovery.services import alert_acknowledge
from recovery.signals import alert_page_owed


@pytest.fixture
def roster(nurse_a, clinic_a):
    """Clinic A's roster: nurse A first, then nurse A2; nurse A3 belongs to the clinic but is not on call."""
    second = nurse_create(username="nurse.a2", password="a-long-test-password-2", clinic_name=clinic_a.name, phone="+15550101002", on_call=True).user
    nurse_create(username="nurse.a3", password="a-long-test-password-3", clinic_name=clinic_a.name, phone="+15550101003", on_call=False)
    return [nurse_a, second]


def _urgent_alert(patient, **fields):
    values = {
        "patient": patient,
        "kind": "red_flag",
        "severity": "urgent",
        "recovery_day": 5,
        "evidence_date": patient.surgery_date + datetime.timedelta(days=5),
        "message": "Chest pain or trouble breathing reported",
        "page_required": True,
    }
    values.update(fields)
    return Alert.objects.create(**values)


def _raise(patient, **fields):
    """What the recovery engine does: open the alert and send the signal, in one transaction."""
    with transaction.atomic():
        alert = _urgent_alert(patient, **fields)
        alert_page_owed.send(sender=Alert, alert=alert)
    return alert


def _pages():
    return Message.objects.filter(purpose=Message.Purpose.PAGE).order_by("id")


def test_the_first_on_call_nurse_is_paged_at_once_with_no_more_than_needed(twilio, roster, patient_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        alert = _raise(patient_a)
    # The send task is queued when the engine's transaction commits.
    assert len(callbacks) == 1

    (page,) = _pages()
    assert (page.to_phone, page.recipient_user, page.alert_id) == ("+15550101001", roster[0], alert.pk)
    assert page.body == f"Recovery alert (urgent): patient A.T. #{patient_a.pk}, red-flag symptom. Open: http://recovery.test/patients/{patient_a.pk}/"
    assert "Alma" not in page.body and "Testcase" not in page.body and patient_a.phone not in page.body
    alert.refresh_from_db()
    assert alert.page_level == 1 and alert.paged_at is not None
    assert AlertEvent.objects.get(alert=alert, action="paged").note == "SMS page to nurse.a (page 1)"

    assert sending.message_send(message_id=page.pk) == "sent"
    assert twilio.bodies_to("+15550101001") == [page.body]


def test_a_second_signal_for_the_same_alert_pages_no_one_again(twilio, roster, patient_a):
    alert = _raise(patient_a)
    alert.refresh_from_db()
    alert_page_owed.send(sender=Alert, alert=alert)
    assert _pages().count() == 1


def test_an_unacknowledged_alert_pages_the_next_nurse_after_the_escalation_time(twilio, roster, patient_a, settings):
    settings.PAGE_ESCALATION_MINUTES = 15
    alert = _raise(patient_a)
    first_paged = Alert.objects.get(pk=alert.pk).paged_at

    assert pages_relay(now=first_paged + datetime.timedelta(minutes=14)) == {"paged": 0, "escalated": 0}
    assert pages_relay(now=first_paged + datetime.timedelta(minutes=15)) == {"paged": 0, "escalated": 1}
    pages = list(_pages())
    assert [p.to_phone for p in pages] == ["+15550101001", "+15550101002"]
    assert "Not acknowledged after 15 min." in pages[1].body
    alert.refresh_from_db()
    assert alert.page_level == 2
    # Nobody again: round the roster to the first nurse.
    pages_relay(now=first_paged + datetime.timedelta(minutes=30))
    assert [p.to_phone for p in _pages()] == ["+15550101001", "+15550101002", "+15550101001"]
    assert AlertEvent.objects.filter(alert=alert, action="paged").count() == 3


def test_an_acknowledged_alert_is_not_escalated_and_its_queued_page_is_dropped(twilio, roster, patient_a):
    alert = _raise(patient_a)
    page = _pages().get()
    alert_acknowledge(alert=alert, user=roster[0])
    later = timezone.now() + datetime.timedelta(hours=1)
    assert pages_relay(now=later) == {"paged": 0, "escalated": 0}
    assert sending.message_send(message_id=page.pk) == "dropped"
    assert twilio.sent == []


def test_the_relay_pages_for_an_alert_whose_signal_was_missed(twilio, roster, patient_a):
    alert = _urgent_alert(patient_a)  # no signal: as if the receiver never ran
    assert pages_relay() == {"paged": 1, "escalated": 0}
    assert _pages().get().alert_id == alert.pk
    assert pages_relay() == {"paged": 0, "escalated": 0}


def test_a_clinic_without_an_on_call_nurse_leaves_the_page_owed(twilio, patient_a, clinic_a):
    alert = _raise(patient_a)
    assert not _pages().exists()
    assert Alert.objects.get(pk=alert.pk).paged_at is None


def test_a_routine_alert_pages_nobody(twilio, roster, patient_a):
    _raise(patient_a, severity="routine", kind="missed_checkins", page_required=False)
    assert pages_relay() == {"paged": 0, "escalated": 0}
    assert not _pages().exists()


def test_a_page_goes_out_in_the_quiet_hours(twilio, roster, patient_a):
    _raise(patient_a)
    night = datetime.datetime(2026, 11, 21, 3, 0, tzinfo=datetime.UTC)  # 21:00 in Chicago
    assert sending.message_send(message_id=_pages().get().pk, now=night) == "sent"


def test_a_page_is_sent_even_when_the_patient_opted_out_of_sms(twilio, roster, patient_a):
    patient_a.sms_opt_in = False
    patient_a.save()
    _raise(patient_a)
    assert sending.message_send(message_id=_pages().get().pk) == "sent"


def test_a_page_that_cannot_be_delivered_pages_the_next_nurse_at_once(twilio, roster, patient_a):
    twilio.fail_number("+15550101001", 21211)  # nurse A's number is not a mobile number
    alert = _raise(patient_a)
    first = _pages().get()
    assert sending.message_send(message_id=first.pk) == "failed"

    # No waiting for the escalation: nurse A2 is paged now, and told why.
    second = _pages().exclude(pk=first.pk).get()
    assert second.to_phone == "+15550101002"
    assert "The previous nurse's page failed." in second.body
    assert sending.message_send(message_id=second.pk) == "sent"
    assert twilio.bodies_to("+15550101002") == [second.body]
    alert.refresh_from_db()
    assert alert.page_level == 2
    assert "page 1 could not be delivered" in AlertEvent.objects.filter(alert=alert, action="paged").order_by("id").last().note


def test_when_every_on_call_nurse_fails_the_pages_stop_until_the_escalation(twilio, roster, patient_a):
    twilio.fail_number("+15550101001", 21211)
    twilio.fail_number("+15550101002", 21211)
    _raise(patient_a)
    assert sending.message_send(message_id=_pages().get().pk) == "failed"
    assert sending.message_send(message_id=_pages().last().pk) == "failed"
    # Once round the roster, then no more at once: the escalation takes over.
    assert [p.to_phone for p in _pages()] == ["+15550101001", "+15550101002"]


def test_a_page_reported_undelivered_later_pages_the_next_nurse(twilio, roster, patient_a):
    _raise(patient_a)
    first = _pages().get()
    assert sending.message_send(message_id=first.pk) == "sent"
    first.refresh_from_db()
    assert inbound.message_status_record(provider_sid=first.provider_sid, status="undelivered", error_code="30003")
    assert [p.to_phone for p in _pages()] == ["+15550101001", "+15550101002"]
    # The same report again changes nothing, and pages nobody more.
    assert not inbound.message_status_record(provider_sid=first.provider_sid, status="undelivered", error_code="30003")
    assert _pages().count() == 2


def test_a_failed_page_that_is_no_longer_the_latest_pages_nobody(twilio, roster, patient_a, settings):
    settings.PAGE_ESCALATION_MINUTES = 15
    alert = _raise(patient_a)
    first = _pages().get()
    assert sending.message_send(message_id=first.pk) == "sent"
    pages_relay(now=Alert.objects.get(pk=alert.pk).paged_at + datetime.timedelta(minutes=15))
    assert _pages().count() == 2
    first.refresh_from_db()
    inbound.message_status_record(provider_sid=first.provider_sid, status="failed", error_code="30003")
    assert _pages().count() == 2
