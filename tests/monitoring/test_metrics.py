"""GET /metrics: the safety chain as Prometheus reads it, computed from the database at each scrape,
and behind a bearer token (it does not exist without one)."""

import datetime
import uuid

import pytest
from django.conf import settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from monitoring.metrics import exposition
from monitoring.models import TaskHeartbeat
from notifications.models import Message
from recovery.models import Alert, CheckinSubmission

TOKEN = "metrics-token-for-the-suite-0123456789"
NOW = datetime.datetime(2026, 11, 30, 15, 0, tzinfo=datetime.UTC)


def _samples(text: str) -> dict[tuple, float]:
    """{(name, (label=value, ...)): value} of every sample."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _scrape(now=NOW) -> dict[tuple, float]:
    return _samples(exposition(now=now).decode())


def _message(*, status, ago, purpose="reminder", error_code="", send_after=None, direction="out", phone="+15550300001"):
    message = Message.objects.create(
        direction=direction, purpose=purpose, status=status, to_phone=phone, body="Synthetic test message", error_code=error_code,
        send_after=send_after,
    )
    Message.objects.filter(pk=message.pk).update(created_at=NOW - ago)
    return message


def _alert(patient, *, kind, severity, ago, status="open", page_required=False, paged_at=None):
    alert = Alert.objects.create(
        patient=patient, kind=kind, severity=severity, status=status, recovery_day=5, evidence_date=patient.surgery_date,
        message="Synthetic alert for a test", page_required=page_required, paged_at=paged_at,
    )
    Alert.objects.filter(pk=alert.pk).update(created_at=NOW - ago)
    return alert


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


@pytest.mark.django_db
def test_it_does_not_exist_without_a_token_setting(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404


@pytest.mark.django_db
def test_it_asks_for_the_bearer_token_and_refuses_a_wrong_one(client, metrics_token):
    missing = client.get("/metrics")
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")
    basic = client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {metrics_token}")

    for response in (missing, wrong, basic):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert b"recovery_" not in response.content


@pytest.mark.django_db
def test_a_nurse_signed_in_on_the_dashboard_cannot_read_it(metrics_token, nurse_a):
    from django.test import Client

    client = Client()
    client.force_login(nurse_a)
    assert client.get("/metrics").status_code == 401


@pytest.mark.django_db
def test_prometheus_reads_it_with_the_token(client, metrics_token):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {metrics_token}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = _samples(response.content.decode())
    assert samples[("recovery_pages_owed", ())] == 0
    assert samples[("recovery_beat_late", ())] == 1  # nothing has run in a fresh database


@pytest.mark.django_db
def test_the_age_of_the_last_sweep_and_beat_lateness_come_from_the_heartbeats():
    TaskHeartbeat.objects.create(task="recovery.tasks.sweep_task", last_success_at=NOW - datetime.timedelta(minutes=12), last_duration_seconds=9.3)
    for entry in settings.CELERY_BEAT_SCHEDULE.values():  # the reminders and the relays, 20 s ago
        if entry["task"] != "recovery.tasks.sweep_task":
            TaskHeartbeat.objects.create(task=entry["task"], last_success_at=NOW - datetime.timedelta(seconds=20))

    samples = _scrape()

    sweep = (("task", "recovery-sweep"),)
    assert samples[("recovery_periodic_task_last_success_age_seconds", sweep)] == 12 * 60
    assert samples[("recovery_periodic_task_period_seconds", sweep)] == 900
    assert samples[("recovery_periodic_task_last_duration_seconds", sweep)] == 9.3
    assert samples[("recovery_periodic_task_late", sweep)] == 0
    assert samples[("recovery_beat_late", ())] == 0

    # Twice the period (30 minutes) without a completed sweep: late.
    samples = _scrape(now=NOW + datetime.timedelta(minutes=19))
    assert samples[("recovery_periodic_task_late", sweep)] == 1
    assert samples[("recovery_beat_late", ())] == 1


@pytest.mark.django_db
def test_a_task_that_never_completed_has_an_infinite_age():
    samples = _scrape()
    assert samples[("recovery_periodic_task_last_success_age_seconds", (("task", "notifications-pages-relay"),))] == float("inf")


@pytest.mark.django_db
def test_the_outbox_shows_the_oldest_queued_message_that_is_due():
    _message(status="queued", ago=datetime.timedelta(minutes=5))
    _message(status="queued", ago=datetime.timedelta(minutes=1), purpose="page")
    # Deferred out of quiet hours until tomorrow morning: not late, though older.
    _message(status="queued", ago=datetime.timedelta(hours=9), send_after=NOW + datetime.timedelta(hours=8))
    _message(status="sent", ago=datetime.timedelta(days=2))

    samples = _scrape()

    assert samples[("recovery_outbox_oldest_queued_age_seconds", ())] == 300
    assert samples[("recovery_outbox_queued_messages", (("purpose", "reminder"),))] == 2
    assert samples[("recovery_outbox_queued_messages", (("purpose", "page"),))] == 1


@pytest.mark.django_db
def test_pages_owed_count_urgent_open_alerts_not_paged_yet(make_patient):
    patient, other = make_patient(), make_patient()
    # Oldest first: rows are written in time order, as in production (the window reads ids).
    _alert(other, kind="pain_high", severity="high", ago=datetime.timedelta(hours=2))
    _alert(other, kind="red_flag", severity="urgent", ago=datetime.timedelta(minutes=9), page_required=True, paged_at=NOW)
    _alert(patient, kind="red_flag", severity="urgent", ago=datetime.timedelta(minutes=3), page_required=True)

    samples = _scrape()

    assert samples[("recovery_pages_owed", ())] == 1
    assert samples[("recovery_pages_owed_oldest_age_seconds", ())] == 180
    assert samples[("recovery_alerts_active", (("kind", "red_flag"), ("severity", "urgent"), ("status", "open")))] == 2
    assert samples[("recovery_alerts_active", (("kind", "pain_high"), ("severity", "high"), ("status", "open")))] == 1
    # Raised in the last hour: the two red flags, not the pain alert of two hours ago.
    assert samples[("recovery_alerts_raised_last_hour", (("kind", "red_flag"), ("severity", "urgent")))] == 2
    assert ("recovery_alerts_raised_last_hour", (("kind", "pain_high"), ("severity", "high"))) not in samples


@pytest.mark.django_db
def test_sms_errors_of_the_last_hour_by_provider_error_code():
    _message(status="failed", ago=datetime.timedelta(hours=3), error_code="21211")  # outside the window
    _message(status="undelivered", ago=datetime.timedelta(minutes=30), error_code="30005")
    _message(status="failed", ago=datetime.timedelta(minutes=20), error_code="30003")
    _message(status="failed", ago=datetime.timedelta(minutes=10), error_code="30003")
    _message(status="delivered", ago=datetime.timedelta(minutes=5))

    samples = _scrape()

    assert samples[("recovery_sms_errors_last_hour", (("error_code", "30003"), ("status", "failed")))] == 2
    assert samples[("recovery_sms_errors_last_hour", (("error_code", "30005"), ("status", "undelivered")))] == 1
    assert ("recovery_sms_errors_last_hour", (("error_code", "21211"), ("status", "failed"))) not in samples
    assert samples[("recovery_sms_outbound_last_hour", (("status", "delivered"),))] == 1
    assert samples[("recovery_sms_outbound_last_hour", (("status", "failed"),))] == 2


@pytest.mark.django_db
def test_checkins_of_the_last_hour_by_channel(make_patient):
    patient = make_patient()
    for channel, ago in (("app", 90), ("app", 50), ("sms", 20), ("app", 5)):
        submission = CheckinSubmission.objects.create(client_id=uuid.uuid4(), patient=patient, date=patient.surgery_date, channel=channel, payload={})
        CheckinSubmission.objects.filter(pk=submission.pk).update(received_at=NOW - datetime.timedelta(minutes=ago))

    samples = _scrape()

    assert samples[("recovery_checkins_last_hour", (("channel", "app"),))] == 2
    assert samples[("recovery_checkins_last_hour", (("channel", "sms"),))] == 1


@pytest.mark.django_db
def test_a_scrape_costs_a_fixed_number_of_queries(make_patient, django_assert_num_queries):
    patient = make_patient()
    for _ in range(5):
        _message(status="failed", ago=datetime.timedelta(minutes=1), error_code="30003")
        _alert(make_patient(), kind="red_flag", severity="urgent", ago=datetime.timedelta(minutes=1), page_required=True)
    CheckinSubmission.objects.create(client_id=uuid.uuid4(), patient=patient, date=patient.surgery_date, channel="app", payload={})

    # 1 heartbeats; 2 queued messages by purpose; 3 pages owed; 4 active alerts; 5 alerts raised in
    # the window; 6 check-ins in the window; 7 outbound SMS in the window.
    with django_assert_num_queries(7):
        exposition(now=timezone.now())
