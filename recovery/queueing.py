"""Handing work to Celery after a transaction commits, without ever failing the request for it.

The row that says work is owed (an evaluation mark, an outbox message, an alert not yet paged) is
written in the transaction; the task is only a fast path. If the broker is down, publishing fails,
we log it, and the periodic relay picks the row up later.
"""

import logging

from celery import signature
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)


def queue_on_commit(task, *args, queue: str | None = None, **kwargs) -> None:
    """Publish `task(*args, **kwargs)` once the transaction commits (on `queue`, or the task's route)."""
    options = {"queue": queue} if queue else {}

    def publish():
        try:
            # The arguments are ids: their plain repr is what Celery's saferepr would give, for less.
            task.apply_async(args=args, kwargs=kwargs, retry=False, argsrepr=repr(args), kwargsrepr=repr(kwargs), **options)
        except Exception:  # noqa: BLE001 - the broker being down must not fail the caller
            logger.warning("could not queue %s%r; the relay will pick it up", task.name, args, exc_info=True)

    transaction.on_commit(publish, robust=True)


# Routine judging runs in batches: at most one batch task is published per interval, however many
# check-ins arrive, and it runs when the interval has passed, judging every patient marked by then.
JUDGE_INTERVAL_SECONDS = 1.0
_JUDGE_KEY = "recovery:judging-requested"
JUDGE_MARKED = "recovery.tasks.judge_marked_task"


def judging_request_on_commit() -> None:
    """After the check-in commits: publish a judging batch unless one is already due within the interval.

    The mark written with the check-in is the record; this is only the fast path. A check-in that finds
    a batch already requested is judged by it: the batch runs JUDGE_INTERVAL after the request, later
    than this check-in's commit. When the cache or the broker is down, the beat's judging relay and the
    sweep pick the marks up.
    """
    def publish():
        if settings.CELERY_TASK_ALWAYS_EAGER:
            judging_publish()  # in-process (a replay, a test): judge now, every time
            return
        try:
            if not cache.add(_JUDGE_KEY, 1, timeout=JUDGE_INTERVAL_SECONDS):
                return
        except Exception:  # noqa: BLE001 - without the cache, publish anyway: a spare batch is harmless
            logger.warning("could not reach the cache to throttle judging; publishing a batch", exc_info=True)
        judging_publish(countdown=JUDGE_INTERVAL_SECONDS)

    transaction.on_commit(publish, robust=True)


def judging_publish(*, countdown: float | None = None) -> None:
    """Publish one judging batch task now (or after `countdown` seconds); a broker outage is logged.
    The task is published by its registered name: recovery/tasks.py imports the services, not the
    other way round."""
    try:
        signature(JUDGE_MARKED).apply_async(countdown=countdown, retry=False, argsrepr="()", kwargsrepr="{}")
    except Exception:  # noqa: BLE001 - the broker being down must not fail the caller
        logger.warning("could not queue a judging batch; the judging relay will pick the marks up", exc_info=True)
