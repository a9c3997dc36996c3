"""The recovery layer's API routes: the patients' own calls and the staff calls."""

from django.urls import include, path

urlpatterns = [
    path("", include("recovery.api.patient_urls")),
    path("", include("recovery.api.staff_urls")),
]
