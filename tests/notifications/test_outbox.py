"""The outbox: sent once through the real twilio client, retried when it may pass, never when it cannot."""

import datetime
import time

import pytest
from django.utils import timezone

from notifications.models import Message
from notifications.ratelimit import rate_slot_reserve, rate_slot_reset
from notifications.services import outbox, sending
from notifications.services.reminders import reminders_enqueue
from patients.models import Patient


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def page_for(nurse_a, patient_a):
    """An outbox message to nurse A (pages are not held by quiet hours or patient consent)."""

    def make(body="Recovery alert (urgent): patient A.T. #1", **fields):
        return outbox.message_enqueue(purpose=Message.Purpose.PAGE, to_phone="+15550101001", body=body, recipient_user=nurse_a, **fields)

    return make


def _patient_message(patient, body="Hello from the clinic"):
    # A help text: patient-facing, consent-bound, not held by quiet hours.
    return outbox.message_enqueue(purpose=Message.Purpose.HELP, to_phone=patient.phone, body=body, patient=patient)


def test_it_sends_through_twilio_with_our_status_callback_and_records_the_sid(twilio, page_for, now):
    message = page_for()
    assert sending.message_send(message_id=message.pk, now=now) == "sent"

    (sent,) = twilio.sent
    assert (sent.to, sent.body, sent.from_) == ("+15550101001", message.body, "+15550009999")
    assert sent.status_callback == "http://recovery.test/webhooks/twilio/status/"
    message.refresh_from_db()
    assert (message.status, message.provider_sid, message.attempts, message.sent_at) == ("sent", sent.sid, 1, now)


def test_a_message_is_sent_at_most_once_however_often_its_task_runs(twilio, page_for, now):
    message = page_for()
    outcomes = [sending.message_send(message_id=message.pk, now=now) for _ in range(3)]
    assert outcomes == ["sent", "skipped", "skipped"]
    assert len(twilio.sent) == 1


def test_a_claimed_message_is_not_sent_by_a_second_worker(twilio, page_for, now):
    message = page_for()
    Message.objects.filter(pk=message.pk).update(status="sending", claimed_at=now)
    assert sending.message_send(message_id=message.pk, now=now) == "skipped"
    assert twilio.sent == []


def test_a_dedupe_key_makes_a_second_enqueue_return_the_first_message(twilio, page_for):
    first = page_for(dedupe_key="page:1:1")
    second = page_for(dedupe_key="page:1:1")
    assert first.pk == second.pk
    assert Message.objects.filter(dedupe_key="page:1:1").count() == 1


@pytest.mark.parametrize("code", [20429, 20500])
def test_429_and_5xx_are_retried_with_backoff_then_sent(twilio, page_for, now, code):
    message = page_for()
    twilio.fail_next(code, times=2)

    assert sending.message_send(message_id=message.pk, now=now) == "retry"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.send_after) == ("queued", 1, now + datetime.timedelta(seconds=15))
    # Not before its time.
    assert sending.message_send(message_id=message.pk, now=now + datetime.timedelta(seconds=5)) == "deferred"
    assert sending.message_send(message_id=message.pk, now=now + datetime.timedelta(seconds=15)) == "retry"
    message.refresh_from_db()
    assert message.send_after == now + datetime.timedelta(seconds=15 + 30)
    assert sending.message_send(message_id=message.pk, now=now + datetime.timedelta(seconds=45)) == "sent"

    message.refresh_from_db()
    assert (message.status, message.attempts, message.error_code) == ("sent", 3, "")
    assert twilio.requests == 3
    assert len(twilio.sent) == 1


def test_network_errors_are_retried(twilio, page_for, now, settings):
    message = page_for()
    settings.TWILIO_API_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    assert sending.message_send(message_id=message.pk, now=now) == "retry"
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("queued", "network")

    settings.TWILIO_API_URL = twilio.url
    assert sending.message_send(message_id=message.pk, now=now + datetime.timedelta(seconds=15)) == "sent"
    assert len(twilio.sent) == 1


def test_it_gives_up_after_the_last_attempt(twilio, page_for, now):
    message = page_for()
    twilio.fail_next(20500, times=sending.MAX_ATTEMPTS)
    moment = now
    for _ in range(sending.MAX_ATTEMPTS - 1):
        assert sending.message_send(message_id=message.pk, now=moment) == "retry"
        moment = Message.objects.get(pk=message.pk).send_after
    assert sending.message_send(message_id=message.pk, now=moment) == "failed"
    message.refresh_from_db()
    assert message.status == "failed" and "gave up" in message.reason


def test_a_retry_that_would_fall_outside_the_window_drops_the_message(twilio, page_for, now):
    message = page_for(expires_at=now + datetime.timedelta(seconds=10))
    twilio.fail_next(20429)
    assert sending.message_send(message_id=message.pk, now=now) == "dropped"
    message.refresh_from_db()
    assert message.status == "dropped" and "window" in message.reason


