"""Routes of the mobile app's questionnaire calls, under /api/v1/."""

from django.urls import path

from outcomes import api

urlpatterns = [
    path("questionnaires/due/", api.QuestionnairesDueView.as_view(), name="questionnaires-due"),
    path("questionnaire-responses/", api.QuestionnaireResponsesView.as_view(), name="questionnaire-responses"),
]
