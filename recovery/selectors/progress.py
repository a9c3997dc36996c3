"""A patient's recovery day by day beside the protocol's expected bounds, and the milestone plan."""

import datetime

from django.db.models import QuerySet

from patients.models import Patient
from recovery.models import DailyRecord, MilestoneQuestion
from recovery.protocols import ProtocolPlan, protocol_plan
from recovery.rules import Day, Question, Snapshot, milestone_states, milestones_reached
from recovery.texts import milestone_label, milestone_state_label, procedure_label


def patient_progress(
    *,
    patient: Patient,
    as_of: datetime.date | None = None,
    plan: ProtocolPlan | None = None,
    language: str | None = None,
) -> dict:
    """One row a day from surgery to `as_of` (patient-local today by default, capped at the program's
    end), each with the values logged (or None) beside the expected pain ceiling and walking floor;
    and each milestone with its window (in days and dates), its state and the day it was reached.
    Labels are in `language` (the patient's own, for the app), English by default.

    The milestones' states are the engine's own (rules.milestone_states, over the same snapshot: a
    logged walk shows the first walk, a discharge date the discharge, a hold waits while the patient
    is on track, a milestone asked about is late until answered), from the day the patient was added:
    the patient, the nurse and the engine agree.

    Queries: the protocol (3, skipped when `plan` is given), the patient's daily records (1) and
    milestone questions (1).
    """
    language = language or "en"
    as_of = as_of or patient.local_today()
    plan = plan or protocol_plan(patient.procedure)
    last_day = min((as_of - patient.surgery_date).days, plan.program_days)
    records = {
        r.date: r
        for r in DailyRecord.objects.filter(patient=patient, date__gte=patient.surgery_date, date__lte=as_of).only(
            "date", "pain", "walking_minutes", "steps", "opioid_use", "symptoms", "milestones", "note"
        )
    }
    days = []
    for day in range(0, last_day + 1):
        date = patient.surgery_date + datetime.timedelta(days=day)
        record = records.get(date)
        days.append(
            {
                "date": date,
                "recovery_day": day,
                "logged": record is not None,
                "pain": record.pain if record else None,
                "walking_minutes": record.walking_minutes if record else None,
                "steps": record.steps if record else None,
                "opioid_use": record.opioid_use if record else None,
                "symptoms": list(record.symptoms) if record else [],
                "milestones": list(record.milestones) if record else [],
                "note": record.note if record else "",
                "expected_pain_max": plan.pain_max(day),
                "expected_walking_min": plan.walking_min(day),
            }
        )
    ordered = sorted(records.values(), key=lambda r: r.date)
    snapshot = Snapshot(
        surgery_date=patient.surgery_date,
        procedure=patient.procedure,
        plan=plan,
        as_of=as_of,
        days=tuple(
            Day(date=r.date, pain=r.pain, walking_minutes=r.walking_minutes, steps=r.steps, opioid_use=r.opioid_use,
                symptoms=tuple(r.symptoms or ()), milestones=tuple(r.milestones or ()))
            for r in ordered
        ),
        day_ended=False,
        enrolled_on=max(patient.surgery_date, patient_added_on(patient)),
        discharge_date=patient.discharge_date,
        questions={
            code: Question(code, asked_on, None if state == MilestoneQuestion.State.ASKED else state == MilestoneQuestion.State.YES, answered_on)
            for code, state, asked_on, answered_on in MilestoneQuestion.objects.filter(patient=patient).values_list(
                "milestone", "state", "asked_on", "answered_on"
            )
        },
    )
    today_day = (as_of - patient.surgery_date).days
    reached = milestones_reached(snapshot)
    states = milestone_states(snapshot)
    milestones = []
    for window in plan.milestones:
        reached_on = reached.get(window.code)
        reached_day = (reached_on - patient.surgery_date).days if reached_on else None
        state = states[window.code]
        milestones.append(
            {
                "code": window.code,
                "label": milestone_label(window.code, language),
                "expected_from": window.expected_from,
                "expected_by": window.expected_by,
                "overdue_after": window.overdue_after,
                "alert_when_overdue": window.alert_when_overdue,
                **_window_dates(window, patient.surgery_date),
                "state": state,
                "state_label": milestone_state_label(state, language),
                "reached_on": reached_on,
                "reached_day": reached_day,
            }
        )
    return {
        "as_of": as_of,
        "surgery_date": patient.surgery_date,
        "recovery_day": today_day,
        "program_days": plan.program_days,
        "procedure": plan.procedure,
        "days": days,
        "milestones": milestones,
    }


def patient_added_on(patient: Patient) -> datetime.date:
    """The patient-local date the patient was added to the service: monitoring (and so anything
    being overdue) starts there, as the engine's snapshot has it (enrolled_on)."""
    return patient.created_at.astimezone(patient.tz).date()


def _window_dates(window, surgery_date: datetime.date) -> dict:
    def on(day):
        return None if day is None else surgery_date + datetime.timedelta(days=day)

    return {
        "expected_from_date": on(window.expected_from),
        "expected_by_date": on(window.expected_by),
        "overdue_after_date": on(window.overdue_after),
    }


def patient_plan(*, patient: Patient, plan: ProtocolPlan | None = None, language: str | None = None) -> dict:
    """The expected milestones of the patient's protocol, with their windows as days and as dates.

    Queries: the protocol (3, none when `plan` is given).
    """
    language = language or "en"
    plan = plan or protocol_plan(patient.procedure)
    return {
        "procedure": plan.procedure,
        "name": procedure_label(plan.procedure, language),
        "program_days": plan.program_days,
        "program_ends_on": patient.surgery_date + datetime.timedelta(days=plan.program_days),
        "milestones": [
            {
                "code": window.code,
                "label": milestone_label(window.code, language),
                "expected_from": window.expected_from,
                "expected_by": window.expected_by,
                "overdue_after": window.overdue_after,
                **_window_dates(window, patient.surgery_date),
            }
            for window in plan.milestones
        ],
    }


def patient_daily_records(
    *, patient: Patient, date_from: datetime.date | None = None, date_to: datetime.date | None = None
) -> QuerySet[DailyRecord]:
    """The patient's own daily records, newest first, optionally between two dates (both included)."""
    records = DailyRecord.objects.filter(patient=patient)
    if date_from is not None:
        records = records.filter(date__gte=date_from)
    if date_to is not None:
        records = records.filter(date__lte=date_to)
    return records.order_by("-date", "-id")
