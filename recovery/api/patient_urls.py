"""Routes of the patients' own calls: check-ins, sync, profile, progress and milestone questions."""

from django.urls import path

from recovery.api import patient, patient_questions

urlpatterns = [
    path("me/", patient.MeView.as_view(), name="me"),
    path("me/progress/", patient.ProgressView.as_view(), name="me-progress"),
    path("me/questions/", patient_questions.QuestionsView.as_view(), name="me-questions"),
    path("me/questions/<int:question_id>/answer/", patient_questions.QuestionAnswerView.as_view(), name="me-question-answer"),
    path("checkins/", patient.CheckinsView.as_view(), name="checkins"),
    path("checkins/sync/", patient.CheckinSyncView.as_view(), name="checkins-sync"),
]
