"""The patient's milestone questions (asked before a milestone alert): the app lists the questions
waiting for an answer and sends a yes or no (recovery.services.milestone_questions)."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from patients.api_fields import StrictChoiceField
from patients.audit import AuditSource
from patients.models import AuditEvent
from patients.openapi import DetailErrorSerializer, error_responses
from recovery.api.patient import PATIENT_TAG, PatientAPIView
from recovery.choices import Channel, Milestone
from recovery.models import MilestoneQuestion
from recovery.services.milestone_questions import milestone_question_answer, milestone_questions_pending, question_text

_ERRORS = (401, 403)


class MilestoneQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    milestone = serializers.ChoiceField(choices=[m.value for m in Milestone])
    text = serializers.CharField(help_text="The question, yes or no, in the patient's language.")
    asked_on = serializers.DateField(help_text="The patient-local date the question was first asked.")
    state = serializers.ChoiceField(choices=[s.value for s in MilestoneQuestion.State])


class QuestionsSerializer(serializers.Serializer):
    questions = MilestoneQuestionSerializer(many=True)


class AnswerSerializer(serializers.Serializer):
    answer = StrictChoiceField(choices=["yes", "no"], help_text="yes: the milestone is reached; no: not yet.")


def _body(question: MilestoneQuestion, language: str) -> dict:
    return {"id": question.pk, "milestone": question.milestone, "text": question_text(milestone=question.milestone, language=language),
            "asked_on": question.asked_on, "state": question.state}


class QuestionsView(PatientAPIView):
    @extend_schema(
        tags=[PATIENT_TAG],
        operation_id="me_questions_list",
        summary="The milestone questions waiting for the patient's yes or no",
        responses={200: QuestionsSerializer, **error_responses(*_ERRORS)},
    )
    def get(self, request):
        patient = self.patient
        questions = milestone_questions_pending(patient=patient)
        self.audit(AuditEvent.Action.LIST, "milestone_questions", detail=f"{len(questions)} asked")
        return Response({"questions": [_body(q, patient.language) for q in questions]})


class QuestionAnswerView(PatientAPIView):
    @extend_schema(
        tags=[PATIENT_TAG],
        operation_id="me_questions_answer",
        summary="Answer a milestone question: yes marks the milestone reached, no tells the nurse",
        request=AnswerSerializer,
        responses={
            200: MilestoneQuestionSerializer,
            404: OpenApiResponse(DetailErrorSerializer, description="No such question for this patient."),
            409: OpenApiResponse(DetailErrorSerializer, description="Already answered: the first answer stands."),
            **error_responses(400, *_ERRORS),
        },
        examples=[OpenApiExample("yes", value={"answer": "yes"}, request_only=True)],
    )
    def post(self, request, question_id: int):
        patient = self.patient
        serializer = AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        question = MilestoneQuestion.objects.filter(pk=question_id, patient=patient).select_related("patient").first()
        if question is None:
            self.audit(AuditEvent.Action.VIEW, "milestone_question", detail=f"{question_id}: not found")
            return Response({"detail": "No such question."}, status=404)
        answered = milestone_question_answer(
            question=question, reached=serializer.validated_data["answer"] == "yes", channel=Channel.APP,
            audit=AuditSource.of(request.user, channel="api", request=request),
        )
        if not answered:
            self.audit(AuditEvent.Action.VIEW, "milestone_question", detail=f"{question.milestone}: already answered")
            return Response({"detail": "This question has already been answered.", **_body(question, patient.language)}, status=409)
        question.refresh_from_db()
        return Response(_body(question, patient.language))
