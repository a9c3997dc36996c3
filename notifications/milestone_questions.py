"""The milestone question by SMS (recovery.services.milestone_questions holds the loop): the reminder
and the answer to an SMS check-in carry the question, and a YES or NO reply answers it.

A YES or NO is read as the answer to the emergency-advice follow-up first, when one waits
(notifications/follow_ups.py), then as the answer to the oldest milestone question waiting; from a
patient who has opted out, YES is the opt-in it has always been.
"""

import datetime

from django.utils.translation import pgettext_lazy

from notifications import texts
from notifications.texts import NOT_WATCHED, gsm7_folded
from patients.languages import in_language
from patients.models import Patient
from recovery.choices import Channel
from recovery.models import MilestoneQuestion
from recovery.services.milestone_questions import milestone_question_answer, milestone_questions_pending, question_text

REPLY_YES_NO = pgettext_lazy("milestone question", "Reply YES or NO.")
ANSWERED = {
    True: pgettext_lazy("milestone question", "Thank you: noted as reached."),
    False: pgettext_lazy("milestone question", "Thank you: your care team will see your answer."),
}


def question_prompt(*, milestone: str, language: str) -> str:
    """The question as an SMS asks it: the question, then how to answer."""
    with in_language(language):
        return f"{question_text(milestone=milestone, language=language)} {REPLY_YES_NO}"


def with_question(body: str, *, milestone: str | None, language: str) -> str:
    """A message with the milestone question after it, where one waits (in GSM-7 letters, as every SMS)."""
    return gsm7_folded(f"{body} {question_prompt(milestone=milestone, language=language)}") if milestone else body


def reminder_with_question(*, language: str, clinic: str, link: str, milestone: str | None) -> str:
    """The day's reminder, in its shorter wording with the milestone question where one waits."""
    if not milestone:
        return texts.reminder_text(language=language, clinic=clinic, link=link)
    return texts.reminder_question_text(
        language=language, clinic=clinic, link=link, question=question_text(milestone=milestone, language=language)
    )


def milestone_questions_waiting(*, patient_ids: list[int]) -> dict[int, str]:
    """The oldest question waiting per patient (one query), for a batch of reminders."""
    waiting: dict[int, str] = {}
    for pid, code in (
        MilestoneQuestion.objects.filter(patient_id__in=patient_ids, state=MilestoneQuestion.State.ASKED)
        .order_by("patient_id", "asked_on", "id")
        .values_list("patient_id", "milestone")
    ):
        waiting.setdefault(pid, code)
    return waiting


def milestone_question_sms_answer(*, patient: Patient, reached: bool, now: datetime.datetime) -> str | None:
    """A YES or NO by SMS as the answer to the oldest question waiting; the reply's text, or None when
    no question waits (the reply is then read as anything else)."""
    if not patient.sms_opt_in:
        # An opted-out patient's YES is START's (opt back in), never an answer to a question.
        return None
    pending = milestone_questions_pending(patient=patient)
    if not pending:
        return None
    question = pending[0]
    question.patient = patient
    milestone_question_answer(question=question, reached=reached, channel=Channel.SMS, now=now)
    with in_language(patient.language):
        text = str(ANSWERED[reached])
    if len(pending) > 1:
        text = with_question(text, milestone=pending[1].milestone, language=patient.language)
    with in_language(patient.language):
        return gsm7_folded(f"{text} {NOT_WATCHED}")
