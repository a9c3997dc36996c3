"""The mobile app's questionnaire calls: the questionnaires due now, as FHIR Questionnaires with their
window, and a FHIR QuestionnaireResponse posted back, scored on the server. Thin views: they read the
request, call a selector or a service, audit and answer."""

import datetime

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from outcomes import fhir
from outcomes.definition import items_of
from outcomes.models import ResponseStatus
from outcomes.schedule import time_point_on
from outcomes.selectors import instrument_by_canonical, questionnaires_due
from outcomes.services import ResponseClosed, ResponseIncomplete, questionnaire_response_save
from patients.audit import AuditSource
from patients.models import AuditEvent
from patients.openapi import DetailErrorSerializer, error_responses
from recovery.api.patient import PATIENT_TAG, CheckinThrottleMixin, PatientAPIView

_ERRORS = (401, 403)
# A 400 here may name the items at fault inside `item`: {"item": {"rs-walk": ["..."]}}.
RESPONSE_ERRORS_SCHEMA = {
    "type": "object",
    "description": 'Each invalid field with its messages; wrong answers under `item`, by linkId: {"item": {"rs-walk": ["Not one of the item\'s options (0, 1, 2, 3, 4)."]}}.',
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "string"},
            {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        ]
    },
}
FHIR_RESOURCE_SCHEMA = {
    "type": "object",
    "description": "A FHIR R4 resource, as JSON (https://hl7.org/fhir/R4/).",
    "properties": {"resourceType": {"type": "string"}},
    "required": ["resourceType"],
    "additionalProperties": True,
}


class WindowSerializer(serializers.Serializer):
    time_point = serializers.CharField(help_text="The time point's code, e.g. `baseline`, `6w`, `3m`.")
    label = serializers.CharField()
    start = serializers.DateField(help_text="First patient-local date it may be answered.")
    end = serializers.DateField(help_text="Last patient-local date it may be answered.")


class DueSerializer(serializers.Serializer):
    questionnaire = serializers.JSONField(help_text="The FHIR R4 Questionnaire, in the patient's language.")
    window = WindowSerializer()
    response = serializers.JSONField(allow_null=True, help_text="The incomplete QuestionnaireResponse kept so far, to resume; null when none.")


class DueListSerializer(serializers.Serializer):
    results = DueSerializer(many=True)


class ResponseAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ResponseStatus.choices)
    score = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True, coerce_to_string=False,
                                     help_text="Computed on the server; null while the response is incomplete.")
    raw_score = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True, coerce_to_string=False)
    time_point = serializers.CharField()
    questionnaire_response = serializers.JSONField(help_text="The stored QuestionnaireResponse (FHIR R4).")


_EXAMPLE = {
    "resourceType": "QuestionnaireResponse",
    "questionnaire": "https://recovery.example.org/fhir/Questionnaire/recovery-status|1",
    "status": "completed",
    "identifier": {"value": "urn:uuid:5b0e0b2c-1f0e-4a43-9b8e-3f0d2f8b7c11"},
    "authored": "2026-04-12T10:30:00-05:00",
    "item": [{"linkId": "rs-pain", "answer": [{"valueCoding": {"code": "2"}}]}],
}


def _answer(response) -> dict:
    return {
        "id": response.pk,
        "status": response.status,
        "score": response.score,
        "raw_score": response.raw_score,
        "time_point": response.time_point.code,
        "questionnaire_response": fhir.questionnaire_response_resource(response),
    }


