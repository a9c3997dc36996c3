"""Shared fixtures: the three personas of the suite and their API clients.

- nurse_a: a nurse of clinic A (on call);
- nurse_b: a nurse of clinic B, who must see nothing of clinic A;
- patient_a: a patient of clinic A, enrolled, who must see nothing of any other patient.
"""

import datetime
import os
import socket
from urllib.parse import urlsplit

import pytest
from rest_framework.test import APIClient


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def pytest_sessionstart(session):
    """Stop at once, saying how to start them, when PostgreSQL or Redis cannot be reached. Compile the
    translation catalogues whose .po changed (make test does it too; a bare pytest run needs it)."""
    from config.catalogues import compile_catalogues

    compile_catalogues()
    missing = []
    if not _reachable(os.environ["DATABASE_URL"], 5432):
        missing.append(
            f"PostgreSQL at {os.environ['DATABASE_URL']} (start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)"
        )
    if not _reachable(os.environ["REDIS_URL"], 6379):
        missing.append(f"Redis at {os.environ['REDIS_URL']} (start it: redis-server --daemonize yes --port 6379 --save '')")
    if missing:
        pytest.exit("The tests need real services that are not answering:\n  - " + "\n  - ".join(missing), returncode=2)


@pytest.fixture(autouse=True)
def _clean_redis_and_cache(settings):
    """Each test starts with an empty cache (throttles, rate limits)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def today():
    # Clinic A's local date (America/Chicago), as its patients count their days, whatever the hour in UTC.
    return _local_today("America/Chicago")


def _local_today(zone: str) -> datetime.date:
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    return timezone.now().astimezone(ZoneInfo(zone)).date()


@pytest.fixture
def clinic_a(db):
    from patients.models import Clinic

    return Clinic.objects.create(name="Clinic A", phone="+15550100000", timezone="America/Chicago")


@pytest.fixture
def clinic_b(db):
    from patients.models import Clinic

    return Clinic.objects.create(name="Clinic B", phone="+15550200000", timezone="America/New_York")


def _nurse(username, clinic, phone, on_call=True):
    from patients.services import nurse_create

    return nurse_create(username=username, password="a-long-test-password-1", clinic_name=clinic.name, phone=phone, on_call=on_call).user


@pytest.fixture
def nurse_a(clinic_a):
    return _nurse("nurse.a", clinic_a, "+15550101001")


@pytest.fixture
def nurse_b(clinic_b):
    return _nurse("nurse.b", clinic_b, "+15550201001")


@pytest.fixture
def make_patient(clinic_a):
    """Create a patient (not enrolled unless enrolled=True) with sensible synthetic defaults."""
    from django.contrib.auth import get_user_model

    from patients.services import patient_create

    counter = {"n": 0}

    def make(*, clinic=None, enrolled=True, surgery_days_ago=10, added_on_day=None, **fields):
        """`added_on_day`: the post-operative day the patient was added (default: today, as created)."""
        counter["n"] += 1
        n = counter["n"]
        # Days counted from the patient's own local date, as the service counts them (in UTC the date
        # has already turned over for six hours of a Chicago evening).
        local_today = _local_today(fields.get("timezone") or (clinic or clinic_a).timezone or "America/Chicago")
        params = {
            "clinic": clinic or clinic_a,
            "first_name": fields.pop("first_name", f"Test{n}"),
            "last_name": fields.pop("last_name", f"Patient{n}"),
            "phone": fields.pop("phone", f"+1555030{n:04d}"),
            "procedure": fields.pop("procedure", "mis_lumbar_fusion"),
            "surgery_date": fields.pop("surgery_date", local_today - datetime.timedelta(days=surgery_days_ago)),
            **fields,
        }
        patient, code = patient_create(**params)
        patient.enrollment_code = code
        if enrolled:
            user = get_user_model().objects.create_user(username=f"patient-{patient.public_id}")
            user.set_unusable_password()
            user.save()
            patient.user = user
            patient.save(update_fields=["user"])
        if added_on_day is not None:
            from patients.models import Patient

            added = datetime.datetime.combine(
                patient.surgery_date + datetime.timedelta(days=added_on_day), datetime.time(12), tzinfo=patient.tz
            )
            Patient.objects.filter(pk=patient.pk).update(created_at=added)
            patient.created_at = added
        return patient

    return make


@pytest.fixture
def patient_a(make_patient):
    return make_patient(first_name="Alma", last_name="Testcase")


def _client_for(tokens: dict) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client


@pytest.fixture
def staff_client_a(nurse_a):
    from patients.tokens import tokens_for_staff

    return _client_for(tokens_for_staff(nurse_a))


@pytest.fixture
def staff_client_b(nurse_b):
    from patients.tokens import tokens_for_staff

    return _client_for(tokens_for_staff(nurse_b))


@pytest.fixture
def patient_client_a(patient_a):
    from patients.tokens import tokens_for_patient

    return _client_for(tokens_for_patient(patient_a.user))


@pytest.fixture
def default_protocols(transactional_db):
    """The default protocols, reloaded for tests that flush the database (transactional ones): the
    flush after such a test empties the tables the data migration filled."""
    import importlib

    from django.apps import apps

    importlib.import_module("recovery.migrations.0002_default_protocols").load_defaults(apps, None)
