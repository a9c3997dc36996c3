"""The OpenAPI schema: valid and warning-free, and the patients' calls keep to it under Schemathesis
(in-process, through the WSGI app): no 5xx, no answer that breaks the schema, bad input rejected."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from patients.tokens import tokens_for_patient

ROOT = Path(__file__).resolve().parents[2]


def test_the_schema_validates_without_a_warning(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")],
        cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_the_schema_and_its_docs_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/v1/auth/enroll/", "/api/v1/me/", "/api/v1/me/progress/", "/api/v1/checkins/", "/api/v1/checkins/sync/"):
        assert path in paths
    assert schema.json()["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"
    assert client.get("/api/docs/").status_code == 200


def _patient_calls_schema():
    """The app's own schema, loaded in-process, narrowed to the patients' calls."""
    from config.wsgi import application

    loaded = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    # The test sends a real patient token itself; generating (or dropping) the Authorization header
    # would only test the test. Missing and bad tokens are covered in tests/patients/test_api_auth.py.
    loaded.config.generation.update(with_security_parameters=False)
    return loaded.include(path_regex=r"^/api/v1/(me/|me/progress/|checkins/|checkins/sync/)$")


schema = _patient_calls_schema()


@pytest.fixture
def in_process_app(monkeypatch):
    """Calls go straight into the WSGI app, inside the test's transaction.

    1. Django closes the database connection at the end of each request; as its own test client does,
       keep it open, or the test's transaction would be lost with it.
    2. The run posts hundreds of check-ins as one patient: lift the per-patient rate for it.
    """
    from django.core import signals
    from django.db import close_old_connections
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"checkin": "100000/hour", "enroll": "100000/hour", "login": "100000/hour"})
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzzed_patient(make_patient):
    # Operated on 1 March 2026, so that the schema's own examples (a check-in for 5 March) are valid
    # and the run goes through the paths that store check-ins, not only through refusals.
    return make_patient(surgery_date=datetime.date(2026, 3, 1))


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
def test_the_patient_calls_keep_to_the_schema(case, fuzzed_patient, in_process_app):
    headers = {"Authorization": "Bearer " + tokens_for_patient(fuzzed_patient.user)["access"]}
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    if case.operation.path != "/api/v1/checkins/sync/":
        # Sync answers 200 for a list holding a bad item (that item is marked invalid), by design.
        checks.append(negative_data_rejection)
    case.call_and_validate(headers=headers, checks=checks)
