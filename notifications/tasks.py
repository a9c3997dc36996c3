"""Celery entry points of the notifications layer: thin, idempotent doors into the services.

The periodic ones take an optional ISO `now`, so an operator (or a test) can run them for a moment.
"""

import datetime

from celery import shared_task
from django.utils.dateparse import parse_datetime

from notifications.follow_ups import advice_follow_ups_run
from notifications.services import pages, reminders, sending


def _moment(now: str | None) -> datetime.datetime | None:
    return parse_datetime(now) if now else None


@shared_task(name="notifications.tasks.send_message_task")
def send_message_task(message_id: int) -> str:
    """Send one outbox message (a second delivery of this task finds it claimed and does nothing)."""
    return sending.message_send(message_id=message_id)


@shared_task(name="notifications.tasks.reminders_due_task")
def reminders_due_task(now: str | None = None) -> int:
    """Write and queue the reminders due now, at each patient's local reminder time."""
    return reminders.reminders_enqueue(now=_moment(now))


@shared_task(name="notifications.tasks.outbox_relay_task")
def outbox_relay_task(now: str | None = None) -> dict:
    """Requeue messages the broker dropped or a dead worker left; drop those past their window."""
    return sending.outbox_relay(now=_moment(now))


@shared_task(name="notifications.tasks.pages_relay_task")
def pages_relay_task(now: str | None = None) -> dict:
    """Page for urgent alerts not paged yet, and escalate those nobody acknowledged."""
    return pages.pages_relay(now=_moment(now))


@shared_task(name="notifications.tasks.send_messages_task")
def send_messages_task(message_ids: list[int]) -> dict:
    """Send a batch of outbox messages (a reminder fan-out); each is claimed as in send_message_task."""
    return sending.messages_send(message_ids=message_ids)


@shared_task(name="notifications.tasks.advice_follow_ups_task")
def advice_follow_ups_task(now: str | None = None) -> dict:
    """Ask the follow-ups after emergency advice that are due; page again for those not answered."""
    return advice_follow_ups_run(now=_moment(now))
