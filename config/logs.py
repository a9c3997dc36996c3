"""Logging: lines that say which request or task wrote them (a request id, echoed in X-Request-ID, and
the Celery task id, kept in context variables and added to every record; text or JSON by LOG_FORMAT),
and request logs that name the path, never the query string (a nurse's search for a name or a phone
fragment must not land in the log)."""

import contextvars
import datetime
import json
import logging
import re
import uuid

from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
task_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("task_id", default=None)

# What an inbound id may look like: a UUID, a proxy's hex id; nothing that could forge a log line.
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
RESPONSE_HEADER = "X-Request-ID"


def inbound_request_id(request) -> str | None:
    """The id a trusted proxy sent in REQUEST_ID_HEADER, when that is set and the id is valid."""
    header = settings.REQUEST_ID_HEADER
    if not header:
        return None
    value = request.headers.get(header, "")
    return value if VALID_REQUEST_ID.fullmatch(value) else None


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = inbound_request_id(request) or uuid.uuid4().hex
        request.request_id = request_id
        # Kept until the response is finished (not only while the middleware runs), so that
        # Django's own line about a 4xx or 5xx answer, written after the middleware, carries it too.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[RESPONSE_HEADER] = request_id
        return response


@receiver(request_finished, dispatch_uid="config.logs.request_finished")
def _request_finished(**_):
    request_id_var.set(None)


_task_tokens: dict[str, contextvars.Token] = {}


@task_prerun.connect(dispatch_uid="config.logs.task_prerun")
def _task_started(task_id=None, **_):
    _task_tokens[task_id] = task_id_var.set(task_id)


@task_postrun.connect(dispatch_uid="config.logs.task_postrun")
def _task_finished(task_id=None, **_):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            task_id_var.reset(token)
        except ValueError:  # set in another context (an eager task inside a request): just clear it
            task_id_var.set(None)


class ContextFilter(logging.Filter):
    """Adds `request_id` and `task_id` (None outside a request or task) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.task_id = task_id_var.get()
        return True


class TextFormatter(logging.Formatter):
    """`time level logger [request=... task=...] message`, for a terminal."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s%(context)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        parts = [f"request={record.request_id}" if getattr(record, "request_id", None) else "", f"task={record.task_id}" if getattr(record, "task_id", None) else ""]
        context = " ".join(p for p in parts if p)
        record.context = f" [{context}]" if context else ""
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id, task_id, and
    the traceback as text. A record's `extra` fields are left out: they may carry patient data."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "task_id"):
            if getattr(record, key, None):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


_QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")


def without_query(text: str) -> str:
    return _QUERY.sub(r"\1", text)


class DropQueryStrings(logging.Filter):
    """For django.server (runserver's access lines) and django.request (4xx and 5xx warnings)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = without_query(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(without_query(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True
