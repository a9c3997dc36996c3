"""The question before a milestone alert, through the engine and the app: the sweep asks a patient on
track who never ticked "discharged"; yes reaches it, no alerts the nurse at once, silence past its
time alerts at the next sweep."""

import datetime
import uuid

import pytest

from patients.models import AuditEvent
from recovery.models import Alert, DailyRecord, MilestoneQuestion
from recovery.services import checkin_submit, recovery_evaluate
from recovery.services.milestone_questions import milestone_question_answer

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def _checkins_from_home(patient, days):
    """Checks in every day from home, pain and walking as expected, never ticking 'discharged'."""
    for day in days:
        fields = {"pain": 4, "walking_minutes": 30}
        if day == 0:
            fields["milestones"] = ["first_walk", "normal_diet"]
        checkin_submit(patient=patient, client_id=uuid.uuid4(), date=patient.surgery_date + day * DAY, fields=fields)


def _sweep_as_of(patient, day):
    return recovery_evaluate(patient_ids=[patient.pk], as_of=patient.surgery_date + day * DAY)


@pytest.fixture
def home_patient(make_patient):
    # MIS: discharged is expected by day 2, overdue after day 2.
    patient = make_patient(surgery_days_ago=6, added_on_day=0)
    _checkins_from_home(patient, range(0, 4))
    return patient


def test_the_sweep_asks_instead_of_alerting_and_asks_once(home_patient):
    summary = _sweep_as_of(home_patient, 2)
    assert summary.asked == 1
    question = MilestoneQuestion.objects.get(patient=home_patient)
    assert (question.milestone, question.state, question.asked_on) == ("discharged", "asked", home_patient.surgery_date + 3 * DAY)
    assert not Alert.objects.filter(patient=home_patient, kind="milestone_overdue").exists()
    # Judged again (a retried sweep, the next day): still one question, still no alert while it waits.
    _sweep_as_of(home_patient, 2)
    _sweep_as_of(home_patient, 3)
    assert MilestoneQuestion.objects.filter(patient=home_patient).count() == 1
    assert not Alert.objects.filter(patient=home_patient, kind="milestone_overdue").exists()


def test_a_yes_marks_the_milestone_reached_where_everyone_reads_it(home_patient):
    _sweep_as_of(home_patient, 2)
    question = MilestoneQuestion.objects.get(patient=home_patient)
    assert milestone_question_answer(question=question, reached=True)
    question.refresh_from_db()
    assert question.state == "yes" and question.answered_on == home_patient.local_today()
    today = DailyRecord.objects.get(patient=home_patient, date=home_patient.local_today())
    assert "discharged" in today.milestones
    recovery_evaluate(patient_ids=[home_patient.pk])  # every rule, as of the local today
    assert not Alert.objects.filter(patient=home_patient, kind="milestone_overdue").exists()
    # A second answer changes nothing: the first stands.
    assert not milestone_question_answer(question=question, reached=False)
    assert MilestoneQuestion.objects.get(pk=question.pk).state == "yes"


def test_a_no_alerts_the_nurse_at_once(home_patient):
    _sweep_as_of(home_patient, 2)
    question = MilestoneQuestion.objects.get(patient=home_patient)
    milestone_question_answer(question=question, reached=False)
    alert = Alert.objects.get(patient=home_patient, kind="milestone_overdue")
    assert alert.severity == "high" and alert.status == "open"
    assert "the patient answered no" in alert.message


def test_no_answer_past_its_time_alerts_at_the_sweep(home_patient):
    _sweep_as_of(home_patient, 2)  # asked on day 3; the patient checked in on day 3 without answering
    _sweep_as_of(home_patient, 3)
    assert not Alert.objects.filter(patient=home_patient, kind="milestone_overdue").exists()
    checkin_submit(patient=home_patient, client_id=uuid.uuid4(), date=home_patient.surgery_date + 4 * DAY, fields={"pain": 3})
    _sweep_as_of(home_patient, 4)
    alert = Alert.objects.get(patient=home_patient, kind="milestone_overdue")
    assert "no answer within 2 days" in alert.message


def test_the_app_lists_and_answers_its_questions_and_every_call_is_audited(home_patient, make_patient):
    from patients.tokens import tokens_for_patient
    from tests.conftest import _client_for

    patient_a = home_patient
    patient_client_a = _client_for(tokens_for_patient(patient_a.user))
    _sweep_as_of(patient_a, 2)
    listed = patient_client_a.get("/api/v1/me/questions/")
    assert listed.status_code == 200
    (q,) = listed.json()["questions"]
    assert (q["milestone"], q["text"], q["state"]) == ("discharged", "Have you gone home from the hospital?", "asked")

    bad = patient_client_a.post(f"/api/v1/me/questions/{q['id']}/answer/", {"answer": "maybe"}, format="json")
    assert bad.status_code == 400 and "answer" in bad.json()
    answered = patient_client_a.post(f"/api/v1/me/questions/{q['id']}/answer/", {"answer": "yes"}, format="json")
    assert answered.status_code == 200 and answered.json()["state"] == "yes"
    again = patient_client_a.post(f"/api/v1/me/questions/{q['id']}/answer/", {"answer": "no"}, format="json")
    assert again.status_code == 409 and again.json()["state"] == "yes"
    assert patient_client_a.get("/api/v1/me/questions/").json() == {"questions": []}
    assert AuditEvent.objects.filter(patient=patient_a, resource="milestone_questions", action="list").count() == 2
    assert AuditEvent.objects.filter(patient=patient_a, resource="milestone_question", action="update").count() == 1

    # Another patient's question is not there for this patient.
    other = make_patient(surgery_days_ago=6, added_on_day=0)
    _checkins_from_home(other, range(0, 4))
    _sweep_as_of(other, 2)
    theirs = MilestoneQuestion.objects.get(patient=other)
    assert patient_client_a.post(f"/api/v1/me/questions/{theirs.pk}/answer/", {"answer": "no"}, format="json").status_code == 404
    assert MilestoneQuestion.objects.get(pk=theirs.pk).state == "asked"
