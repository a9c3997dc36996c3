"""Daily records, recovery protocols, deviation rules and alerts, with their staff API."""

from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "recovery"
    default_auto_field = "django.db.models.BigAutoField"
