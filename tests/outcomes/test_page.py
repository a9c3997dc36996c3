"""The questionnaire page from the SMS link: one question a screen with the progress, each answer kept
(resumable), English and Spanish, finished with the score; used, expired and tampered links; audited."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from outcomes.links import questionnaire_link_issue
from outcomes.models import QuestionnaireLink, QuestionnaireResponse
from patients.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def link_to(instrument):
    def make(patient, code="6w") -> str:
        url = questionnaire_link_issue(patient=patient, time_point=instrument.time_points.get(code=code), now=timezone.now())
        return urlsplit(url).path

    return make


def _answer_all(client, path, values):
    for n, value in enumerate(values):
        response = client.post(path, {"index": n, "answer": str(value)})
    return response


def test_one_question_a_screen_with_the_progress_kept_as_it_goes_and_resumed(client, make_patient, link_to):
    patient = make_patient(surgery_days_ago=40)
    path = link_to(patient)
    page = client.get(path)
    html = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "Question 1 of 5" in html and "6 weeks after your surgery" in html
    assert "how much has back or neck pain limited your day?" in html and 'type="radio"' in html
    assert "<script" not in html

    response = client.post(path, {"index": 0, "answer": "2"})
    assert response.status_code == 302 and response["Location"].endswith("?q=2")
    kept = QuestionnaireResponse.objects.get(patient=patient)
    assert (kept.status, kept.answers, kept.score, kept.channel) == ("in-progress", {"rs-pain": "2"}, None, "web")

    # Opened again later with the same link: the first question not answered yet.
    again = client.get(path).content.decode()
    assert "Question 2 of 5" in again and "How long can you walk" in again
    # Back to the first: the answer given is marked.
    first = client.get(path + "?q=1").content.decode()
    assert 'value="2" checked' in first


def test_finishing_scores_on_the_server_and_closes_the_link(client, make_patient, link_to):
    patient = make_patient(surgery_days_ago=40)
    path = link_to(patient)
    done = _answer_all(client, path, [2, 1, 0, 0, 3])
    assert done.status_code == 200
    assert "Thank you, your answers are recorded." in done.content.decode() and "Your score: 30." in done.content.decode()
    response = QuestionnaireResponse.objects.get(patient=patient)
    assert (response.status, str(response.score), response.time_point.code) == ("completed", "30.00", "6w")
    assert QuestionnaireLink.objects.get(patient=patient).used_at is not None
    closed = client.get(path)
    assert closed.status_code == 410 and "already answered" in closed.content.decode()
    assert client.post(path, {"index": 0, "answer": "1"}).status_code == 410
    assert QuestionnaireResponse.objects.get(patient=patient).answers["rs-pain"] == "2"


def test_a_missing_or_wrong_answer_asks_again_and_stores_nothing(client, make_patient, link_to):
    patient = make_patient(surgery_days_ago=40)
    path = link_to(patient)
    for data in ({"index": 0}, {"index": 0, "answer": "9"}, {"index": 0, "answer": "<b>"}, {"index": "x", "answer": "1"}):
        response = client.post(path, data)
        if data["index"] == "x":  # a screen that does not exist: the first unanswered one takes it
            assert response.status_code == 302
            continue
        assert response.status_code == 400 and "Choose one answer." in response.content.decode()
    assert QuestionnaireResponse.objects.get(patient=patient).answers == {"rs-pain": "1"}


def test_the_page_speaks_spanish_to_a_spanish_speaking_patient(client, make_patient, link_to):
    patient = make_patient(surgery_days_ago=-5, language="es")
    html = client.get(link_to(patient, "baseline")).content.decode()
    assert 'lang="es"' in html and "Pregunta 1 de 5" in html and "antes de su cirugía" in html
    assert "cuánto le ha limitado el día el dolor" in html and "Por completo" in html
    done = _answer_all(client, link_to(patient, "baseline"), [4, 4, 4, 4, 4])
    assert "Gracias, sus respuestas quedaron registradas." in done.content.decode()


def test_a_tampered_or_expired_link_shows_no_question(client, make_patient, link_to):
    patient = make_patient(surgery_days_ago=40)
    path = link_to(patient)
    tampered = client.get(path[:-1] + ("A" if path[-1] != "A" else "B"))
    assert tampered.status_code == 404 and "Question" not in tampered.content.decode()
    QuestionnaireLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    expired = client.get(path)
    assert expired.status_code == 410 and "has expired" in expired.content.decode()


def test_each_view_and_answer_is_audited_as_the_patient(client, make_patient, link_to):
    patient = make_patient(surgery_days_ago=40)
    path = link_to(patient)
    client.get(path)
    client.post(path, {"index": 0, "answer": "1"})
    rows = list(AuditEvent.objects.filter(patient=patient, channel="web").order_by("id").values_list("action", "resource", "actor_id"))
    assert rows == [("view", "questionnaire_page", patient.user_id), ("create", "questionnaire_responses", patient.user_id)]


def test_the_answer_needs_the_forms_csrf_token(make_patient, link_to):
    from django.test import Client

    patient = make_patient(surgery_days_ago=40)
    assert Client(enforce_csrf_checks=True).post(link_to(patient), {"index": 0, "answer": "1"}).status_code == 403
    assert not QuestionnaireResponse.objects.exists()


def test_a_number_question_takes_a_whole_number_in_range_and_an_optional_one_may_be_skipped(client, make_patient, document):
    from outcomes.services import instrument_load

    document["questionnaire"]["item"] = document["questionnaire"]["item"][:1] + [
        {"linkId": "rs-days", "text": "On how many days this week did you walk outside?", "type": "integer", "required": True,
         "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 0},
                       {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 7}]},
        {**document["questionnaire"]["item"][1], "required": False},
    ]
    document["recovery"]["translations"] = {}
    document["recovery"]["scoring"]["method"] = "sum"
    instrument = instrument_load(document=document)
    patient = make_patient(surgery_days_ago=40)
    path = urlsplit(questionnaire_link_issue(patient=patient, time_point=instrument.time_points.get(code="6w"), now=timezone.now())).path
    client.post(path, {"index": 0, "answer": "2"})
    page = client.get(path).content.decode()
    assert 'type="number"' in page and 'max="7"' in page
    for bad in ("8", "-1", "two", "3.5"):
        response = client.post(path, {"index": 1, "answer": bad})
        assert response.status_code == 400 and "Enter a whole number from 0 to 7." in response.content.decode()
    assert client.post(path, {"index": 1, "answer": "5"}).status_code == 302
    # The last question is optional: skipped, and the response is complete without it.
    assert "Skip this question" in client.get(path).content.decode()
    done = client.post(path, {"index": 2, "action": "skip"})
    assert done.status_code == 200
    response = QuestionnaireResponse.objects.get(patient=patient)
    assert (response.status, response.answers, str(response.score)) == ("completed", {"rs-pain": "2", "rs-days": 5}, "7.00")