def test_21610_marks_the_patient_opted_out_and_is_not_retried(twilio, patient_a, now):
    message = _patient_message(patient_a)
    twilio.fail_next(21610)
    assert sending.message_send(message_id=message.pk, now=now) == "failed"

    message.refresh_from_db()
    patient_a.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "21610")
    assert patient_a.sms_opt_in is False and patient_a.sms_opt_out_at == now
    # Nothing more goes to them.
    later = _patient_message(patient_a, body="Another one")
    assert sending.message_send(message_id=later.pk, now=now) == "dropped"
    assert twilio.requests == 1


def test_21211_marks_the_number_invalid_and_is_not_retried(twilio, patient_a, now):
    message = _patient_message(patient_a)
    twilio.fail_number(patient_a.phone, 21211)
    assert sending.message_send(message_id=message.pk, now=now) == "failed"

    patient_a.refresh_from_db()
    assert patient_a.phone_invalid_at == now
    assert Message.objects.get(pk=message.pk).reason == "the number is not a valid mobile number"
    later = _patient_message(patient_a, body="Another one")
    assert sending.message_send(message_id=later.pk, now=now) == "dropped"
    assert twilio.requests == 1


def test_without_twilio_settings_messages_are_logged_and_kept(log_backend, page_for, now, caplog):
    message = page_for(body="Logged, not lost")
    with caplog.at_level("INFO", logger="notifications.services.sending"):
        assert sending.message_send(message_id=message.pk, now=now) == "logged"
    message.refresh_from_db()
    assert message.status == "logged" and message.sent_at == now
    assert "Logged, not lost" in caplog.text


def test_the_relay_drops_messages_past_their_window_and_requeues_the_ones_the_broker_lost(twilio, page_for, now):
    expired = page_for(body="too late", expires_at=now - datetime.timedelta(minutes=1))
    lost = page_for(body="lost task")
    fresh = page_for(body="just queued")
    Message.objects.filter(pk__in=[expired.pk, lost.pk]).update(queued_at=now - datetime.timedelta(minutes=10))
    Message.objects.filter(pk=fresh.pk).update(queued_at=now)

    counts = sending.outbox_relay(now=now)
    assert counts == {"dropped": 1, "requeued": 1, "recovered": 0}
    expired.refresh_from_db()
    assert expired.status == "dropped" and "window" in expired.reason
    # Republished once: a second run right after does not republish it again.
    assert Message.objects.get(pk=lost.pk).queued_at == now
    assert sending.outbox_relay(now=now + datetime.timedelta(seconds=30))["requeued"] == 0


def test_while_the_broker_holds_a_backlog_the_relay_waits_longer_before_republishing(twilio, page_for, now):
    from notifications.tasks import send_message_task

    waiting = page_for(body="waiting its turn")
    Message.objects.filter(pk=waiting.pk).update(queued_at=now - datetime.timedelta(minutes=10))
    send_message_task.apply_async(args=(waiting.pk,))  # its task is still in the broker (Redis db of this test)
    assert sending.outbox_relay(now=now)["requeued"] == 0
    assert sending.outbox_relay(now=now + sending.RELAY_GRACE_BACKLOG)["requeued"] == 1


def test_a_message_left_sending_by_a_dead_worker_is_recorded_when_twilio_has_it(twilio, page_for, now):
    message = page_for()
    # The worker handed it to Twilio and died before recording the answer.
    from notifications.twilio import sms_send

    sms_send(to=message.to_phone, body=message.body)
    Message.objects.filter(pk=message.pk).update(status="sending", claimed_at=now - datetime.timedelta(minutes=5))

    assert sending.outbox_relay(now=now)["recovered"] == 1
    message.refresh_from_db()
    assert (message.status, message.provider_sid) == ("sent", twilio.sent[0].sid)
    assert len(twilio.sent) == 1


def test_a_message_left_sending_before_twilio_saw_it_goes_back_to_the_queue(twilio, page_for, now):
    message = page_for()
    Message.objects.filter(pk=message.pk).update(status="sending", claimed_at=now - datetime.timedelta(minutes=5))

    assert sending.outbox_relay(now=now)["requeued"] == 1
    assert Message.objects.get(pk=message.pk).status == "queued"
    assert sending.message_send(message_id=message.pk, now=now) == "sent"
    assert len(twilio.sent) == 1


def test_a_claim_inside_its_lease_is_left_alone(twilio, page_for, now):
    message = page_for()
    Message.objects.filter(pk=message.pk).update(status="sending", claimed_at=now - datetime.timedelta(seconds=30))
    assert sending.outbox_relay(now=now) == {"dropped": 0, "requeued": 0, "recovered": 0}


def test_the_rate_limit_spaces_sends_for_all_workers_through_redis(settings):
    rate_slot_reset(sender="+15550009999")
    waits = [rate_slot_reserve(sender="+15550009999", rate=10, max_wait=1.0) for _ in range(5)]
    # Each reservation takes the next free slot, 0.1 s after the previous one.
    assert waits[0] == pytest.approx(0.0, abs=0.02)
    for earlier, later in zip(waits, waits[1:], strict=False):
        assert later - earlier == pytest.approx(0.1, abs=0.02)
    # A slot further than the caller will wait is not taken.
    assert rate_slot_reserve(sender="+15550009999", rate=10, max_wait=0.05) is None
    assert rate_slot_reserve(sender="another-sender", rate=10, max_wait=1.0) == pytest.approx(0.0, abs=0.02)
    assert rate_slot_reserve(sender="+15550009999", rate=0, max_wait=0) == 0.0


