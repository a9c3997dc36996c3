"""Routes of the staff calls: patients, their daily records and their CSV export, alerts, patients' messages."""

from django.urls import path

from recovery.api import staff, staff_exports, staff_messages

urlpatterns = [
    path("patients/", staff.StaffPatientListCreate.as_view(), name="staff-patients"),
    path("patients/<int:pk>/", staff.StaffPatientDetail.as_view(), name="staff-patient"),
    path("patients/<int:pk>/export.csv", staff_exports.StaffPatientExport.as_view(), name="staff-patient-export"),
    path("patients/<int:pk>/checkins/", staff.StaffPatientCheckins.as_view(), name="staff-patient-checkins"),
    path("alerts/", staff.StaffAlertList.as_view(), name="staff-alerts"),
    path("alerts/<int:pk>/acknowledge/", staff.StaffAlertAcknowledge.as_view(), name="staff-alert-acknowledge"),
    path("alerts/<int:pk>/resolve/", staff.StaffAlertResolve.as_view(), name="staff-alert-resolve"),
    path("messages/", staff_messages.StaffPatientMessageList.as_view(), name="staff-messages"),
    path("messages/<int:pk>/read/", staff_messages.StaffPatientMessageRead.as_view(), name="staff-message-read"),
]
