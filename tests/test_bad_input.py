"""Bad input over the whole API: Schemathesis sends generated (and deliberately broken) requests to every
operation of the OpenAPI schema, in-process, once as a nurse of clinic A and once as a patient of
clinic A. No answer may be a 5xx or break the schema."""

import datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from patients.tokens import tokens_for_patient, tokens_for_staff
from recovery.models import Alert


def _whole_schema():
    """The app's own schema, loaded in-process, every operation."""
    from config.wsgi import application

    loaded = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    # The test sends a real token itself; missing and bad tokens are covered in tests/patients/test_api_auth.py.
    loaded.config.generation.update(with_security_parameters=False)
    return loaded


schema = _whole_schema()


@pytest.fixture
def in_process_app(monkeypatch, settings):
    """Calls go straight into the WSGI app, inside the test's transaction.

    1. Django closes the database connection at the end of each request; as its own test client does,
       keep it open, or the test's transaction would be lost with it.
    2. Lift the rate limits and the login lockout: the run makes hundreds of calls from one client,
       and a 429 would hide what comes after it (both are tested on their own).
    3. A fast password hasher: every generated sign-in hashes a password.
    """
    from django.core import signals
    from django.db import close_old_connections
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"checkin": "100000/hour", "enroll": "100000/hour", "login": "100000/hour"})
    settings.AXES_ENABLED = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def clinic_a_with_patients_and_alerts(make_patient, clinic_b):
    """A few patients of clinic A (one operated on 1 March 2026, so the schema's own example check-in
    of 5 March is valid), open and acknowledged alerts, and one patient of clinic B for the wall."""
    patients = [make_patient(surgery_date=datetime.date(2026, 3, 1))] + [make_patient(surgery_days_ago=d) for d in (3, 20)]
    make_patient(clinic=clinic_b, enrolled=False)
    for patient, kind, status in ((patients[0], "pain_high", "open"), (patients[1], "red_flag", "acknowledged"), (patients[2], "missed_checkins", "open")):
        Alert.objects.create(
            patient=patient, kind=kind, severity="high", status=status, recovery_day=2,
            evidence_date=patient.surgery_date + datetime.timedelta(days=2), message=f"{kind} on day 2",
        )
    return patients


@pytest.fixture(params=["staff", "patient"])
def bearer(request, nurse_a, clinic_a_with_patients_and_alerts):
    if request.param == "staff":
        access = tokens_for_staff(nurse_a)["access"]
    else:
        access = tokens_for_patient(clinic_a_with_patients_and_alerts[0].user)["access"]
    return {"Authorization": "Bearer " + access}


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
def test_no_call_gets_a_5xx_or_an_answer_outside_the_schema(case, bearer, in_process_app):
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    case.call_and_validate(headers=bearer, checks=checks)


def test_a_page_that_is_not_there_is_a_400_naming_page(staff_client_a, clinic_a_with_patients_and_alerts):
    for path in ("/api/v1/patients/", "/api/v1/alerts/"):
        for page in ("0", "99", "first"):
            response = staff_client_a.get(path, {"page": page})
            assert response.status_code == 400, (path, page)
            assert "page" in response.json()


def test_an_address_nothing_answers_at_under_the_api_is_a_json_404(staff_client_a, client):
    response = staff_client_a.get("/api/v1/patients/null,null/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    # Outside the API, Django's page as before.
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")
