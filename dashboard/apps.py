"""The nurses' pages: worklist, patient trajectories, alerts inbox, cohort view."""

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"

    def ready(self) -> None:
        from dashboard import sessions  # noqa: F401 - records a session's sign-in (last activity, second factor owed)
