"""Routes of the caregivers' staff calls."""

from django.urls import path

from caregivers import api

urlpatterns = [
    path("patients/<int:pk>/caregivers/", api.PatientCaregivers.as_view(), name="staff-patient-caregivers"),
    path("patients/<int:pk>/caregivers/<int:caregiver_id>/", api.PatientCaregiver.as_view(), name="staff-patient-caregiver"),
]
