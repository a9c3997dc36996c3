"""Handing work to Celery after a transaction commits, without ever failing the request for it.

The row that says work is owed (an evaluation mark, an outbox message, an alert not yet paged) is
written in the transaction; the task is only a fast path. If the broker is down, publishing fails,
we log it, and the periodic relay picks the row up later.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def queue_on_commit(task, *args, **kwargs) -> None:
    def publish():
        try:
            # The arguments are ids: their plain repr is what Celery's saferepr would give, for less.
            task.apply_async(args=args, kwargs=kwargs, retry=False, argsrepr=repr(args), kwargsrepr=repr(kwargs))
        except Exception:  # noqa: BLE001 - the broker being down must not fail the caller
            logger.warning("could not queue %s%r; the relay will pick it up", task.name, args, exc_info=True)

    transaction.on_commit(publish, robust=True)
