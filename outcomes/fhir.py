"""Questionnaires and responses as FHIR R4 JSON, and a posted QuestionnaireResponse read into answers.
Pure functions over rows handed in; the mobile API and fhir_api both answer with these."""

from __future__ import annotations

import copy
import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings

from outcomes.definition import Item, items_of
from outcomes.scoring import AnswerError, answer_check


def _base() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/")


def window_extension_url() -> str:
    return f"{_base()}/fhir/StructureDefinition/questionnaire-window"


def score_extension_url() -> str:
    return f"{_base()}/fhir/StructureDefinition/questionnaire-score"


def time_point_system() -> str:
    return f"{_base()}/fhir/CodeSystem/questionnaire-time-point"


def _instant(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def _text(instrument, language: str, link_id: str) -> dict | None:
    return (instrument.translations.get(language) or {}).get("items", {}).get(link_id)


def questionnaire_resource(instrument, *, language: str = "en", window: dict | None = None) -> dict:
    """The loaded Questionnaire with the service's id, in `language` where a translation exists (the
    item and option text replaced, `language` set); `window` ({"time_point", "label", "start", "end"})
    adds the patient's window as an extension."""
    resource = copy.deepcopy(instrument.questionnaire)
    resource["id"] = str(instrument.pk)
    resource["meta"] = {"lastUpdated": _instant(instrument.loaded_at)}
    # A version replaced by a newer one is no longer offered.
    resource["status"] = "active" if instrument.active else "retired"
    translation = instrument.translations.get(language)
    if translation:
        resource["language"] = language
        resource["title"] = translation.get("title") or resource.get("title")
        for item in resource.get("item", []):
            words = _text(instrument, language, item["linkId"])
            if not words:
                continue
            item["text"] = words["text"]
            for option in item.get("answerOption", []):
                coding = option.get("valueCoding") or {}
                if coding.get("code") in words["options"]:
                    coding["display"] = words["options"][coding["code"]]
    if window is not None:
        resource.setdefault("extension", []).append(
            {
                "url": window_extension_url(),
                "extension": [
                    {"url": "timePoint", "valueCoding": {"system": time_point_system(), "code": window["time_point"], "display": window["label"]}},
                    {"url": "period", "valuePeriod": {"start": window["start"].isoformat(), "end": window["end"].isoformat()}},
                ],
            }
        )
    return resource


def canonical(instrument) -> str:
    return f"{instrument.url}|{instrument.version}"


def questionnaire_response_resource(response) -> dict:
    """A stored response: its answers, status, the patient-local date it was answered and, once
    completed, its score (an extension: R4 has no element for it)."""
    instrument = response.instrument
    items = {i.link_id: i for i in items_of(instrument.questionnaire)}
    answered = []
    for item in instrument.questionnaire.get("item", []):
        link_id = item["linkId"]
        if link_id not in response.answers:
            continue
        value = response.answers[link_id]
        spec = items[link_id]
        if spec.type == "choice":
            option = next(o for o in spec.options if o.code == value)
            coding = next((o["valueCoding"] for o in item.get("answerOption", []) if o["valueCoding"]["code"] == value), {})
            answer = {"valueCoding": {k: v for k, v in (("system", coding.get("system")), ("code", option.code), ("display", option.display)) if v}}
        else:
            answer = {"valueInteger": value}
        answered.append({"linkId": link_id, "text": item["text"], "answer": [answer]})
    tp = response.time_point
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.pk),
        "meta": {"lastUpdated": _instant(response.updated_at)},
        "questionnaire": canonical(instrument),
        "status": response.status,
        "subject": {"reference": f"Patient/{response.patient_id}"},
        "authored": response.authored_on.isoformat(),
        "extension": [{"url": window_extension_url(), "extension": [
            {"url": "timePoint", "valueCoding": {"system": time_point_system(), "code": tp.code, "display": tp.label}}
        ]}],
    }
    if response.client_id:
        resource["identifier"] = {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{response.client_id}"}
    if response.score is not None:
        resource["extension"].append({"url": score_extension_url(), "valueDecimal": float(response.score)})
    if answered:
        resource["item"] = answered
    return resource


@dataclass(frozen=True)
class PostedResponse:
    questionnaire: str  # the canonical as sent: url or url|version
    status: str
    answers: dict
    client_id: uuid.UUID | None
    authored: datetime.datetime | None  # naive when sent without an offset (then patient-local)


class PostedError(ValueError):
    """What is wrong with a posted QuestionnaireResponse: {field: [messages]} as the API answers it."""

    def __init__(self, errors: dict):
        super().__init__(str(errors))
        self.errors = errors


def _fhir_check(resource: dict) -> None:
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
    from pydantic import ValidationError

    try:
        QuestionnaireResponse.model_validate(resource)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(p) for p in first["loc"]]
        item = resource.get("item")
        if loc and loc[0] == "item" and len(loc) > 1 and loc[1].isdigit() and isinstance(item, list) and int(loc[1]) < len(item):
            link_id = (item[int(loc[1])] or {}).get("linkId") or f"item[{loc[1]}]"
            raise PostedError({"item": {str(link_id): [f"{'.'.join(loc[2:]) or 'item'}: {first['msg']}"]}}) from None
        raise PostedError({loc[0] if loc else "resource": [f"{'.'.join(loc)}: {first['msg']}"]}) from None
    except (TypeError, ValueError) as exc:
        raise PostedError({"resourceType": [str(exc)[:200]]}) from None


