"""The nurses' pages: worklist, patient trajectories, alerts inbox, cohort view."""

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
