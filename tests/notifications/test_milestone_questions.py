"""The milestone question by SMS: the reminder and the answer to an SMS check-in ask it, a YES or NO
reply answers it, and the emergency follow-up's question comes first."""

import datetime
import uuid

import pytest

from notifications.models import Message
from notifications.services import reminders
from recovery.models import Alert, DailyRecord, MilestoneQuestion
from recovery.services import checkin_submit
from tests.notifications.test_webhooks import SMS, _answer, _inbound

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(patient_a):
    """Clinic A's patient, asked whether they have gone home (as the sweep asks)."""
    return MilestoneQuestion.objects.create(patient=patient_a, milestone="discharged", asked_on=patient_a.local_today())


def test_a_yes_by_sms_marks_the_milestone_reached(twilio_post, patient_a, asked):
    answer = _answer(twilio_post(SMS, _inbound(patient_a, "Yes")))
    assert answer.startswith("Thank you: noted as reached.") and "911" in answer
    asked.refresh_from_db()
    assert (asked.state, asked.channel) == ("yes", "sms")
    assert "discharged" in DailyRecord.objects.get(patient=patient_a, date=patient_a.local_today()).milestones
    # The YES was the answer, not a pain score or an opt-in.
    assert DailyRecord.objects.get(patient=patient_a, date=patient_a.local_today()).pain is None


def test_a_no_by_sms_tells_the_nurse(twilio_post, make_patient):
    patient = make_patient(surgery_days_ago=6, added_on_day=0)
    for day in range(0, 6):
        fields = {"pain": 4, "walking_minutes": 30, **({"milestones": ["first_walk", "normal_diet"]} if day == 0 else {})}
        checkin_submit(patient=patient, client_id=uuid.uuid4(), date=patient.surgery_date + datetime.timedelta(days=day), fields=fields)
    MilestoneQuestion.objects.create(patient=patient, milestone="discharged", asked_on=patient.local_today())
    answer = _answer(twilio_post(SMS, _inbound(patient, "no")))
    assert "your care team will see your answer" in answer
    alert = Alert.objects.get(patient=patient, kind="milestone_overdue")
    assert "the patient answered no" in alert.message


def test_the_answer_to_an_sms_checkin_asks_the_question_waiting(twilio_post, patient_a, asked):
    answer = _answer(twilio_post(SMS, _inbound(patient_a, "3")))
    assert "Have you gone home from the hospital? Reply YES or NO." in answer
    assert MilestoneQuestion.objects.get(pk=asked.pk).state == "asked"


def test_the_reminder_asks_the_question_waiting_in_the_patients_language(twilio, make_patient):
    from tests.notifications.conftest import at

    asked_es = make_patient(surgery_date=datetime.date(2026, 11, 1), language="es")
    plain = make_patient(surgery_date=datetime.date(2026, 11, 1))
    MilestoneQuestion.objects.create(patient=asked_es, milestone="normal_diet", asked_on=datetime.date(2026, 11, 20))
    reminders.reminders_enqueue(now=at("America/Chicago", 2026, 11, 20, 18, 0))
    bodies = dict(Message.objects.filter(purpose=Message.Purpose.REMINDER).values_list("patient_id", "body"))
    assert "¿Ha podido comer con normalidad? Responda SI o NO." in bodies[asked_es.pk]
    assert "YES or NO" not in bodies[plain.pk] and "SI o NO" not in bodies[plain.pk]


def test_the_emergency_follow_up_is_answered_first(twilio_post, patient_a, nurse_a, asked):
    from django.utils import timezone

    from notifications.follow_ups import advice_follow_ups_run

    start = timezone.now()
    checkin_submit(patient=patient_a, client_id=uuid.uuid4(), date=patient_a.local_today(), fields={"symptoms": ["chest_pain_breathless"]},
                   now=start)
    advice_follow_ups_run(now=start + datetime.timedelta(hours=3))
    answer = _answer(twilio_post(SMS, _inbound(patient_a, "yes")))
    assert answer.startswith("Thank you for telling us.")
    assert MilestoneQuestion.objects.get(pk=asked.pk).state == "asked"


def test_an_opted_out_patients_yes_opts_back_in_and_leaves_the_question(twilio_post, patient_a, asked):
    from patients.models import Patient

    Patient.objects.filter(pk=patient_a.pk).update(sms_opt_in=False)
    twilio_post(SMS, _inbound(patient_a, "YES"))
    patient_a.refresh_from_db()
    assert patient_a.sms_opt_in
    assert MilestoneQuestion.objects.get(pk=asked.pk).state == "asked"
