"""Faults with real processes: PostgreSQL cut off, Redis stopped, a worker killed mid-sweep.

Each starts its own gunicorn / Celery worker / redis-server against the suite's test database and
stops them. Waiting is for processes to become ready or for work to be done (bounded polls).
"""

import datetime
import json
import signal
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from patients.tokens import tokens_for_patient, tokens_for_staff
from recovery.models import Alert, DailyRecord
from tests.support.processes import (
    TcpProxy,
    base_env,
    start_celery_worker,
    start_gunicorn,
    start_redis,
    stop_process,
    wait_until,
)

pytestmark = [pytest.mark.processes, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("default_protocols")]


def _request(base: str, method: str, path: str, token: str, body: dict | None = None):
    import urllib.error
    import urllib.request

    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
            return resp.status, dict(resp.headers), json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = raw.decode(errors="replace")
        return exc.code, dict(exc.headers), payload


def _db_url(port: int | None = None) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{port or db['PORT'] or 5432}/{db['NAME']}"


def test_when_postgresql_is_unreachable_the_api_answers_503_json_with_retry_after(tmp_path, nurse_a, patient_a):
    token = tokens_for_staff(nurse_a)["access"]
    db = connection.settings_dict
    proxy = TcpProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    env = base_env(DATABASE_URL=_db_url(proxy.port), DB_CONN_MAX_AGE=0, DB_CONNECT_TIMEOUT=2, VAR_DIR=tmp_path)
    web, base = start_gunicorn(env, tmp_path / "web.log")
    try:
        status, _, body = _request(base, "GET", "/api/v1/patients/", token)
        assert status == 200, body
        assert body["results"][0]["id"] == patient_a.pk

        proxy.cut()
        status, headers, body = _request(base, "GET", "/api/v1/patients/", token)
        assert status == 503
        assert headers.get("Retry-After") == "30"
        assert "unavailable" in body["detail"]

        proxy.restore()
        status, _, body = _request(base, "GET", "/api/v1/patients/", token)
        assert status == 200
    finally:
        stop_process(web)
        proxy.close()


def test_checkins_are_accepted_while_redis_is_down_and_judged_once_it_is_back(tmp_path, patient_a, nurse_a):
    from notifications.models import Message

    redis_proc, redis_port = start_redis(tmp_path)
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = base_env(DATABASE_URL=_db_url(), REDIS_URL=redis_url, CELERY_BROKER_URL=redis_url, VAR_DIR=tmp_path)
    token = tokens_for_patient(patient_a.user)["access"]
    web, base = start_gunicorn(env, tmp_path / "web.log")
    worker = None
    try:
        stop_process(redis_proc)  # Redis goes down before anyone checks in.
        today = patient_a.local_today()
        answers = []
        for offset, fields in ((2, {"pain": 9}), (1, {"pain": 9}), (0, {"pain": 9, "symptoms": ["fever"]})):
            body = {"client_id": str(uuid.uuid4()), "date": (today - datetime.timedelta(days=offset)).isoformat(), **fields}
            answers.append(_request(base, "POST", "/api/v1/checkins/", token, body))
        assert [a[0] for a in answers] == [201, 201, 201]
        assert "advice" in answers[-1][2]
        assert DailyRecord.objects.filter(patient=patient_a).count() == 3
        # The red flag is an alert at once, with its page written: no broker or worker was needed.
        alert = Alert.objects.get(patient=patient_a, kind="red_flag")
        assert (alert.severity, alert.page_required) == ("urgent", True)
        page = Message.objects.get(purpose=Message.Purpose.PAGE, alert_id=alert.pk)
        assert page.status == Message.Status.QUEUED
        # The rest of the evidence waits for judging: nobody could publish its batch.
        assert not Alert.objects.filter(patient=patient_a, kind="pain_high").exists()

        # Redis comes back on the same port; a worker starts and beat's relays run.
        redis_proc, _ = start_redis(tmp_path, redis_port)
        worker = start_celery_worker(env, tmp_path / "worker.log")
        from notifications.tasks import outbox_relay_task
        from recovery.tasks import judge_marked_task

        _publish(judge_marked_task, redis_url)
        wait_until(lambda: Alert.objects.filter(patient=patient_a, kind="pain_high").exists(), timeout=60, what="the pain alert")
        # The outbox relay (run for a moment past its grace period) sends the page the broker never got.
        later = (timezone.now() + datetime.timedelta(minutes=5)).isoformat()
        _publish(outbox_relay_task.s(later), redis_url)
        # No Twilio settings here: the page is written to the log, as `make run` sends.
        wait_until(lambda: Message.objects.get(pk=page.pk).status == Message.Status.LOGGED, timeout=60, what="the page to be sent")
        assert Alert.objects.filter(patient=patient_a, kind="red_flag").count() == 1
    finally:
        if worker is not None:
            stop_process(worker)
        stop_process(web)
        stop_process(redis_proc)