class QuestionnairesDueView(PatientAPIView):
    @extend_schema(
        tags=[PATIENT_TAG],
        operation_id="questionnaires_due",
        summary="The questionnaires due now, each a FHIR Questionnaire with its window",
        description="Due: an instrument's time point whose window holds the patient's local today, not yet completed. An incomplete response is given back to resume.",
        responses={200: DueListSerializer, **error_responses(*_ERRORS)},
    )
    def get(self, request):
        patient = self.patient
        due = questionnaires_due(patient=patient)
        results = [
            {
                "questionnaire": fhir.questionnaire_resource(d.instrument, language=patient.language, window=d.window),
                "window": d.window,
                "response": fhir.questionnaire_response_resource(d.response) if d.response is not None else None,
            }
            for d in due
        ]
        self.audit(AuditEvent.Action.LIST, "questionnaires", detail=", ".join(f"{d.instrument.code} {d.time_point.code}" for d in due) or "none due")
        return Response(DueListSerializer({"results": results}).data)


class QuestionnaireResponsesView(CheckinThrottleMixin, PatientAPIView):
    @extend_schema(
        tags=[PATIENT_TAG],
        operation_id="questionnaire_responses_create",
        summary="Send a FHIR QuestionnaireResponse; the server scores it",
        description=(
            "`questionnaire` is the canonical URL the due list gives (`url|version`). `status` `completed` needs every "
            "required item (400 naming those missing); `in-progress` is kept as incomplete, with no score, and later "
            "posts for the same time point add to it. The time point is the one whose window holds `authored` (default: "
            "now), patient-local. 201 with the score; 200 for a replay of the same `identifier`; 409 once the time point "
            "is completed; 400 naming the item that is wrong."
        ),
        request={"application/json": FHIR_RESOURCE_SCHEMA},
        responses={
            201: OpenApiResponse(ResponseAnswerSerializer, description="Stored, with its score once completed."),
            200: OpenApiResponse(ResponseAnswerSerializer, description="A replay of the same identifier, or answers added to an incomplete response."),
            400: OpenApiResponse(RESPONSE_ERRORS_SCHEMA, description="Invalid: each field named, wrong answers by linkId under `item`. Nothing was changed."),
            409: OpenApiResponse(DetailErrorSerializer, description="This time point's response is already completed: nothing changed."),
            **error_responses(*_ERRORS, 429),
        },
        examples=[OpenApiExample("response", value=_EXAMPLE, request_only=True)],
    )
    def post(self, request):
        now = timezone.now()
        patient = self.patient
        try:
            posted = fhir.posted_response_read(request.data)
        except fhir.PostedError as exc:
            raise serializers.ValidationError(exc.errors) from None
        instrument = instrument_by_canonical(posted.questionnaire)
        if instrument is None or not instrument.offered_after(patient.procedure):
            raise serializers.ValidationError({"questionnaire": ["No such questionnaire for this patient: use the canonical URL the due list gives."]})
        items = items_of(instrument.questionnaire)
        try:
            fhir.answers_check(items, posted.answers)
        except fhir.PostedError as exc:
            raise serializers.ValidationError(exc.errors) from None
        moment = posted.authored or now
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=patient.tz)
        if moment > now + datetime.timedelta(minutes=5):
            raise serializers.ValidationError({"authored": ["Must not be in the future."]})
        local_date = moment.astimezone(patient.tz).date()
        tp = time_point_on(instrument.time_points.all(), surgery_date=patient.surgery_date, date=local_date)
        if tp is None:
            raise serializers.ValidationError({"authored": [f"{local_date.isoformat()} is in no time point window of this questionnaire."]})
        try:
            outcome = questionnaire_response_save(
                patient=patient, instrument=instrument, time_point=tp, answers=posted.answers,
                finish=posted.status == ResponseStatus.COMPLETED, channel="app",
                source=AuditSource.of(request.user, channel="api", request=request), now=now,
                client_id=posted.client_id, authored_on=local_date,
            )
        except ResponseIncomplete as exc:
            raise serializers.ValidationError({"item": {link_id: ["Required: answer it, or send status 'in-progress'."] for link_id in exc.missing}}) from None
        except ResponseClosed:
            return Response({"detail": "This questionnaire is already completed for this time point."}, status=409)
        return Response(_answer(outcome.response), status=201 if outcome.created else 200)
