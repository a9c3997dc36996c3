"""Clinics, nurses, patients and enrollment: the bottom layer, which imports no other app."""

from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    default_auto_field = "django.db.models.BigAutoField"
