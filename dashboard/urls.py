"""The nurses' pages: login (the password, then an authenticator's code where one is set up), worklist,
a patient's page, the alerts inbox, patients' messages and the cohort view."""

from django.contrib.auth import views as auth_views
from django.urls import path

from dashboard import auth, views

app_name = "dashboard"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("login/code/", auth.login_code, name="login-code"),
    path("account/two-factor/", auth.two_factor_setup, name="two-factor-setup"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("patients/<int:patient_id>/", views.patient_detail, name="patient"),
    path("patients/<int:patient_id>/export.csv", views.patient_export, name="patient-export"),
    path("patients/<int:patient_id>/contact/", views.patient_contact, name="patient-contact"),
    path("patients/<int:patient_id>/caregivers/", views.patient_caregiver_add, name="patient-caregiver-add"),
    path("patients/<int:patient_id>/caregivers/<int:caregiver_id>/texts/", views.patient_caregiver_texts, name="patient-caregiver-texts"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:alert_id>/acknowledge/", views.alert_acknowledge_view, name="alert-acknowledge"),
    path("alerts/<int:alert_id>/resolve/", views.alert_resolve_view, name="alert-resolve"),
    path("messages/", views.messages_inbox, name="messages"),
    path("messages/<int:message_id>/read/", views.message_read_view, name="message-read"),
    path("cohort/", views.cohort, name="cohort"),
    path("cohort/export.csv", views.cohort_export, name="cohort-export"),
]
