"""Routes of the patients' own calls: check-ins, sync, profile and progress."""

from django.urls import path

from recovery.api import patient

urlpatterns = [
    path("me/", patient.MeView.as_view(), name="me"),
    path("me/progress/", patient.ProgressView.as_view(), name="me-progress"),
    path("checkins/", patient.CheckinsView.as_view(), name="checkins"),
    path("checkins/sync/", patient.CheckinSyncView.as_view(), name="checkins-sync"),
]
