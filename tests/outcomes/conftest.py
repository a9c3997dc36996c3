"""Fixtures of the outcome questionnaire tests: the shipped instrument loaded, and completed responses."""

import copy
import datetime
import json

import pytest

from outcomes.demo import SHIPPED


@pytest.fixture
def document():
    """The shipped instrument file as a dict (a fresh copy each time, to spoil in a test)."""
    with SHIPPED.open(encoding="utf-8") as f:
        return copy.deepcopy(json.load(f))


@pytest.fixture
def instrument(db, document):
    from outcomes.services import instrument_load

    return instrument_load(document=document)


@pytest.fixture
def answer(instrument):
    """answer(patient, "6w", [values of the five items]) -> the completed response, as a nurse enters it."""
    from outcomes.services import questionnaire_response_save
    from patients.audit import AuditSource

    def make(patient, code: str, values, *, now=None):
        tp = instrument.time_points.get(code=code)
        answers = {f"rs-{k}": str(v) for k, v in zip(("pain", "walk", "sleep", "care", "usual"), values, strict=True)}
        authored = patient.surgery_date + datetime.timedelta(days=tp.day)
        return questionnaire_response_save(
            patient=patient, instrument=instrument, time_point=tp, answers=answers, finish=True, channel="staff",
            source=AuditSource(actor_id=None, actor_label="test", channel="dashboard", ip_address=None), authored_on=authored, now=now,
        ).response

    return make


from tests.dashboard.conftest import nurse_client_a, nurse_client_b  # noqa: E402, F401 - shared fixtures
