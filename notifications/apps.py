"""SMS out and in: the outbox, reminders, staff pages and Twilio's webhooks."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the tasks in every process, so that a task published by name runs as the registered
        # task (eagerly where CELERY_TASK_ALWAYS_EAGER asks it to), as the worker runs it.
        from notifications import (
            receivers,  # noqa: F401 - connects the signal receivers
            tasks,  # noqa: F401
        )
