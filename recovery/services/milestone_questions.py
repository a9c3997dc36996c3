"""The question before a milestone alert: a patient who checks in, is otherwise on track, and has not
ticked a milestone past its overdue day is asked ("Have you been able to eat normally?") instead of
the nurse being alerted.

1. The sweep records the question (rules.milestone_questions_owed, written by the engine): one per
   patient and milestone.
2. The next reminder, the SMS answer to a check-in and the web check-in ask it (the notifications
   and webcheckin layers read milestone_questions_pending); the app reads it from /api/v1/me/questions/.
3. The patient's yes or no comes back here (milestone_question_answer): yes writes the milestone into
   the day's record, as a check-in would; no judges the patient at once, so the nurse's alert stands
   within seconds. No answer past the protocol's milestone_answer_days alerts at the sweep.
"""

from __future__ import annotations

import datetime
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from patients.audit import AuditSource, audit_record
from patients.languages import in_language
from patients.models import AuditEvent, Patient
from recovery.choices import Channel
from recovery.models import MilestoneQuestion

State = MilestoneQuestion.State

# What the patient reads, yes or no: asked in the patient's language (context "milestone question";
# each language's wording is in its catalogue, docs/translations.md).
QUESTION_TEXTS = {
    "discharged": pgettext_lazy("milestone question", "Have you gone home from the hospital?"),
    "normal_diet": pgettext_lazy("milestone question", "Have you been able to eat normally?"),
    "normal_activities": pgettext_lazy("milestone question", "Are you back to your normal daily activities?"),
    "first_walk": pgettext_lazy("milestone question", "Have you been able to walk yet?"),
}


def question_text(*, milestone: str, language: str) -> str:
    """The yes-or-no question about a milestone, in the patient's language (English by default)."""
    with in_language(language):
        text = QUESTION_TEXTS.get(milestone)
        return str(text) if text is not None else f"Have you reached this milestone: {milestone}?"


def milestone_questions_pending(*, patient: Patient | int) -> list[MilestoneQuestion]:
    """The patient's questions asked and not answered yet, oldest first."""
    pid = patient.pk if isinstance(patient, Patient) else patient
    return list(MilestoneQuestion.objects.filter(patient_id=pid, state=State.ASKED).order_by("asked_on", "id"))


def milestone_question_answer(
    *,
    question: MilestoneQuestion,
    reached: bool,
    channel: str = Channel.APP,
    now: datetime.datetime | None = None,
    audit: AuditSource | None = None,
) -> bool:
    """Record the patient's yes (`reached`) or no. Returns False when the question was answered
    already (a retried SMS, a second tap): the first answer stands.

    1. The answer is claimed with a compare-and-set on the state "asked".
    2. Yes: the milestone is written into today's record through checkin_submit (its client_id
       derived from the question, so a retry cannot write it twice), as if the patient had ticked it.
    3. No: the patient is judged at once (every rule, as of the local today), so the
       milestone_overdue alert is open when the answer returns.
    """
    from recovery.services.checkins import checkin_submit
    from recovery.services.evaluation import Trigger, recovery_evaluate

    now = now or timezone.now()
    patient = question.patient
    today = patient.local_today(now)
    with transaction.atomic():
        claimed = MilestoneQuestion.objects.filter(pk=question.pk, state=State.ASKED).update(
            state=State.YES if reached else State.NO, answered_at=now, answered_on=today, channel=channel, updated_at=now
        )
        if not claimed:
            return False
        if audit is not None:
            audit_record(actor=None, patient=patient, action=AuditEvent.Action.UPDATE, resource=AuditEvent.Resource.MILESTONE_QUESTION,
                         detail=f"{question.milestone}: {'yes' if reached else 'no'}", source=audit, at=now)
    question.refresh_from_db()
    if reached:
        checkin_submit(
            patient=patient,
            client_id=uuid.uuid5(uuid.NAMESPACE_URL, f"milestone-question:{question.pk}"),
            date=today,
            fields={"milestones": [question.milestone]},
            channel=channel,
            now=now,
        )
    else:
        recovery_evaluate(patient_ids=[patient.pk], now=now, trigger=Trigger.COMMAND)
    return True
