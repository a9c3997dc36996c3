"""Routes of the staff calls: patients, their daily records, alerts."""

from django.urls import path

from recovery.api import staff

urlpatterns = [
    path("patients/", staff.StaffPatientListCreate.as_view(), name="staff-patients"),
    path("patients/<int:pk>/", staff.StaffPatientDetail.as_view(), name="staff-patient"),
    path("patients/<int:pk>/checkins/", staff.StaffPatientCheckins.as_view(), name="staff-patient-checkins"),
    path("alerts/", staff.StaffAlertList.as_view(), name="staff-alerts"),
    path("alerts/<int:pk>/acknowledge/", staff.StaffAlertAcknowledge.as_view(), name="staff-alert-acknowledge"),
    path("alerts/<int:pk>/resolve/", staff.StaffAlertResolve.as_view(), name="staff-alert-resolve"),
]
