"""What an operator watches: heartbeats of the periodic tasks, Prometheus metrics, beat's liveness."""

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from monitoring import receivers  # noqa: F401 - connects the Celery signal receivers
