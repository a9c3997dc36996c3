"""The mobile app's questionnaire calls: the due list as FHIR Questionnaires with their window, and a
FHIR QuestionnaireResponse posted back: 201 with the server's score, kept as incomplete, 400 naming
the item at fault, the replay, 409 once completed, and nothing of another patient."""

import datetime
import uuid

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as FhirQR

from outcomes.models import QuestionnaireResponse
from patients.models import AuditEvent

pytestmark = pytest.mark.django_db
CANONICAL = "https://recovery.example.org/fhir/Questionnaire/recovery-status|1"
DUE = "/api/v1/questionnaires/due/"
POST = "/api/v1/questionnaire-responses/"


def _qr(values: dict, *, status="completed", **extra) -> dict:
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": CANONICAL,
        "status": status,
        "item": [{"linkId": k, "answer": [{"valueCoding": {"code": v}}]} for k, v in values.items()],
        **extra,
    }


ALL = {"rs-pain": "1", "rs-walk": "1", "rs-sleep": "0", "rs-care": "0", "rs-usual": "2"}


@pytest.fixture
def six_weeks(patient_a):
    from patients.models import Patient

    Patient.objects.filter(pk=patient_a.pk).update(surgery_date=patient_a.local_today() - datetime.timedelta(days=40))
    patient_a.refresh_from_db()
    return patient_a


def test_the_due_list_gives_each_questionnaire_as_fhir_with_its_window(patient_client_a, six_weeks, instrument):
    response = patient_client_a.get(DUE)
    assert response.status_code == 200
    [due] = response.json()["results"]
    Questionnaire.model_validate(due["questionnaire"])
    assert due["questionnaire"]["url"] + "|" + due["questionnaire"]["version"] == CANONICAL
    surgery = six_weeks.surgery_date
    assert due["window"] == {"time_point": "6w", "label": "6 weeks", "start": (surgery + datetime.timedelta(days=35)).isoformat(),
                             "end": (surgery + datetime.timedelta(days=56)).isoformat()}
    assert due["response"] is None
    assert AuditEvent.objects.filter(patient=six_weeks, resource="questionnaires", action="list").exists()


def test_the_due_list_is_in_the_patients_language_and_empty_between_windows(patient_client_a, six_weeks, instrument):
    six_weeks.language = "es"
    six_weeks.save()
    [due] = patient_client_a.get(DUE).json()["results"]
    assert due["questionnaire"]["language"] == "es" and due["questionnaire"]["title"] == "Estado de la recuperación"
    assert due["questionnaire"]["item"][1]["text"] == "¿Cuánto tiempo puede caminar antes de tener que parar?"
    from patients.models import Patient

    Patient.objects.filter(pk=six_weeks.pk).update(surgery_date=six_weeks.local_today() - datetime.timedelta(days=60))
    assert patient_client_a.get(DUE).json()["results"] == []


def test_a_completed_response_is_201_with_the_score_computed_on_the_server(patient_client_a, six_weeks, instrument):
    # A score sent by the app is not taken.
    body = _qr(ALL, extension=[{"url": "https://example.org/score", "valueDecimal": 99}])
    response = patient_client_a.post(POST, body, format="json")
    assert response.status_code == 201, response.json()
    answer = response.json()
    assert (answer["status"], answer["score"], answer["raw_score"], answer["time_point"]) == ("completed", 20.0, 4.0, "6w")
    FhirQR.model_validate(answer["questionnaire_response"])
    stored = QuestionnaireResponse.objects.get(patient=six_weeks)
    assert (stored.channel, str(stored.score)) == ("app", "20.00")
    assert patient_client_a.get(DUE).json()["results"] == []  # done for this time point
    assert AuditEvent.objects.filter(patient=six_weeks, resource="questionnaire_responses", action="create", channel="api").count() == 1


def test_an_incomplete_response_is_kept_as_incomplete_and_resumed(patient_client_a, six_weeks, instrument):
    first = patient_client_a.post(POST, _qr({"rs-pain": "3"}, status="in-progress"), format="json")
    assert first.status_code == 201 and first.json()["status"] == "in-progress" and first.json()["score"] is None
    [due] = patient_client_a.get(DUE).json()["results"]
    assert due["response"]["status"] == "in-progress" and due["response"]["item"][0]["linkId"] == "rs-pain"
    rest = {k: v for k, v in ALL.items() if k != "rs-pain"}
    done = patient_client_a.post(POST, _qr(rest), format="json")
    assert done.status_code == 200 and done.json()["status"] == "completed" and done.json()["score"] == 30.0
    assert QuestionnaireResponse.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (_qr({**ALL, "rs-walk": "7"}), {"item": {"rs-walk": ["Not one of the item's options (0, 1, 2, 3, 4)."]}}),
        (_qr({**ALL, "rs-nope": "1"}), {"item": {"rs-nope": ["No such item in this questionnaire."]}}),
        (_qr({"rs-pain": "1"}), {"item": {k: ["Required: answer it, or send status 'in-progress'."] for k in ("rs-walk", "rs-sleep", "rs-care", "rs-usual")}}),
        ({**_qr(ALL), "item": [{"linkId": "rs-pain", "answer": [{"valueString": "bad"}]}]}, {"item": {"rs-pain": ["Answer with valueCoding (a choice) or valueInteger."]}}),
        (_qr(ALL, status="amended"), {"status": ["'in-progress' (kept as incomplete) or 'completed'."]}),
        (_qr(ALL, questionnaire="https://example.org/other"), {"questionnaire": ["No such questionnaire for this patient: use the canonical URL the due list gives."]}),
        (_qr(ALL, identifier={"value": "not-a-uuid"}), None),
        (_qr(ALL, authored="2020-01-01T10:00:00+00:00"), None),
        ({"resourceType": "Patient"}, {"resourceType": ["Send a FHIR QuestionnaireResponse (resourceType 'QuestionnaireResponse')."]}),
        ([1, 2], None),
        ({**_qr(ALL), "item": "rs-pain"}, None),
    ],
)
def test_bad_input_is_a_400_naming_the_field_or_item_and_changes_nothing(patient_client_a, six_weeks, instrument, body, errors):
    response = patient_client_a.post(POST, body, format="json")
    assert response.status_code == 400, response.content
    if errors is not None:
        assert response.json() == errors
    assert not QuestionnaireResponse.objects.exists()


def test_a_replay_answers_as_the_first_time_and_a_completed_time_point_is_409(patient_client_a, six_weeks, instrument):
    key = {"value": f"urn:uuid:{uuid.uuid4()}"}
    first = patient_client_a.post(POST, _qr(ALL, identifier=key), format="json")
    replay = patient_client_a.post(POST, _qr(ALL, identifier=key), format="json")
    assert first.status_code == 201 and replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
    again = patient_client_a.post(POST, _qr({**ALL, "rs-pain": "4"}), format="json")
    assert again.status_code == 409
    assert QuestionnaireResponse.objects.get().answers["rs-pain"] == "1"


def test_a_staff_token_and_no_token_are_refused(staff_client_a, client, instrument):
    assert staff_client_a.get(DUE).status_code == 403
    assert client.get(DUE).status_code == 401
    assert client.post(POST, _qr(ALL), content_type="application/json").status_code == 401


def test_the_schema_describes_both_calls(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    assert set(paths[DUE]) == {"get"} and set(paths[POST]) == {"post"}
    assert set(paths[POST]["post"]["responses"]) >= {"200", "201", "400", "401", "403", "409", "429"}
