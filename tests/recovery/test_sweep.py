"""The sweep: each patient judged once for every local day that has ended, in the patient's own time
zone; lost check-in evaluations picked up; `check_recovery` at once; nothing new the second time."""

import datetime
import io
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from recovery.models import Alert, AlertEvent, EvaluationState
from recovery.services import checkin_submit, recovery_sweep
from recovery.tasks import sweep_task

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
# A date a few days back, so that every day used below is in the past for the check-in service.
D = (timezone.now() - datetime.timedelta(days=3)).date()


def at(date: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(date, datetime.time(hour, minute), tzinfo=UTC)


def silent_patient(make_patient, tz: str, *, judged_through=None):
    """Surgery 10 days before D, check-ins every day up to D-2, then silence."""
    patient = make_patient(surgery_date=D - datetime.timedelta(days=10), timezone_name=tz)
    created = datetime.datetime.combine(patient.surgery_date, datetime.time(9), tzinfo=UTC)
    type(patient).objects.filter(pk=patient.pk).update(created_at=created)
    for offset in range(10, 1, -1):
        date = D - datetime.timedelta(days=offset)
        fields = {"pain": 4, "walking_minutes": 30}
        if offset == 10:
            fields["milestones"] = ["first_walk", "discharged"]
        checkin_submit(patient=patient, client_id=uuid.uuid4(), date=date, fields=fields)
    EvaluationState.objects.filter(patient=patient).update(needs_evaluation_since=None, judged_through=judged_through)
    return patient


def state(patient):
    return EvaluationState.objects.get(patient=patient)


def test_the_sweep_judges_each_patient_when_the_patients_own_day_has_ended(make_patient):
    auckland = silent_patient(make_patient, "Pacific/Auckland", judged_through=D - datetime.timedelta(days=1))
    los_angeles = silent_patient(make_patient, "America/Los_Angeles", judged_through=D - datetime.timedelta(days=1))

    # 12:00 UTC on D: past midnight in Auckland (D has ended there), early morning of D in Los Angeles.
    recovery_sweep(now=at(D, 12))
    assert [a.kind for a in Alert.objects.filter(patient=auckland)] == ["missed_checkins"]
    assert not Alert.objects.filter(patient=los_angeles).exists()
    assert state(auckland).judged_through == D
    assert state(los_angeles).judged_through == D - datetime.timedelta(days=1)

    # 08:30 UTC on D+1: just past midnight in Los Angeles; D is judged there now.
    recovery_sweep(now=at(D + datetime.timedelta(days=1), 8, 30))
    assert [a.kind for a in Alert.objects.filter(patient=los_angeles)] == ["missed_checkins"]
    assert state(los_angeles).judged_through == D
    assert Alert.objects.filter(patient=auckland).count() == 1


def test_running_the_sweep_twice_raises_nothing_new(make_patient):
    patient = silent_patient(make_patient, "America/Chicago", judged_through=D - datetime.timedelta(days=1))
    first = recovery_sweep(now=at(D + datetime.timedelta(days=1), 7))
    assert sum(first.opened.values()) == 1
    alerts, events = Alert.objects.count(), AlertEvent.objects.count()
    second = recovery_sweep(now=at(D + datetime.timedelta(days=1), 7, 15))
    assert (sum(second.opened.values()), sum(second.updated.values()), sum(second.resolved.values()), second.patients) == (0, 0, 0, 0)
    assert (Alert.objects.count(), AlertEvent.objects.count()) == (alerts, events)
    assert state(patient).judged_through == D


def test_after_an_outage_the_sweep_judges_each_ended_day_oldest_first(make_patient):
    patient = silent_patient(make_patient, "America/Chicago", judged_through=D - datetime.timedelta(days=4))
    summary = recovery_sweep(now=at(D + datetime.timedelta(days=1), 7))
    assert summary.patients == 4  # D-3, D-2, D-1 and D
    assert state(patient).judged_through == D
    [alert] = Alert.objects.filter(patient=patient)
    # D-1 was one silent day, D the second: raised when D was judged, once.
    assert [e.action for e in alert.events.all()] == ["raised"]
    assert alert.evidence_date == D


def test_a_patient_never_judged_is_judged_for_the_last_ended_day_only(make_patient):
    patient = silent_patient(make_patient, "America/Chicago", judged_through=None)
    summary = recovery_sweep(now=at(D + datetime.timedelta(days=1), 7))
    assert summary.patients == 1
    assert state(patient).judged_through == D


def test_a_lost_check_in_evaluation_is_picked_up_by_the_sweep(make_patient):
    patient = make_patient(surgery_days_ago=5)
    today = patient.local_today()
    # No worker ran the judging batch asked for on commit: only the evaluation mark says it is owed.
    checkin_submit(patient=patient, client_id=uuid.uuid4(), date=today - datetime.timedelta(days=1), fields={"pain": 9})
    checkin_submit(patient=patient, client_id=uuid.uuid4(), date=today, fields={"pain": 9})
    mark = state(patient).needs_evaluation_since
    recovery_sweep(now=mark + datetime.timedelta(minutes=1))
    assert not Alert.objects.filter(patient=patient).exists()
    assert state(patient).needs_evaluation_since == mark

    EvaluationState.objects.filter(patient=patient).update(needs_evaluation_since=timezone.now() - datetime.timedelta(minutes=10))
    sweep_task()
    [alert] = Alert.objects.filter(patient=patient)
    assert (alert.kind, alert.severity) == ("pain_high", "high")
    assert state(patient).needs_evaluation_since is None


def test_check_recovery_judges_everyone_as_of_the_date_and_twice_raises_nothing_new(make_patient):
    patient = silent_patient(make_patient, "America/Chicago")
    out = io.StringIO()
    call_command("check_recovery", "--as-of", D.isoformat(), stdout=out)
    assert "opened 1 (missed_checkins 1)" in out.getvalue()
    assert state(patient).judged_through == D
    again = io.StringIO()
    call_command("check_recovery", "--as-of", D.isoformat(), stdout=again)
    assert "opened 0; updated 0; resolved 0" in again.getvalue()
    assert Alert.objects.filter(patient=patient).count() == 1


def test_check_recovery_without_a_date_judges_each_patients_today(make_patient):
    patient = silent_patient(make_patient, "America/Chicago")
    out = io.StringIO()
    call_command("check_recovery", stdout=out)
    assert "As of each patient's today" in out.getvalue()
    [alert] = Alert.objects.filter(patient=patient)
    assert alert.kind == "missed_checkins"


def test_check_recovery_refuses_a_date_it_cannot_read():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("check_recovery", "--as-of", "23/11/2026")
