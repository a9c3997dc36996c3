"""QuestionnaireResponse and Questionnaire in the FHIR API: read, search by patient, in $everything,
each validated with the R4B models of fhir.resources; scoped to the caller's clinics and audited."""

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from patients.models import AuditEvent
from tests.outcomes.conftest import answer, document, instrument  # noqa: F401

pytestmark = pytest.mark.django_db


def _get(client, path, expect=200, **params):
    response = client.get(path, params)
    assert response.status_code == expect, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    return response.json()


@pytest.fixture
def answered(make_patient, answer):  # noqa: F811
    patient = make_patient(surgery_days_ago=45, first_name="Quinn", last_name="Questioned")
    answer(patient, "baseline", [3, 3, 3, 3, 3])
    answer(patient, "6w", [1, 1, 1, 1, 2])
    return patient


def test_a_patients_responses_are_searched_read_and_valid(staff_client_a, answered, settings):
    body = _get(staff_client_a, "/fhir/R4/QuestionnaireResponse", patient=answered.pk)
    Bundle.model_validate(body)
    assert body["total"] == 2
    resources = [e["resource"] for e in body["entry"]]
    for resource in resources:
        QuestionnaireResponse.model_validate(resource)
    six_weeks = resources[1]
    assert six_weeks["questionnaire"] == "https://recovery.example.org/fhir/Questionnaire/recovery-status|1"
    assert six_weeks["status"] == "completed" and six_weeks["subject"] == {"reference": f"Patient/{answered.pk}"}
    score = next(e for e in six_weeks["extension"] if e["url"].endswith("/fhir/StructureDefinition/questionnaire-score"))
    assert score["valueDecimal"] == 30.0
    walk = next(i for i in six_weeks["item"] if i["linkId"] == "rs-walk")
    assert walk["answer"] == [{"valueCoding": {"system": "https://recovery.example.org/fhir/CodeSystem/recovery-status-answer", "code": "1", "display": "More than 30 minutes"}}]
    read = _get(staff_client_a, f"/fhir/R4/QuestionnaireResponse/{six_weeks['id']}")
    QuestionnaireResponse.model_validate(read)
    assert read == six_weeks
    assert AuditEvent.objects.filter(channel="fhir", resource="QuestionnaireResponse", patient=answered).count() == 2


def test_an_incomplete_response_is_in_progress_with_no_score(staff_client_a, make_patient, instrument):  # noqa: F811
    from outcomes.services import questionnaire_response_save
    from patients.audit import AuditSource

    patient = make_patient(surgery_days_ago=40)
    questionnaire_response_save(patient=patient, instrument=instrument, time_point=instrument.time_points.get(code="6w"),
                                answers={"rs-pain": "2"}, finish=False, channel="app", source=AuditSource(None, "", "api", None))
    [entry] = _get(staff_client_a, "/fhir/R4/QuestionnaireResponse", patient=patient.pk)["entry"]
    QuestionnaireResponse.model_validate(entry["resource"])
    assert entry["resource"]["status"] == "in-progress"
    assert not any(e["url"].endswith("questionnaire-score") for e in entry["resource"]["extension"])


def test_another_clinics_responses_are_hidden(staff_client_b, answered):
    body = _get(staff_client_b, "/fhir/R4/QuestionnaireResponse", patient=answered.pk)
    assert body["total"] == 0
    from outcomes.models import QuestionnaireResponse as Row

    _get(staff_client_b, f"/fhir/R4/QuestionnaireResponse/{Row.objects.first().pk}", expect=404)


def test_everything_carries_the_responses(staff_client_a, answered):
    body = _get(staff_client_a, f"/fhir/R4/Patient/{answered.pk}/$everything")
    Bundle.model_validate(body)
    kinds = [e["resource"]["resourceType"] for e in body["entry"]]
    assert kinds.count("QuestionnaireResponse") == 2
    for entry in body["entry"]:
        if entry["resource"]["resourceType"] == "QuestionnaireResponse":
            QuestionnaireResponse.model_validate(entry["resource"])


def test_the_questionnaires_are_read_and_searched(staff_client_a, instrument, document):  # noqa: F811
    from outcomes.services import instrument_load

    body = _get(staff_client_a, "/fhir/R4/Questionnaire")
    Bundle.model_validate(body)
    [entry] = body["entry"]
    Questionnaire.model_validate(entry["resource"])
    assert entry["resource"]["status"] == "active" and entry["resource"]["item"][0]["linkId"] == "rs-pain"
    document["questionnaire"]["version"] = "2"
    instrument_load(document=document)
    assert _get(staff_client_a, "/fhir/R4/Questionnaire")["total"] == 2
    [active] = _get(staff_client_a, "/fhir/R4/Questionnaire", status="active")["entry"]
    assert active["resource"]["version"] == "2"
    old = _get(staff_client_a, f"/fhir/R4/Questionnaire/{instrument.pk}")
    Questionnaire.model_validate(old)
    assert old["status"] == "retired"
    assert _get(staff_client_a, "/fhir/R4/Questionnaire", url="https://example.org/none")["total"] == 0
    _get(staff_client_a, "/fhir/R4/Questionnaire/999999", expect=404)
    _get(staff_client_a, "/fhir/R4/Questionnaire", expect=400, title="x")


def test_a_patients_token_reads_no_questionnaire_response(patient_client_a, patient_a):
    _get(patient_client_a, "/fhir/R4/QuestionnaireResponse", expect=403, patient=patient_a.pk)
