"""GET /healthz: 200 with the state of the database and the broker when both answer, 503 naming the one
that does not, and always an answer in bounded time (load balancers and docker-compose poll it)."""

import datetime
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_it_answers_200_when_the_database_and_the_broker_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["checks"] == {"database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def _beat_everything(*, ago: datetime.timedelta = datetime.timedelta(seconds=10), **overrides: datetime.timedelta):
    """Heartbeats of every periodic task, `ago` before now (or the overridden age for some)."""
    from django.conf import settings

    from monitoring.models import TaskHeartbeat

    now = timezone.now()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        TaskHeartbeat.objects.create(task=entry["task"], last_success_at=now - overrides.get(name.replace("-", "_"), ago))


@pytest.mark.django_db
def test_it_shows_beat_in_time_when_every_periodic_task_completed_within_twice_its_period(client):
    _beat_everything(recovery_sweep=datetime.timedelta(minutes=29))

    body = client.get("/healthz").json()

    assert body["beat"]["status"] == "ok" and body["beat"]["late"] == []
    sweep = body["beat"]["tasks"]["recovery-sweep"]
    assert sweep["period_seconds"] == 900 and 29 * 60 <= sweep["age_seconds"] < 30 * 60


@pytest.mark.django_db
def test_it_shows_beat_late_but_still_answers_200_when_the_sweep_has_not_run_for_twice_its_period(client):
    # Beat (or the worker) stopped: the load balancer must keep sending requests to this web process,
    # so the answer stays 200; the operator sees "late" here and in /metrics.
    _beat_everything(recovery_sweep=datetime.timedelta(minutes=31))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["beat"]["status"] == "late"
    assert response.json()["beat"]["late"] == ["recovery-sweep"]


@pytest.mark.django_db
def test_a_periodic_task_that_never_completed_is_late(client):
    body = client.get("/healthz").json()

    assert body["beat"]["status"] == "late"
    assert body["beat"]["tasks"]["notifications-pages-relay"] == {"period_seconds": 30.0, "last_success_at": None, "age_seconds": None}


@pytest.mark.django_db
def test_it_answers_200_on_the_filesystem_broker_of_make_run(client, settings, tmp_path):
    for sub in ("queue", "processed"):
        (tmp_path / sub).mkdir()
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path / "queue"),
        "data_folder_out": str(tmp_path / "queue"),
        "processed_folder": str(tmp_path / "processed"),
    }

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"


@pytest.mark.django_db
def test_it_answers_503_naming_the_broker_when_its_port_is_closed(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("unavailable")


@pytest.mark.django_db
def test_it_does_not_hang_on_a_broker_that_accepts_connections_but_never_answers(client, settings):
    # The kernel completes the handshake for a listening socket that never reads: the broker check
    # then waits for a reply that never comes, unless its reads are bounded.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
        started = time.monotonic()

        response = client.get("/healthz")

        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    # Bounded by the check's own timeouts (2 s each), far below a load balancer's probe timeout.
    assert elapsed < 10


def test_it_answers_503_naming_the_database_when_postgresql_cannot_be_reached():
    # A separate process, so that the suite's own database connection stays untouched.
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{_closed_port()}/nowhere",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["body"]["failing"] == ["database"]
    assert answer["body"]["checks"]["broker"] == "ok"


@pytest.mark.django_db
def test_it_answers_only_get(client):
    assert client.post("/healthz").status_code == 405
