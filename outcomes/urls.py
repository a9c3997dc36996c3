"""Routes of the outcome questionnaires outside the API: the patient's page from the SMS link (/q/<token>)
and the nurses' pages inside the dashboard."""

from django.urls import path

from outcomes import staff_views, views

app_name = "outcomes"
urlpatterns = [
    path("q/<str:token>", views.questionnaire, name="questionnaire"),
    path("patients/<int:patient_id>/questionnaires/<int:time_point_id>/", staff_views.questionnaire_entry, name="entry"),
    path("cohort/scores.csv", staff_views.cohort_scores_export, name="cohort-scores"),
]
