"""The closed loop after emergency advice: asked a few hours later, a NO or silence pages the nurse."""

import datetime
import uuid

import pytest
from django.utils import timezone

from notifications.follow_ups import advice_follow_ups_run
from notifications.models import AdviceFollowUp, Message
from recovery.models import Alert, AlertEvent
from recovery.services import alert_acknowledge, alert_resolve, checkin_submit
from tests.notifications.test_webhooks import SMS, _answer, _inbound

pytestmark = pytest.mark.django_db
HOURS = datetime.timedelta(hours=1)


def _report(patient, *symptoms, now=None):
    checkin_submit(patient=patient, client_id=uuid.uuid4(), date=patient.local_today(), fields={"symptoms": list(symptoms)}, now=now)
    return Alert.objects.get(patient=patient, kind="red_flag")


def _pages(alert):
    return Message.objects.filter(purpose=Message.Purpose.PAGE, alert_id=alert.pk).count()


def _paged_events(alert):
    return AlertEvent.objects.filter(alert=alert, action=AlertEvent.Action.PAGED).count()


def test_advice_to_call_911_is_followed_up_hours_later_and_a_no_pages_the_nurse_again(twilio_post, patient_a, nurse_a):
    start = timezone.now()
    alert = _report(patient_a, "chest_pain_breathless", now=start)
    follow_up = AdviceFollowUp.objects.get(alert=alert)
    assert follow_up.state == "scheduled" and follow_up.ask_at == start + 3 * HOURS
    assert advice_follow_ups_run(now=start + 2 * HOURS) == {"asked": 0, "unanswered": 0, "cancelled": 0}

    assert advice_follow_ups_run(now=start + 3 * HOURS)["asked"] == 1
    (question,) = Message.objects.filter(purpose=Message.Purpose.FOLLOW_UP, patient=patient_a)
    assert "chest pain" in question.body.lower() and "911" in question.body and "YES or NO" in question.body

    answer = _answer(twilio_post(SMS, _inbound(patient_a, "No")))
    assert "We have told the on-call nurse" in answer and "911" in answer
    follow_up.refresh_from_db()
    assert follow_up.state == "did_not"
    assert _pages(alert) == _paged_events(alert) == 2
    assert AlertEvent.objects.filter(alert=alert, note__contains="did not call 911").exists()
    # The NO was the answer, not a check-in or an opt-out.
    patient_a.refresh_from_db()
    assert patient_a.sms_opt_in


def test_a_yes_is_recorded_and_pages_no_one(twilio_post, patient_a, nurse_a):
    start = timezone.now()
    alert = _report(patient_a, "bladder_bowel", now=start)
    advice_follow_ups_run(now=start + 3 * HOURS)
    answer = _answer(twilio_post(SMS, _inbound(patient_a, "yes!")))
    assert answer.startswith("Thank you for telling us.")
    assert AdviceFollowUp.objects.get(alert=alert).state == "went"
    assert _pages(alert) == 1
    # No longer awaited: silence later pages no one.
    assert advice_follow_ups_run(now=start + 10 * HOURS)["unanswered"] == 0


def test_no_answer_in_time_pages_the_nurse_again_and_reopens_an_acknowledged_alert(patient_a, nurse_a):
    start = timezone.now()
    alert = _report(patient_a, "chest_pain_breathless", now=start)
    alert_acknowledge(alert=alert, user=nurse_a, note="left a voicemail")
    advice_follow_ups_run(now=start + 3 * HOURS)
    assert advice_follow_ups_run(now=start + 4 * HOURS)["unanswered"] == 0
    assert advice_follow_ups_run(now=start + 5 * HOURS + datetime.timedelta(minutes=1))["unanswered"] == 1
    alert.refresh_from_db()
    assert alert.status == "open" and alert.acknowledged_by is None
    assert AdviceFollowUp.objects.get(alert=alert).state == "no_answer"
    assert _pages(alert) == _paged_events(alert) == 2


def test_advice_that_is_not_an_emergency_is_not_followed_up(patient_a, nurse_a):
    alert = _report(patient_a, "fever")
    assert not AdviceFollowUp.objects.filter(alert=alert).exists()


def test_a_follow_up_whose_alert_a_nurse_resolved_is_not_asked(patient_a, nurse_a):
    start = timezone.now()
    alert = _report(patient_a, "chest_pain_breathless", now=start)
    alert_resolve(alert=alert, user=nurse_a, note="Seen in the emergency department.")
    assert advice_follow_ups_run(now=start + 3 * HOURS)["cancelled"] == 1
    assert not Message.objects.filter(purpose=Message.Purpose.FOLLOW_UP).exists()


def test_a_yes_with_no_question_asked_is_not_taken_for_an_answer(twilio_post, patient_a):
    answer = _answer(twilio_post(SMS, _inbound(patient_a, "yes")))
    assert "Thank you for telling us" not in answer
