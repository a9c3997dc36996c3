"""The closed loop after emergency advice: a patient told to call 911 or go to the emergency
department is asked a few hours later whether they did; a "no", or no answer, pages the nurse again.

1. When a red-flag alert that owes a page carries such advice (recovery.red_flags.emergency_advised),
   a follow-up is scheduled in the same transaction, FOLLOW_UP_AFTER_HOURS later.
2. Beat runs advice_follow_ups_run every minute: a follow-up due is asked by SMS (the outbox), and
   one asked and unanswered after FOLLOW_UP_ANSWER_HOURS pages the on-call nurse again.
3. A YES or NO from the patient while a follow-up is asked is its answer (advice_follow_up_answer,
   called by the inbound SMS service before the check-in grammar): NO pages the nurse again.
A follow-up is asked even in the quiet hours: the patient reported an emergency. One whose alert a
nurse has resolved is not asked.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications import texts
from notifications.models import AdviceFollowUp, Message
from notifications.services.outbox import message_enqueue
from patients.models import Patient
from recovery.choices import AlertKind, AlertStatus
from recovery.models import Alert
from recovery.red_flags import EMERGENCY_SYMPTOMS, emergency_advised
from recovery.services.alerts import alert_event_record, alert_page_again

BATCH = 500
State = AdviceFollowUp.State


def _symptoms(alert: Alert) -> list[str]:
    return [report[1] for report in (alert.details or {}).get("reports") or [] if len(report) > 1]


def advice_follow_up_schedule(*, alert: Alert, now: datetime.datetime | None = None) -> AdviceFollowUp | None:
    """In the transaction that raised the alert: schedule the follow-up its emergency advice owes (once
    per alert; a later report on the same alert keeps the first schedule)."""
    symptoms = _symptoms(alert) if alert.kind == AlertKind.RED_FLAG else []
    # Most red flags are not emergencies: decided from the alert alone, with no query.
    if not EMERGENCY_SYMPTOMS.intersection(symptoms) or not emergency_advised(symptoms, procedure=alert.patient.procedure):
        return None
    now = now or timezone.now()
    with transaction.atomic():
        follow_up, _ = AdviceFollowUp.objects.get_or_create(
            alert=alert, defaults={"patient_id": alert.patient_id, "ask_at": now + datetime.timedelta(hours=settings.FOLLOW_UP_AFTER_HOURS)}
        )
    return follow_up


def advice_follow_ups_run(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Ask the follow-ups that are due, and page again for those asked and not answered in time."""
    now = now or timezone.now()
    counts = {"asked": 0, "unanswered": 0, "cancelled": 0}
    due = AdviceFollowUp.objects.filter(state=State.SCHEDULED, ask_at__lte=now).values_list("pk", flat=True)[:BATCH]
    for pk in list(due):
        with transaction.atomic():
            follow_up = AdviceFollowUp.objects.select_for_update().select_related("alert", "patient__clinic").filter(
                pk=pk, state=State.SCHEDULED
            ).first()
            if follow_up is None:
                continue
            if follow_up.alert.status == AlertStatus.RESOLVED:
                follow_up.state = State.CANCELLED
                follow_up.save(update_fields=["state", "updated_at"])
                counts["cancelled"] += 1
                continue
            patient = follow_up.patient
            if not patient.sms_opt_in:
                # It cannot be asked: no answer can come, so the nurse hears of it now.
                _unanswered(follow_up, now, why="could not be asked by SMS (the patient has no SMS consent)")
                counts["unanswered"] += 1
                continue
            message_enqueue(
                purpose=Message.Purpose.FOLLOW_UP,
                to_phone=patient.phone,
                body=texts.follow_up_text(language=patient.language, clinic=patient.clinic.name, symptoms=_symptoms(follow_up.alert)),
                patient=patient,
                alert_id=follow_up.alert_id,
                dedupe_key=f"follow-up:{follow_up.pk}",
                now=now,
            )
            follow_up.state = State.ASKED
            follow_up.answer_by = now + datetime.timedelta(hours=settings.FOLLOW_UP_ANSWER_HOURS)
            follow_up.save(update_fields=["state", "answer_by", "updated_at"])
            alert_event_record(alert_id=follow_up.alert_id, note="Asked the patient by SMS whether they called 911 or went to the emergency department")
            counts["asked"] += 1
    awaited = AdviceFollowUp.objects.filter(state=State.ASKED, answer_by__lte=now).values_list("pk", flat=True)[:BATCH]
    for pk in list(awaited):
        with transaction.atomic():
            follow_up = AdviceFollowUp.objects.select_for_update().filter(pk=pk, state=State.ASKED).first()
            if follow_up is not None:
                _unanswered(follow_up, now, why=f"did not answer within {settings.FOLLOW_UP_ANSWER_HOURS} hours")
                counts["unanswered"] += 1
    return counts


def _unanswered(follow_up: AdviceFollowUp, now: datetime.datetime, *, why: str) -> None:
    follow_up.state = State.NO_ANSWER
    follow_up.save(update_fields=["state", "updated_at"])
    alert_page_again(alert_id=follow_up.alert_id, note=f"Follow-up after emergency advice: the patient {why}", now=now)


def advice_follow_up_pending(*, patient: Patient) -> AdviceFollowUp | None:
    """The follow-up this patient was asked and has not answered yet, if any."""
    return AdviceFollowUp.objects.filter(patient=patient, state=State.ASKED).order_by("-ask_at").first()


def advice_follow_up_answer(*, follow_up: AdviceFollowUp, acted: bool, now: datetime.datetime) -> str:
    """Record the patient's YES or NO and return the answer's text; a NO pages the nurse again."""
    patient = follow_up.patient
    follow_up.state = State.WENT if acted else State.DID_NOT
    follow_up.answered_at = now
    follow_up.save(update_fields=["state", "answered_at", "updated_at"])
    if acted:
        alert_event_record(alert_id=follow_up.alert_id, note="Follow-up: the patient says they called 911 or went to the emergency department")
    else:
        alert_page_again(
            alert_id=follow_up.alert_id,
            note="Follow-up after emergency advice: the patient says they did not call 911 or go to the emergency department",
            now=now,
        )
    return texts.follow_up_answered_text(language=patient.language, acted=acted)
