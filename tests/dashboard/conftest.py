"""Fixtures of the dashboard tests: a logged-in nurse's browser session, patients with a history."""

import datetime
import uuid

import pytest
from django.test import Client


@pytest.fixture
def nurse_client_a(nurse_a):
    client = Client()
    client.force_login(nurse_a)
    return client


@pytest.fixture
def nurse_client_b(nurse_b):
    client = Client()
    client.force_login(nurse_b)
    return client


@pytest.fixture
def log_days():
    """Log check-ins through the check-in service: log_days(patient, {day: fields})."""
    from recovery.services import checkin_submit

    def log(patient, days: dict[int, dict]):
        for day, fields in days.items():
            checkin_submit(
                patient=patient,
                client_id=uuid.uuid4(),
                date=patient.surgery_date + datetime.timedelta(days=day),
                fields=fields,
            )

    return log


@pytest.fixture
def raise_alert():
    """Create an alert directly, as the engine would: raise_alert(patient, severity=..., kind=...)."""
    from recovery.models import Alert

    def make(patient, *, severity="high", kind=None, status="open", day=5, message="Synthetic alert for a test", created_at=None):
        kind = kind or {"urgent": "red_flag", "high": "pain_high", "routine": "walking_below_expected"}[severity]
        alert = Alert.objects.create(
            patient=patient,
            kind=kind,
            severity=severity,
            status=status,
            recovery_day=day,
            evidence_date=patient.surgery_date + datetime.timedelta(days=day),
            message=message,
        )
        if created_at is not None:
            Alert.objects.filter(pk=alert.pk).update(created_at=created_at)
            alert.refresh_from_db()
        return alert

    return make
