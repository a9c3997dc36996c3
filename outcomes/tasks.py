"""Celery entry points of the outcome questionnaires: one-line doors into the services."""

from celery import shared_task

from outcomes.services import questionnaires_offer


@shared_task(ignore_result=True)
def questionnaires_offer_task() -> int:
    """Offer the questionnaires due now (beat, every 15 minutes); idempotent: each offer is made once."""
    return questionnaires_offer()