def test_a_send_waits_for_its_rate_slot(twilio, page_for, now, settings):
    settings.SMS_RATE_PER_SECOND = 20
    rate_slot_reset(sender="+15550009999")
    messages = [page_for(body=f"page {i}") for i in range(6)]
    started = timezone.now()
    for message in messages:
        assert sending.message_send(message_id=message.pk, now=now) == "sent"
    elapsed = (timezone.now() - started).total_seconds()
    assert elapsed >= 5 / 20 - 0.02
    assert len(twilio.sent) == 6


def test_patient_messages_wait_for_consent(twilio, patient_a, now):
    Patient.objects.filter(pk=patient_a.pk).update(sms_opt_in=False)
    message = _patient_message(patient_a)
    assert sending.message_send(message_id=message.pk, now=now) == "dropped"
    assert Message.objects.get(pk=message.pk).reason == "the patient opted out of SMS"
    assert twilio.sent == []


# --- batches (a reminder fan-out sends many messages per task) --------------------------------------


@pytest.fixture
def reminders(twilio, make_patient):
    """Ten reminders due at 18:00 in Chicago on 2026-11-20."""
    moment = datetime.datetime(2026, 11, 21, 0, 0, tzinfo=datetime.UTC)
    patients = [make_patient(surgery_date=datetime.date(2026, 11, 1)) for _ in range(10)]
    reminders_enqueue(now=moment)
    messages = list(Message.objects.filter(purpose="reminder").order_by("id"))
    assert len(messages) == len(patients)
    return moment, patients, messages


def test_a_batch_is_sent_once_each_with_its_own_sid(reminders):
    moment, patients, messages = reminders
    ids = [m.pk for m in messages]
    outcomes = sending.messages_send(message_ids=ids, now=moment)
    assert set(outcomes.values()) == {"sent"}
    assert sending.messages_send(message_ids=ids, now=moment) == dict.fromkeys(ids, "skipped")

    sids = set(Message.objects.filter(pk__in=ids).values_list("provider_sid", flat=True))
    assert len(sids) == 10 and None not in sids
    assert set(Message.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"sent"}


def test_a_batch_sends_in_a_fixed_number_of_queries(reminders, django_assert_num_queries):
    moment, _, messages = reminders
    # 1 the early ones, 2 savepoint, 3 lock the claimable rows (skip locked), 4 claim them, 5 release,
    # 6 load them with patient, clinic and caregiver, 7 the day's check-ins of the reminders' patients,
    # 8 the seeds of their check-in links (the live links go into the texts), 9 the SIDs (one CASE
    # update), 10 the rest of the outcome (one update), 11 the links' seeds forgotten (one update).
    with django_assert_num_queries(11):
        sending.messages_send(message_ids=[m.pk for m in messages], now=moment)


def test_one_bad_message_does_not_hold_back_the_rest_of_its_batch(reminders, twilio):
    moment, patients, messages = reminders
    twilio.fail_number(patients[0].phone, 21211)
    Patient.objects.filter(pk=patients[1].pk).update(sms_opt_in=False)
    outcomes = sending.messages_send(message_ids=[m.pk for m in messages], now=moment)
    assert outcomes[messages[0].pk] == "failed"
    assert outcomes[messages[1].pk] == "dropped"
    assert [outcomes[m.pk] for m in messages[2:]] == ["sent"] * 8
    assert len(twilio.sent) == 8


def test_the_rate_holds_across_the_sender_threads_of_a_batch(reminders, twilio, settings):
    moment, _, messages = reminders
    settings.SMS_RATE_PER_SECOND = 40
    rate_slot_reset(sender="+15550009999")
    started = time.time()
    sending.messages_send(message_ids=[m.pk for m in messages], now=moment)
    arrivals = sorted(s.at for s in twilio.sent)
    assert len(arrivals) == 10
    # The first slot is free at once and each next one 25 ms later, so the tenth send cannot reach
    # Twilio before 9 intervals have passed, whatever the threads did. (A send may arrive later than
    # its slot on a busy machine, never earlier: measured from the start, lateness cannot hide a
    # broken limit.)
    assert arrivals[-1] - started >= 9 / 40 - 0.005


def test_a_send_cut_off_after_twilio_took_it_is_not_sent_twice(twilio, page_for, now):
    message = page_for()
    twilio.take_then_hang_up()
    assert sending.message_send(message_id=message.pk, now=now) == "retry"
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("queued", sending.MAYBE_SENT)

    # The retry asks Twilio first, finds the message, and records it instead of sending again.
    assert sending.message_send(message_id=message.pk, now=message.send_after) == "sent"
    message.refresh_from_db()
    assert (message.status, message.provider_sid) == ("sent", twilio.sent[0].sid)
    assert len(twilio.sent) == 1
