"""The outcome questionnaires app: instruments, their schedule, offers and responses (docs/outcomes.md)."""

from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "outcomes"
    verbose_name = "Outcome questionnaires"

    def ready(self):
        # The patient's record CSV (staff API and dashboard) carries the questionnaire scores.
        from outcomes.exports import record_with_scores
        from recovery.selectors.exports import RECORD_EXTENSIONS

        if record_with_scores not in RECORD_EXTENSIONS:
            RECORD_EXTENSIONS.append(record_with_scores)