def posted_response_read(resource) -> PostedResponse:
    """Check a posted QuestionnaireResponse's form (FHIR R4, fhir.resources' R4B models) and take out
    what the service keeps. The answers are checked against the items later, once the questionnaire is known."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "QuestionnaireResponse":
        raise PostedError({"resourceType": ["Send a FHIR QuestionnaireResponse (resourceType 'QuestionnaireResponse')."]})
    _fhir_check(resource)
    errors: dict = {}
    if resource.get("status") not in ("in-progress", "completed"):
        errors["status"] = ["'in-progress' (kept as incomplete) or 'completed'."]
    if not isinstance(resource.get("questionnaire"), str) or not resource.get("questionnaire"):
        errors["questionnaire"] = ["The Questionnaire's canonical URL, as GET /api/v1/questionnaires/due/ gives it."]
    client_id = None
    identifier = resource.get("identifier") or {}
    if identifier.get("value"):
        try:
            client_id = uuid.UUID(str(identifier["value"]).removeprefix("urn:uuid:"))
        except ValueError:
            errors["identifier"] = ["identifier.value must be a UUID (urn:uuid:... or bare): the app's own id of the response."]
    authored = None
    if resource.get("authored"):
        try:
            authored = datetime.datetime.fromisoformat(resource["authored"])
        except ValueError:
            errors["authored"] = ["A FHIR dateTime with an offset, e.g. 2026-05-01T10:30:00-05:00."]
    answers = {}
    item_errors: dict = {}
    for n, item in enumerate(resource.get("item") or []):
        link_id = item.get("linkId") or f"item[{n}]"
        if item.get("item"):
            item_errors.setdefault(link_id, []).append("Nested items are not taken.")
            continue
        values = item.get("answer") or []
        if not values:
            continue
        if len(values) > 1:
            item_errors.setdefault(link_id, []).append("One answer per item.")
            continue
        value = values[0]
        if "valueCoding" in value:
            answers[link_id] = (value["valueCoding"] or {}).get("code")
        elif "valueInteger" in value:
            answers[link_id] = value["valueInteger"]
        else:
            item_errors.setdefault(link_id, []).append("Answer with valueCoding (a choice) or valueInteger.")
        if link_id in answers and link_id in item_errors:
            del answers[link_id]
    if len({i.get("linkId") for i in resource.get("item") or []}) != len(resource.get("item") or []):
        errors["item"] = ["Each linkId once."]
    if item_errors:
        errors["item"] = item_errors
    if errors:
        raise PostedError(errors)
    return PostedResponse(resource["questionnaire"], resource["status"], answers, client_id, authored)


def answers_check(items: tuple[Item, ...], answers: dict) -> None:
    """A PostedError naming each item whose answer it cannot take (or that it does not have)."""
    by_id = {i.link_id: i for i in items}
    errors: dict = {}
    for link_id, answer in answers.items():
        item = by_id.get(link_id)
        if item is None:
            errors[link_id] = ["No such item in this questionnaire."]
            continue
        try:
            answer_check(item, answer)
        except AnswerError as exc:
            errors[link_id] = [exc.message[0].upper() + exc.message[1:] + "."]
    if errors:
        raise PostedError({"item": errors})
