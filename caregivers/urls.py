"""Routes of the caregivers' staff call."""

from django.urls import path

from caregivers import api

urlpatterns = [
    path("patients/<int:pk>/caregivers/", api.PatientCaregivers.as_view(), name="staff-patient-caregivers"),
]
