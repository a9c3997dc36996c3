"""Log lines say which request or task wrote them: X-Request-ID on every response, the same id on
the request's log lines, the Celery task's id on a task's; text or JSON by LOG_FORMAT."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery import shared_task

from config.logs import ContextFilter, JsonFormatter, TextFormatter, request_id_var

ROOT = Path(__file__).resolve().parent.parent


@shared_task(name="tests.logging.noisy_task")
def noisy_task():
    logging.getLogger("tests.logging").warning("the task says hello")


@pytest.fixture
def captured():
    """Records of every logger, through the configured filter, formatted as JSON."""
    lines: list[str] = []

    class ListHandler(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = ListHandler()
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lines
    root.removeHandler(handler)


@pytest.mark.django_db
def test_every_response_carries_a_request_id_and_the_requests_log_lines_carry_the_same(client, captured):
    response = client.get("/api/v1/no-such-thing/")

    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    # Django's own "Not Found" line for the 404, written after the view answered.
    entries = [json.loads(line) for line in captured if "Not Found" in line]
    assert entries and entries[0]["request_id"] == request_id
    assert entries[0]["level"] == "WARNING" and entries[0]["logger"] == "django.request"
    assert client.get("/healthz")["X-Request-ID"] != request_id


@pytest.mark.django_db
def test_a_client_cannot_choose_its_request_id_unless_a_trusted_proxy_header_is_set(client, settings):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="chosen-by-the-client-01")["X-Request-ID"] != "chosen-by-the-client-01"

    settings.REQUEST_ID_HEADER = "X-Request-ID"
    assert client.get("/healthz", HTTP_X_REQUEST_ID="set-by-the-proxy-0123")["X-Request-ID"] == "set-by-the-proxy-0123"
    # Not an id: a forged log line, or too short to be one. A fresh id instead.
    for bad in ("abc\nlevel=ERROR forged", "short", "x" * 129, "<script>"):
        assert client.get("/healthz", HTTP_X_REQUEST_ID=bad)["X-Request-ID"] != bad


def test_a_tasks_log_lines_carry_its_task_id(captured):
    result = noisy_task.apply()

    entry = json.loads(next(line for line in captured if "the task says hello" in line))
    assert entry["task_id"] == result.id
    assert "request_id" not in entry


def test_the_json_formatter_writes_one_object_a_line_with_the_traceback():
    record = logging.LogRecord("recovery.test", logging.ERROR, __file__, 1, "could not judge patient %s", (42,), None)
    try:
        raise ValueError("broken")
    except ValueError:
        record.exc_info = sys.exc_info()
    token = request_id_var.set("abcdef0123456789")
    try:
        ContextFilter().filter(record)
    finally:
        request_id_var.reset(token)

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "could not judge patient 42" and entry["request_id"] == "abcdef0123456789"
    assert entry["time"].endswith("+00:00") and "ValueError: broken" in entry["exception"]


def test_the_text_formatter_shows_the_ids_in_brackets():
    record = logging.LogRecord("recovery.test", logging.INFO, __file__, 1, "judged 3 patients", (), None)
    record.request_id, record.task_id = None, "5b6c"
    assert TextFormatter().format(record).endswith("INFO recovery.test [task=5b6c] judged 3 patients")


@pytest.mark.parametrize(("value", "formatter"), [("json", "json"), ("text", "text"), (None, "text")])
def test_log_format_chooses_the_formatter_and_text_is_the_default(value, formatter):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    environment.pop("LOG_FORMAT", None)
    if value:
        environment["LOG_FORMAT"] = value
    script = "import django; django.setup(); from django.conf import settings; print(settings.LOGGING['handlers']['console']['formatter'])"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == formatter


def test_a_bad_log_format_stops_start_up_naming_it():
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_FORMAT": "xml"}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "LOG_FORMAT" in result.stderr
