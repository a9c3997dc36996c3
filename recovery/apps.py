"""Daily records, recovery protocols, deviation rules and alerts, with their staff API."""

from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "recovery"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the tasks in every process, so that a task published by name runs as the registered
        # task (eagerly where CELERY_TASK_ALWAYS_EAGER asks it to), as the worker runs it.
        from recovery import tasks  # noqa: F401
