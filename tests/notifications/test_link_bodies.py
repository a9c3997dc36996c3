"""The web check-in link in an outgoing SMS is stored masked: the outbox row, the SMS history and a copy
of the database hold no usable link, even while the link is valid; the send puts the live link in, and
once the message is done with nothing derives it any more. Retries after a broken-off send still find the
message at Twilio, so the patient never gets it twice."""

import datetime
import re

import pytest

from notifications.models import Message
from notifications.services import reminders, sending
from patients.models import Patient
from tests.notifications.conftest import at
from webcheckin.links import LINK_MASK, checkin_link_find
from webcheckin.models import CheckinLink

pytestmark = pytest.mark.django_db

LIVE = re.compile(r"/c/([A-Za-z0-9_-]{22})")
MOMENT = at("America/Chicago", 2026, 11, 20, 18, 0)


@pytest.fixture
def reminder(make_patient):
    patient = make_patient(surgery_date=datetime.date(2026, 11, 1), enrolled=False)
    assert reminders.reminders_enqueue(now=MOMENT) == 1
    return patient, Message.objects.get(patient=patient, purpose="reminder")


def _link(message) -> CheckinLink:
    return CheckinLink.objects.get(pk=message.checkin_link_id)


def test_the_stored_reminder_holds_no_token_and_the_sent_one_opens_the_check_in(twilio, reminder):
    patient, message = reminder
    assert not LIVE.search(message.body) and "/c/" + LINK_MASK in message.body
    assert _link(message).seed  # kept only until the send
    assert sending.message_send(message_id=message.pk, now=MOMENT) == "sent"
    (sent,) = twilio.sent
    token = LIVE.search(sent.body).group(1)
    assert checkin_link_find(token).pk == message.checkin_link_id and checkin_link_find(token).patient_id == patient.pk
    # Nothing in the database derives the link any more: not the row, not the link's seed.
    message.refresh_from_db()
    assert token not in message.body and _link(message).seed == ""
    assert LIVE.sub("/c/" + LINK_MASK, sent.body) == message.body


def test_a_dropped_reminder_forgets_its_link(twilio, reminder):
    patient, message = reminder
    Patient.objects.filter(pk=patient.pk).update(sms_opt_in=False)
    assert sending.message_send(message_id=message.pk, now=MOMENT) == "dropped"
    assert _link(message).seed == ""
    assert not twilio.sent


def test_the_relay_forgets_the_seeds_of_expired_links_never_sent(twilio, reminder):
    _, message = reminder
    # Dropped by an opt-out's bulk update (which does not look at links), then the link expired.
    Message.objects.filter(pk=message.pk).update(status="dropped")
    sending.outbox_relay(now=_link(message).expires_at - datetime.timedelta(seconds=1))
    assert _link(message).seed
    sending.outbox_relay(now=_link(message).expires_at)
    assert _link(message).seed == ""


def test_a_send_cut_off_after_twilio_took_it_is_found_with_its_live_link_and_not_sent_twice(twilio, reminder):
    _, message = reminder
    twilio.take_then_hang_up()
    assert sending.message_send(message_id=message.pk, now=MOMENT) == "retry"
    message.refresh_from_db()
    assert message.error_code == sending.MAYBE_SENT and _link(message).seed
    assert sending.message_send(message_id=message.pk, now=message.send_after) == "sent"
    message.refresh_from_db()
    assert (message.status, message.provider_sid) == ("sent", twilio.sent[0].sid)
    assert len(twilio.sent) == 1 and _link(message).seed == ""


def test_a_reminder_left_sending_by_a_dead_worker_is_found_at_twilio_with_its_live_link(twilio, reminder):
    from notifications.link_bodies import link_bodies_render
    from notifications.twilio import sms_send

    _, message = reminder
    link_bodies_render([message], now=MOMENT)
    # The worker handed it to Twilio and died before recording the answer.
    sms_send(to=message.to_phone, body=message.outgoing_body)
    Message.objects.filter(pk=message.pk).update(status="sending", claimed_at=MOMENT)
    assert sending.outbox_relay(now=MOMENT + datetime.timedelta(minutes=5))["recovered"] == 1
    message.refresh_from_db()
    assert (message.status, message.provider_sid) == ("sent", twilio.sent[0].sid)
    assert len(twilio.sent) == 1 and _link(message).seed == ""
