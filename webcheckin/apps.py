from django.apps import AppConfig


class WebcheckinConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webcheckin"
    verbose_name = "Web check-in"
