"""Helpers of the engine's tests: patients placed in time, check-ins on a given post-operative day."""

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from patients.models import Patient
from recovery.services import checkin_submit
from recovery.signals import alert_page_owed


def local_time(patient: Patient, day: int, hour: int = 12) -> datetime.datetime:
    """An aware moment on the patient's post-operative `day`, at `hour` patient-local."""
    date = patient.surgery_date + datetime.timedelta(days=day)
    return datetime.datetime.combine(date, datetime.time(hour), tzinfo=ZoneInfo(patient.timezone))


def placed_patient(make_patient, *, days_since_surgery: int = 10, added_day: int = 0, **fields) -> Patient:
    """A patient whose surgery was `days_since_surgery` local days ago, added to the service on
    post-operative day `added_day` (so that absence before it is not missing)."""
    tz = ZoneInfo(fields.get("timezone_name") or "America/Chicago")
    today = timezone.now().astimezone(tz).date()
    patient = make_patient(surgery_date=today - datetime.timedelta(days=days_since_surgery), **fields)
    created = local_time(patient, added_day, hour=9)
    Patient.objects.filter(pk=patient.pk).update(created_at=created)
    patient.created_at = created
    return patient


def checkin(patient: Patient, day: int, **fields):
    """A check-in for the patient's post-operative `day`, through the real service."""
    date = patient.surgery_date + datetime.timedelta(days=day)
    return checkin_submit(patient=patient, client_id=uuid.uuid4(), date=date, fields=fields)


def day_date(patient: Patient, day: int) -> datetime.date:
    return patient.surgery_date + datetime.timedelta(days=day)


@pytest.fixture
def pages():
    """The alerts handed to the notifications layer for paging, in order."""
    received = []

    def receiver(sender, alert, **kwargs):
        received.append(alert)

    alert_page_owed.connect(receiver, weak=False, dispatch_uid="engine-test-pages")
    yield received
    alert_page_owed.disconnect(dispatch_uid="engine-test-pages")


@pytest.fixture
def eager_evaluation(monkeypatch, django_capture_on_commit_callbacks):
    """Run the judging batch in-process when the check-in's transaction commits, as a worker would:
    returns a function that submits a check-in and runs what it queued."""
    from django.core.cache import cache

    from recovery.tasks import judge_marked_task

    def run_now(args=(), kwargs=None, **options):
        cache.delete("recovery:judging-requested")  # the next check-in asks for its own batch
        return judge_marked_task.apply(args=args, kwargs=kwargs or {})

    monkeypatch.setattr(judge_marked_task, "apply_async", run_now)

    def submit(patient, day, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return checkin(patient, day, **fields)

    return submit
