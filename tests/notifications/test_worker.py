"""A real Celery worker killed in the middle of a reminder fan-out: every reminder still goes exactly once.

The worker runs as `celery -A config worker` on this test's database and Redis db, sending through
the real twilio client to the local stand-in. SIGKILL leaves claimed messages in `sending` and
prefetched tasks unacknowledged in Redis; a second worker, the next reminder run and the outbox relay
(run for a moment past the send lease) must finish the job without a duplicate.
"""

import datetime
import time

import pytest
from django.utils import timezone

from notifications.models import Message
from notifications.services import sending
from notifications.tasks import reminders_due_task
from patients.models import Clinic, Patient
from tests.notifications.workers import Worker

pytestmark = [pytest.mark.processes, pytest.mark.django_db(transaction=True)]

PATIENTS = 300


def _zone_at_midday(now: datetime.datetime) -> str:
    """A fixed-offset zone where it is about noon now, so the reminders are due whenever the test runs."""
    offset = 12 - now.astimezone(datetime.UTC).hour
    return "Etc/UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


def _wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def workers():
    started: list[Worker] = []

    def start(**kwargs) -> Worker:
        worker = Worker(**kwargs)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()
        worker.discard_log()


def test_every_reminder_reaches_twilio_exactly_once_when_a_worker_is_killed_mid_fan_out(twilio, workers):
    now = timezone.now()
    zone = _zone_at_midday(now)
    clinic = Clinic.objects.create(name="Clinic K", phone="+15550700000", timezone=zone)
    today = now.astimezone(datetime.UTC).date()
    Patient.objects.bulk_create(
        Patient(
            clinic=clinic, first_name=f"Kill{i}", last_name="Test", phone=f"+1555071{i:04d}", timezone=zone,
            procedure="mis_lumbar_fusion", surgery_date=today - datetime.timedelta(days=5), reminder_time=datetime.time(8, 0),
        )
        for i in range(PATIENTS)
    )
    phones = set(Patient.objects.values_list("phone", flat=True))
    twilio.delay = 0.02  # Twilio's own latency, so the fan-out takes a few seconds

    first = workers()
    reminders_due_task.delay()
    assert twilio.wait_for(PATIENTS // 4, timeout=60), first.output()
    first.kill()  # SIGKILL, worker and children, in the middle of the fan-out
    at_kill = len(twilio.sent)
    assert 0 < at_kill < PATIENTS, "the kill must land in the middle of the fan-out"
    left = Message.objects.filter(purpose="reminder").exclude(status="sent").count()
    assert left > 0

    second = workers()
    # What the next beat ticks do: the reminder run (writes any rows the killed run did not) and the
    # relay, here for a moment past the send lease so that the killed worker's claims are looked into.
    reminders_due_task.delay()
    repaired = sending.outbox_relay(now=timezone.now() + sending.SEND_LEASE + sending.RELAY_GRACE + datetime.timedelta(seconds=1))
    # Typically: ~75 taken at the kill, one of them not yet recorded (the relay finds it at Twilio).
    assert repaired["requeued"] + repaired["recovered"] > 0

    done = _wait_until(lambda: Message.objects.filter(purpose="reminder", status="sent").count() == PATIENTS, timeout=120)
    assert done, (dict(Message.objects.filter(purpose="reminder").values_list("status").annotate()), second.output())
    counts = twilio.count_by_number()
    assert set(counts) == phones
    assert set(counts.values()) == {1}, {phone: n for phone, n in counts.items() if n != 1}
    # Every recorded SID is one the stand-in handed out.
    assert set(Message.objects.filter(purpose="reminder").values_list("provider_sid", flat=True)) == {s.sid for s in twilio.sent}
