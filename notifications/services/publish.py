"""Publishing the notifications layer's Celery tasks, by their registered names: no service imports
a task module (notifications/tasks.py imports the services), and a broker outage never fails a caller.

A signature by name runs as the registered task where this process has it (the eager mode of a test
or a replay, a monkeypatched apply_async), and is sent to the broker by name otherwise.
"""

import logging

from celery import current_app, signature
from django.conf import settings
from django.db import transaction

from recovery.queueing import queue_on_commit

logger = logging.getLogger(__name__)

SEND_MESSAGE = "notifications.tasks.send_message_task"
SEND_MESSAGES = "notifications.tasks.send_messages_task"
# Messages per send task, and, with a rate set, about how many seconds of sending one task holds.
SEND_BATCH = 50
BATCH_SECONDS = 5


def send_batch_size() -> int:
    """Messages per send task: a batch amortizes the task and its claim; with a rate set, a batch
    holds its worker no longer than about BATCH_SECONDS, so pages are never held back long."""
    rate = settings.SMS_RATE_PER_SECOND
    if rate <= 0:
        return SEND_BATCH
    return max(1, min(SEND_BATCH, int(rate * BATCH_SECONDS)))


def sends_publish(
    message_ids: list[int], *, priority: int | None = None, countdown: float | None = None, queue: str | None = None
) -> None:
    """Publish send tasks (in batches) over one broker connection; a broker outage is logged, and the
    relay catches up."""
    if not message_ids:
        return
    size = send_batch_size()
    try:
        with current_app.producer_or_acquire() as producer:
            for start in range(0, len(message_ids), size):
                chunk = list(message_ids[start : start + size])
                if len(chunk) == 1:
                    name, args = SEND_MESSAGE, (chunk[0],)
                else:
                    name, args = SEND_MESSAGES, (chunk,)
                options = {"queue": queue} if queue else {}
                signature(name).apply_async(args=args, priority=priority, countdown=countdown, producer=producer, retry=False, **options)
    except Exception:  # noqa: BLE001 - the broker being down must not fail the caller
        logger.warning("could not queue %d sends; the outbox relay will pick them up", len(message_ids), exc_info=True)


def sends_publish_on_commit(message_ids: list[int], *, priority: int | None = None) -> None:
    ids = list(message_ids)
    transaction.on_commit(lambda: sends_publish(ids, priority=priority), robust=True)


def send_on_commit(message_id: int, *, queue: str | None = None) -> None:
    """Publish the send task of one message once the transaction commits (on `queue`, or its route)."""
    queue_on_commit(signature(SEND_MESSAGE), message_id, queue=queue)


def broker_backlog() -> int:
    """Tasks waiting in the broker's default queue (0 when it cannot tell): with a backlog, queued
    messages are waiting their turn, not lost, and republishing them would only pile up duplicates."""
    app = current_app
    try:
        with app.connection_for_read() as connection:
            declared = connection.default_channel.queue_declare(queue=app.conf.task_default_queue, passive=True)
            return int(declared.message_count or 0)
    except Exception:  # noqa: BLE001 - an unknown backlog is treated as none: republish (sends are idempotent)
        return 0
