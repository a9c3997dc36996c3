"""Routes of the FHIR R4 API, mounted at /fhir/R4/."""

from django.urls import path, re_path

from fhir_api import views

urlpatterns = [
    path("metadata", views.Metadata.as_view(), name="fhir-metadata"),
    path("Patient", views.PatientSearch.as_view(), name="fhir-patient-search"),
    path("Patient/<int:pk>", views.PatientRead.as_view(), name="fhir-patient"),
    path("Patient/<int:pk>/$everything", views.PatientEverything.as_view(), name="fhir-patient-everything"),
    path("Observation", views.ObservationSearch.as_view(), name="fhir-observation-search"),
    path("Observation/<str:observation_id>", views.ObservationRead.as_view(), name="fhir-observation"),
    path("Flag", views.FlagSearch.as_view(), name="fhir-flag-search"),
    path("Flag/<int:pk>", views.FlagRead.as_view(), name="fhir-flag"),
    path("QuestionnaireResponse", views.QuestionnaireResponseSearch.as_view(), name="fhir-questionnaireresponse-search"),
    path("QuestionnaireResponse/<int:pk>", views.QuestionnaireResponseRead.as_view(), name="fhir-questionnaireresponse"),
    path("Questionnaire", views.QuestionnaireSearch.as_view(), name="fhir-questionnaire-search"),
    path("Questionnaire/<int:pk>", views.QuestionnaireRead.as_view(), name="fhir-questionnaire"),
    re_path(r"^(?P<rest>.*)$", views.Unsupported.as_view(), name="fhir-unsupported"),
]