def _publish(task, broker_url: str) -> None:
    """Publish a task from this test process to the given broker, as beat would."""
    from kombu import Connection

    with Connection(broker_url) as conn:
        (task if hasattr(task, "args") else task.s()).apply_async(connection=conn)


def test_a_worker_killed_in_the_middle_of_a_sweep_completes_it_after_restart_with_no_duplicate_alert(tmp_path):
    from django.core.management import call_command

    from patients.models import Patient
    from recovery.models import AlertEvent, EvaluationState
    from recovery.services.evaluation import recovery_sweep
    from recovery.tasks import sweep_task

    call_command("seed_demo", patients=6000, days=12, seed=7, stdout=open(tmp_path / "seed.log", "w"), stderr=open(tmp_path / "seed.err", "w"))
    monitored = Patient.objects.filter(monitoring_ended_at__isnull=True).count()
    assert monitored > 3000
    redis_proc, redis_port = start_redis(tmp_path)
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = base_env(DATABASE_URL=_db_url(), REDIS_URL=redis_url, CELERY_BROKER_URL=redis_url, VAR_DIR=tmp_path)
    worker = start_celery_worker(env, tmp_path / "worker-1.log")
    try:
        _publish(sweep_task, redis_url)
        judged = EvaluationState.objects.filter(judged_through__isnull=False)
        # Kill the worker (SIGKILL, no chance to clean up) once the sweep has committed some chunks.
        wait_until(lambda: judged.count() > 0, timeout=120, interval=0.01, what="the sweep to commit a first chunk")
        stop_process(worker, sig=signal.SIGKILL)
        at_kill = judged.count()
        assert 0 < at_kill < monitored, "the worker must die in the middle of the sweep"

        # The worker comes back; beat's next tick runs the sweep again, which judges what is left.
        worker = start_celery_worker(env, tmp_path / "worker-2.log")
        _publish(sweep_task, redis_url)
        wait_until(lambda: judged.count() >= monitored, timeout=300, interval=0.2, what="the sweep to complete")
    finally:
        stop_process(worker)
        stop_process(redis_proc)

    alerts = Alert.objects.all()
    assert alerts.exists()
    # No alert was raised twice: one 'raised' event per alert, one active alert per patient and kind.
    raised = AlertEvent.objects.filter(action="raised").count()
    assert raised == alerts.count()
    active = alerts.filter(status__in=["open", "acknowledged"]).values_list("patient_id", "kind")
    assert len(set(active)) == len(active)
    # Judging again, as beat would, raises nothing new.
    summary = recovery_sweep()
    assert sum(summary.opened.values()) == 0
    assert Alert.objects.count() == alerts.count()


def test_a_task_retries_while_postgresql_is_unreachable_and_finishes_once_it_is_back(tmp_path, patient_a):
    from recovery.models import EvaluationState
    from recovery.services.checkins import evaluation_mark
    from recovery.tasks import evaluate_patient_task

    evaluation_mark(patient_id=patient_a.pk, now=timezone.now())
    db = connection.settings_dict
    proxy = TcpProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    redis_proc, redis_port = start_redis(tmp_path)
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = base_env(DATABASE_URL=_db_url(proxy.port), DB_CONN_MAX_AGE=0, DB_CONNECT_TIMEOUT=2, REDIS_URL=redis_url, CELERY_BROKER_URL=redis_url, VAR_DIR=tmp_path)
    log = tmp_path / "worker.log"
    worker = start_celery_worker(env, log)
    try:
        proxy.cut()
        _publish(evaluate_patient_task.s(patient_a.pk), redis_url)
        wait_until(lambda: b"Retry in" in log.read_bytes(), timeout=60, what="the task to fail and schedule a retry")
        assert EvaluationState.objects.get(patient=patient_a).needs_evaluation_since is not None
        proxy.restore()
        wait_until(
            lambda: EvaluationState.objects.get(patient=patient_a).needs_evaluation_since is None,
            timeout=120,
            interval=0.2,
            what="the retried task to judge the patient",
        )
    finally:
        stop_process(worker)
        stop_process(redis_proc)
        proxy.close()
