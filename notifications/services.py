"""Writes of the notifications layer: the outbox (enqueue, send, relay), daily reminders, the enrollment
invitation, staff pages, inbound SMS and delivery status.

Every outgoing SMS is a Message row first, written in the transaction that decided to send it; a
Celery task then claims it (queued -> sending, a compare-and-set), takes a slot of the sender's rate
and hands it to Twilio through notifications.twilio. The relays find what the broker dropped.
"""

import datetime
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications import texts
from notifications.follow_ups import advice_follow_up_answer, advice_follow_up_pending
from notifications.grammar import sms_read, yes_no_read
from notifications.models import Message
from notifications.ratelimit import rate_slot_reserve
from notifications.schedule import next_allowed, quiet_now
from notifications.selectors import DueReminder, reminders_due, sms_sender
from notifications.twilio import (
    INVALID_NUMBER,
    OPTED_OUT,
    SmsSendError,
    sender_id,
    sms_backend,
    sms_find_sent,
    sms_send,
)
from patients.audit import AuditSource, audit_record
from patients.models import Patient
from patients.selectors import on_call_roster
from patients.services import CODE_MASK, enrollment_code_for_sending, enrollment_code_seed_forget
from recovery.choices import AlertKind, AlertStatus, Channel, MessageReason
from recovery.models import Alert, AlertEvent, DailyRecord
from recovery.queueing import queue_on_commit
from recovery.red_flags import red_flag_advice
from recovery.services import checkin_submit, patient_message_record
from webcheckin.guidance import guidance_for
from webcheckin.links import LinkRequest, checkin_link_issue, checkin_links_issue

logger = logging.getLogger(__name__)

Purpose = Message.Purpose
Status = Message.Status

# A claim older than this (queued -> sending, no outcome recorded) means the worker died mid-send.
SEND_LEASE = datetime.timedelta(minutes=2)
# A queued message whose task was published this long ago without a send is republished; while the
# broker still holds send tasks (a backlog behind the rate limit), only after RELAY_GRACE_BACKLOG.
RELAY_GRACE = datetime.timedelta(minutes=2)
RELAY_GRACE_BACKLOG = datetime.timedelta(minutes=30)
# At most this many messages per relay run and kind of repair, so one run stays short.
RELAY_BATCH = 1000
# Retries of 429, 5xx and network errors: seconds to wait after attempt n (the last value repeats).
BACKOFF_SECONDS = (15, 30, 60, 120, 300, 600, 1200, 1800)
MAX_ATTEMPTS = 8
# A sender thread waits at most this long for its rate slot; beyond it the message is deferred.
RATE_MAX_WAIT = 10.0
# Messages per send task, and, with a rate set, about how many seconds of sending one task holds.
SEND_BATCH = 50
BATCH_SECONDS = 5
# HTTP requests in flight per worker process: Twilio answers in ~100-300 ms, mostly waiting.
SEND_THREADS = 4
# Redis priority lanes (0 is consumed first): bulk reminders must not hold pages and answers back.
PRIORITY_BULK = 6
# Messages a patient must have consented to (pages go to nurses; confirmations answer the patient).
PATIENT_PURPOSES = frozenset({Purpose.REMINDER, Purpose.ENROLLMENT, Purpose.REPLY, Purpose.HELP, Purpose.OPT_IN})
# Messages that wait for the end of the clinic's quiet hours (a reminder past its window is dropped).
QUIET_PURPOSES = frozenset({Purpose.REMINDER, Purpose.ENROLLMENT})
# The error code recorded when a send broke off after Twilio may have taken it.
MAYBE_SENT = "maybe-sent"
_SMS_NAMESPACE = uuid.UUID("5d6f3f2e-5a43-4a57-9a51-2d0c9c7f0a11")


# --- the outbox -------------------------------------------------------------------------------------


def _priority(purpose: str) -> int | None:
    return PRIORITY_BULK if purpose == Purpose.REMINDER else None


def _queue(purpose: str) -> str | None:
    """Pages go out on the urgent queue, which a worker of its own consumes: routine work never delays them."""
    return settings.CELERY_URGENT_QUEUE if purpose == Purpose.PAGE else None


def send_batch_size() -> int:
    """Messages per send task: a batch amortizes the task and its claim; with a rate set, a batch
    holds its worker no longer than about BATCH_SECONDS, so pages are never held back long."""
    rate = settings.SMS_RATE_PER_SECOND
    if rate <= 0:
        return SEND_BATCH
    return max(1, min(SEND_BATCH, int(rate * BATCH_SECONDS)))


def _publish_sends(
    message_ids: list[int], *, priority: int | None = None, countdown: float | None = None, queue: str | None = None
) -> None:
    """Publish send tasks (in batches) over one broker connection; a broker outage is logged, and the
    relay catches up."""
    from notifications.tasks import send_message_task, send_messages_task  # tasks import services

    if not message_ids:
        return
    size = send_batch_size()
    try:
        with send_message_task.app.producer_or_acquire() as producer:
            for start in range(0, len(message_ids), size):
                chunk = list(message_ids[start : start + size])
                if len(chunk) == 1:
                    task, args = send_message_task, (chunk[0],)
                else:
                    task, args = send_messages_task, (chunk,)
                options = {"queue": queue} if queue else {}
                task.apply_async(args=args, priority=priority, countdown=countdown, producer=producer, retry=False, **options)
    except Exception:  # noqa: BLE001 - the broker being down must not fail the caller
        logger.warning("could not queue %d sends; the outbox relay will pick them up", len(message_ids), exc_info=True)


def _publish_sends_on_commit(message_ids: list[int], *, priority: int | None = None) -> None:
    ids = list(message_ids)
    transaction.on_commit(lambda: _publish_sends(ids, priority=priority), robust=True)


def message_enqueue(
    *,
    purpose: str,
    to_phone: str,
    body: str,
    patient: Patient | None = None,
    recipient_user=None,
    alert_id: int | None = None,
    dedupe_key: str | None = None,
    send_after: datetime.datetime | None = None,
    expires_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> Message:
    """Write an outgoing SMS in the caller's transaction and queue its send for when that commits.

    A second call with the same dedupe_key returns the first message and queues nothing.
    """
    now = now or timezone.now()
    if dedupe_key:
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            message = Message.objects.create(
                purpose=purpose,
                to_phone=to_phone,
                body=body,
                patient=patient,
                recipient_user=recipient_user,
                alert_id=alert_id,
                dedupe_key=dedupe_key,
                send_after=send_after,
                expires_at=expires_at,
                queued_at=now,
            )
    except IntegrityError:
        if dedupe_key:
            return Message.objects.get(dedupe_key=dedupe_key)
        raise
    if _priority(purpose) is None:
        queue_on_commit(_send_task(), message.pk, queue=_queue(purpose))
    else:
        _publish_sends_on_commit([message.pk], priority=_priority(purpose))
    return message


def _send_task():
    from notifications.tasks import send_message_task

    return send_message_task


def _defer(message: Message, *, until: datetime.datetime, now: datetime.datetime) -> str:
    """Put a claimed message back in the queue until `until`, and publish its send for then."""
    changed = Message.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=Status.QUEUED, send_after=until, queued_at=now, claimed_at=None, updated_at=now
    )
    if changed:
        _publish_sends([message.pk], priority=_priority(message.purpose), countdown=max(0.0, (until - now).total_seconds()),
                       queue=_queue(message.purpose))
    return "deferred"


def _finish(message: Message, *, status: str, now: datetime.datetime, reason: str = "", **fields) -> None:
    """Record the outcome of a claimed message (only while it is still ours: status sending)."""
    Message.objects.filter(pk=message.pk, status=Status.SENDING).update(status=status, reason=reason[:200], updated_at=now, **fields)
    if status in (Status.DROPPED, Status.FAILED):
        _invitation_done(message)


def _reason_not_to_send(
    message: Message, now: datetime.datetime, *, checked_in: set, alert_status: dict
) -> tuple[str, datetime.datetime | None] | None:
    """Why a message must not go now: (reason, None) to drop it, (reason, when) to defer it."""
    if message.expires_at is not None and now >= message.expires_at:
        return f"past its window (closed {message.expires_at:%Y-%m-%d %H:%M} UTC)", None
    patient = message.patient
    if patient is not None and message.purpose in PATIENT_PURPOSES:
        if not patient.sms_opt_in:
            return "the patient opted out of SMS", None
        if patient.phone_invalid_at is not None and message.to_phone == patient.phone:
            return "the number was marked invalid", None
    if patient is not None and message.purpose in QUIET_PURPOSES:
        clinic = patient.clinic
        tz = ZoneInfo(patient.timezone)
        if quiet_now(now, tz=tz, quiet_start=clinic.quiet_hours_start, quiet_end=clinic.quiet_hours_end):
            if message.purpose == Purpose.REMINDER:
                return "quiet hours at the patient's place", None
            return "quiet hours at the patient's place", next_allowed(
                now, tz=tz, quiet_start=clinic.quiet_hours_start, quiet_end=clinic.quiet_hours_end
            )
    if message.purpose == Purpose.REMINDER and patient is not None:
        if patient.monitoring_ended_at is not None and patient.monitoring_ended_at <= now:
            return "monitoring has ended", None
        if (patient.pk, message.local_date) in checked_in:
            return "the patient already checked in that day", None
    if message.purpose == Purpose.PAGE and message.alert_id:
        status = alert_status.get(message.alert_id)
        if status is not None and status != AlertStatus.OPEN:
            return f"the alert was {status} before the page went", None
    return None


def message_send(*, message_id: int, now: datetime.datetime | None = None) -> str:
    """Send one outbox message (see messages_send): sent, logged, dropped, deferred, retry, failed or skipped."""
    return messages_send(message_ids=[message_id], now=now).get(message_id, "skipped")


def messages_send(*, message_ids: list[int], now: datetime.datetime | None = None) -> dict[int, str]:
    """Send outbox messages, each at most once however often this runs for it.

    1. Claim them: lock the queued, due rows that no other worker holds (skip locked) and set them
       sending in one compare-and-set; rows claimed elsewhere are skipped. Early ones are re-published
       for their time.
    2. Drop, with the reason, those that may no longer go (past their window, opted out, invalid
       number, already checked in, alert acknowledged); defer past the quiet hours those that may wait.
       The facts for this come in a few set-based queries for the whole batch.
    3. For each of the rest, take the sender's next rate slot (shared by all workers through Redis)
       and send it through Twilio (or, with no Twilio settings, write it to the log), SEND_THREADS at
       a time because the wait is the network's; record SID or error as each answer comes.
    Returns {message id: sent, logged, dropped, deferred, retry, failed or skipped}.
    """
    now = now or timezone.now()
    ids = list(dict.fromkeys(message_ids))
    outcomes = dict.fromkeys(ids, "skipped")
    queued = Message.objects.filter(pk__in=ids, status=Status.QUEUED)
    for message_id, send_after, purpose in queued.filter(send_after__gt=now).values_list("id", "send_after", "purpose"):
        # Early (a countdown that fired before its time, or a relay): publish again for the due time.
        _publish_sends([message_id], priority=_priority(purpose), countdown=(send_after - now).total_seconds(), queue=_queue(purpose))
        outcomes[message_id] = "deferred"
    with transaction.atomic():
        claimable = list(
            queued.filter(Q(send_after__isnull=True) | Q(send_after__lte=now))
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)
        )
        if claimable:
            Message.objects.filter(pk__in=claimable, status=Status.QUEUED).update(status=Status.SENDING, claimed_at=now, updated_at=now)
    if not claimable:
        return outcomes
    # claimed_at=now identifies our claim also where row locks do not exist (SQLite serializes writers).
    messages = list(Message.objects.select_related("patient", "patient__clinic").filter(pk__in=claimable, status=Status.SENDING, claimed_at=now))
    reminders = [m for m in messages if m.purpose == Purpose.REMINDER and m.patient_id]
    checked_in = set()
    if reminders:
        checked_in = set(
            DailyRecord.objects.filter(patient_id__in={m.patient_id for m in reminders}, date__in={m.local_date for m in reminders})
            .values_list("patient_id", "date")
        )
    alert_ids = {m.alert_id for m in messages if m.purpose == Purpose.PAGE and m.alert_id}
    alert_status = dict(Alert.objects.filter(pk__in=alert_ids).values_list("id", "status")) if alert_ids else {}

    to_send = []
    for message in messages:
        verdict = _reason_not_to_send(message, now, checked_in=checked_in, alert_status=alert_status)
        if verdict is None and message.purpose == Purpose.ENROLLMENT:
            verdict = _invitation_render(message, now)
        if verdict is None:
            to_send.append(message)
            continue
        reason, later = verdict
        if later is not None:
            outcomes[message.pk] = _defer(message, until=later, now=now)
        else:
            _finish(message, status=Status.DROPPED, now=now, reason=reason)
            outcomes[message.pk] = "dropped"

    if sms_backend() == "twilio":
        # A last attempt that broke off after Twilio may have taken the message: look before resending.
        for message in [m for m in to_send if m.error_code == MAYBE_SENT]:
            try:
                # The failed attempt was at most the longest backoff ago.
                sid = _find_unrecorded(message, since=now - datetime.timedelta(seconds=2 * BACKOFF_SECONDS[-1]))
            except SmsSendError as exc:
                to_send.remove(message)
                outcomes[message.pk] = _send_failed(message, exc, now)
                continue
            if sid:
                to_send.remove(message)
                _finish(message, status=Status.SENT, now=now, provider_sid=sid, sent_at=now, error_code="", error_message="")
                _after_sent(message)
                outcomes[message.pk] = "sent"

    threads = min(_sender_threads(), len(to_send))
    if threads == 1:
        results = [(message, _deliver(message)) for message in to_send]
    elif to_send:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sms-send") as pool:
            results = list(zip(to_send, pool.map(_deliver, to_send), strict=True))
    else:
        results = []
    outcomes.update(_record(results, now))
    return outcomes


def _sender_threads() -> int:
    """Requests in flight per process: SEND_THREADS without a rate; with one, no more than the rate
    keeps busy (a thread per 5 messages a second), so slots are not reserved far ahead."""
    rate = settings.SMS_RATE_PER_SECOND
    return SEND_THREADS if rate <= 0 else max(1, min(SEND_THREADS, int(rate // 5) + 1))


def _deliver(message: Message):
    """Take a rate slot and hand the message over. Runs in a sender thread: no database here.

    Returns ("wait", None) when no rate slot came within RATE_MAX_WAIT, ("logged", None), ("sent", SentSms)
    or ("error", SmsSendError).
    """
    wait = rate_slot_reserve(sender=sender_id(), rate=settings.SMS_RATE_PER_SECOND, max_wait=RATE_MAX_WAIT)
    if wait is None:
        return "wait", None
    if wait > 0:
        time.sleep(wait)
    if sms_backend() == "log":
        # The stored body: an invitation's code stays masked in the log.
        logger.info("SMS (log backend) #%s %s to %s: %s", message.pk, message.purpose, message.to_phone, message.body)
        return "logged", None
    try:
        return "sent", sms_send(to=message.to_phone, body=_outgoing_body(message))
    except SmsSendError as exc:
        return "error", exc


def _record(results: list, now: datetime.datetime) -> dict[int, str]:
    """Write what Twilio answered: the messages it took in one UPDATE (a worker killed before it leaves
    them `sending`, and the relay finds them at Twilio), the others one by one."""
    outcomes = {}
    done = []
    for message, (kind, value) in results:
        if kind == "wait":
            outcomes[message.pk] = _defer(message, until=now + datetime.timedelta(seconds=RATE_MAX_WAIT), now=now)
        elif kind == "error":
            outcomes[message.pk] = _send_failed(message, value, now)
        else:
            message.provider_sid = value.sid if kind == "sent" else None
            message.from_phone = (value.from_phone or "")[:16] if kind == "sent" else ""
            done.append(message)
            outcomes[message.pk] = "logged" if kind == "logged" else "sent"
    if done:
        # The SIDs, which differ, in one CASE update; then the fields alike for all in a plain one.
        if sms_backend() == "twilio":
            _sids_record(done)
        Message.objects.filter(pk__in=[m.pk for m in done], status=Status.SENDING).update(
            status=Status.SENT if sms_backend() == "twilio" else Status.LOGGED,
            sent_at=now,
            attempts=F("attempts") + 1,
            error_code="",
            error_message="",
            reason="",
            updated_at=now,
        )
        for message in done:
            _after_sent(message)
    return outcomes


def _sids_record(messages: list[Message]) -> None:
    """Write the SIDs (and sender numbers) of a batch in one statement. Django's bulk_update builds a
    CASE expression per row and field, which cost more CPU than the send itself; this is the same
    UPDATE ... FROM (VALUES ...) that PostgreSQL and SQLite both run."""
    table = connection.ops.quote_name(Message._meta.db_table)
    rows = ", ".join(["(%s, %s, %s)"] * len(messages))
    params = [value for m in messages for value in (m.pk, m.provider_sid, m.from_phone)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET provider_sid = v.column2, from_phone = v.column3 FROM (VALUES {rows}) AS v "  # noqa: S608 - no user text in the SQL
            f"WHERE {table}.id = v.column1 AND {table}.status = %s",
            [*params, Status.SENDING],
        )


def _after_sent(message: Message) -> None:
    _invitation_done(message)


def _invitation_code_id(message: Message) -> int | None:
    """The enrollment code an invitation carries, from its key "enrollment:<patient>:<code>"."""
    parts = (message.dedupe_key or "").split(":")
    return int(parts[2]) if len(parts) == 3 and parts[0] == "enrollment" and parts[2].isdigit() else None


def _invitation_render(message: Message, now: datetime.datetime) -> tuple[str, None] | None:
    """Put the live code into an invitation at the moment it is handed over (never into the row).
    The stored body holds CODE_MASK; a code used, replaced or expired meanwhile drops the message."""
    code_id = _invitation_code_id(message)
    code = enrollment_code_for_sending(code_id=code_id, now=now) if code_id is not None else None
    if code is None or CODE_MASK not in message.body:
        return "the enrollment code was used, replaced or has expired", None
    message.outgoing_body = message.body.replace(CODE_MASK, code)
    return None


def _outgoing_body(message: Message) -> str:
    return getattr(message, "outgoing_body", message.body)


def _invitation_done(message: Message) -> None:
    """An invitation sent, dropped or failed: its code can no longer be derived by anyone."""
    if message.purpose == Purpose.ENROLLMENT:
        code_id = _invitation_code_id(message)
        if code_id is not None:
            enrollment_code_seed_forget(code_id=code_id)


def _send_failed(message: Message, exc: SmsSendError, now: datetime.datetime) -> str:
    """Retry with backoff what may pass (429, 5xx, network); fail for good what will not, acting on it."""
    attempts = message.attempts + 1
    code = MAYBE_SENT if exc.ambiguous else (exc.code or "")[:16]
    if exc.retryable and attempts < MAX_ATTEMPTS:
        delay = BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1]
        retry_at = now + datetime.timedelta(seconds=delay)
        if message.expires_at is None or retry_at < message.expires_at:
            changed = Message.objects.filter(pk=message.pk, status=Status.SENDING).update(
                status=Status.QUEUED,
                send_after=retry_at,
                queued_at=now,
                attempts=attempts,
                error_code=code,
                error_message=str(exc)[:500],
                updated_at=now,
            )
            if changed:
                _publish_sends([message.pk], priority=_priority(message.purpose), countdown=delay, queue=_queue(message.purpose))
            logger.info("SMS #%s: attempt %d failed (%s); retrying in %ds", message.pk, attempts, exc, delay)
            return "retry"
        _finish(message, status=Status.DROPPED, now=now, reason=f"could not be sent inside its window: {exc}", attempts=attempts, error_code=code, error_message=str(exc)[:500])
        _page_undelivered(message, now)
        return "dropped"
    reason = "Twilio refused it"
    if exc.code == INVALID_NUMBER:
        reason = "the number is not a valid mobile number"
    elif exc.code == OPTED_OUT:
        reason = "the recipient has opted out (STOP)"
    elif exc.retryable:
        reason = f"gave up after {attempts} attempts"
    _finish(message, status=Status.FAILED, now=now, reason=reason, attempts=attempts, error_code=code, error_message=str(exc)[:500])
    if exc.code == INVALID_NUMBER:
        _number_invalid(message, now)
    elif exc.code == OPTED_OUT:
        patients_sms_opt_out(phone=message.to_phone, now=now, reason="Twilio answered 21610: the recipient sent STOP")
    logger.warning("SMS #%s failed for good: %s (%s)", message.pk, reason, exc.code)
    _page_undelivered(message, now)
    return "failed"


def _number_invalid(message: Message, now: datetime.datetime) -> None:
    """Mark the patient's number bad (21211): nothing more is sent to it until staff correct it."""
    if message.patient_id is None or message.purpose not in PATIENT_PURPOSES:
        logger.error("SMS #%s: staff number %s is not valid for SMS", message.pk, message.to_phone)
        return
    Patient.objects.filter(pk=message.patient_id, phone=message.to_phone, phone_invalid_at__isnull=True).update(
        phone_invalid_at=now, updated_at=now
    )
    Message.objects.filter(patient_id=message.patient_id, to_phone=message.to_phone, status=Status.QUEUED, purpose__in=PATIENT_PURPOSES).update(
        status=Status.DROPPED, reason="the number was marked invalid", updated_at=now
    )
    audit_record(actor=None, patient=message.patient_id, action="update", resource="patient", detail="phone marked invalid for SMS (Twilio 21211)", channel="sms")


def _find_unrecorded(message: Message, *, since: datetime.datetime) -> str | None:
    """A SID at Twilio for this message that no other row holds, or None."""
    sid = sms_find_sent(to=message.to_phone, body=_outgoing_body(message), since=since)
    if sid and Message.objects.filter(provider_sid=sid).exclude(pk=message.pk).exists():
        return None
    return sid


def outbox_relay(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Repair the outbox: what the broker dropped, what a dead worker left, what can no longer go.

    1. Queued messages past their window are dropped with the reason (a reminder never goes at night).
    2. Queued messages whose task was published more than RELAY_GRACE ago and not run are published again.
    3. Messages claimed longer than SEND_LEASE ago (the worker died mid-send) are looked up at Twilio:
       found, they are recorded as sent; not found, they go back to the queue (or are dropped, if late).
    """
    now = now or timezone.now()
    counts = {"dropped": 0, "requeued": 0, "recovered": 0}
    counts["dropped"] = Message.objects.filter(status=Status.QUEUED, expires_at__lte=now).update(
        status=Status.DROPPED, reason="past its window before it could be sent", updated_at=now
    )

    grace = RELAY_GRACE_BACKLOG if _broker_backlog() else RELAY_GRACE
    stale = list(
        Message.objects.filter(status=Status.QUEUED)
        .filter(Q(send_after__isnull=True) | Q(send_after__lte=now - grace))
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=now - grace))
        .order_by("created_at", "id")
        .values_list("id", "purpose")[:RELAY_BATCH]
    )
    if stale:
        Message.objects.filter(pk__in=[pk for pk, _ in stale], status=Status.QUEUED).update(queued_at=now)
        for priority, queue in {(_priority(purpose), _queue(purpose)) for _, purpose in stale}:
            lane = [pk for pk, purpose in stale if (_priority(purpose), _queue(purpose)) == (priority, queue)]
            _publish_sends(lane, priority=priority, queue=queue)
        counts["requeued"] += len(stale)

    stuck = Message.objects.filter(status=Status.SENDING, claimed_at__lte=now - SEND_LEASE).order_by("claimed_at")[:RELAY_BATCH]
    for message in stuck:
        outcome = _stuck_resolve(message, now)
        if outcome:
            counts[outcome] += 1
    if any(counts.values()):
        logger.info("outbox relay: %s", counts)
    return counts


def _broker_backlog() -> int:
    """Tasks waiting in the broker's default queue (0 when it cannot tell): with a backlog, queued
    messages are waiting their turn, not lost, and republishing them would only pile up duplicates."""
    from notifications.tasks import send_message_task

    app = send_message_task.app
    try:
        with app.connection_for_read() as connection:
            declared = connection.default_channel.queue_declare(queue=app.conf.task_default_queue, passive=True)
            return int(declared.message_count or 0)
    except Exception:  # noqa: BLE001 - an unknown backlog is treated as none: republish (sends are idempotent)
        return 0


def _stuck_resolve(message: Message, now: datetime.datetime) -> str | None:
    if sms_backend() == "twilio":
        try:
            sid = _find_unrecorded(message, since=message.claimed_at)
        except SmsSendError:
            logger.warning("outbox relay: could not ask Twilio about SMS #%s; next run", message.pk)
            return None
        if sid:
            _finish(message, status=Status.SENT, now=now, provider_sid=sid, sent_at=message.claimed_at, attempts=F("attempts") + 1)
            _after_sent(message)
            return "recovered"
    if message.expires_at is not None and now >= message.expires_at:
        _finish(message, status=Status.DROPPED, now=now, reason="past its window before it could be sent")
        return "dropped"
    changed = Message.objects.filter(pk=message.pk, status=Status.SENDING, claimed_at=message.claimed_at).update(
        status=Status.QUEUED, claimed_at=None, queued_at=now, updated_at=now
    )
    if changed:
        _publish_sends([message.pk], priority=_priority(message.purpose), queue=_queue(message.purpose))
        return "requeued"
    return None


# --- reminders --------------------------------------------------------------------------------------


def reminders_enqueue(*, now: datetime.datetime | None = None, batch_size: int = 1000) -> int:
    """Write the reminders due at `now` (see selectors.reminders_due) and queue their sends.

    Rows go in with one INSERT per batch, each batch in its own transaction, its sends published when
    it commits. The unique key (patient, local date) makes a rerun, a retry or a concurrent run write
    nothing twice. Returns the number of reminders written.
    """
    now = now or timezone.now()
    written = 0
    batch: list[DueReminder] = []
    for due in reminders_due(now=now):
        batch.append(due)
        if len(batch) >= batch_size:
            written += _reminders_write(batch, now)
            batch = []
    if batch:
        written += _reminders_write(batch, now)
    if written:
        logger.info("reminders: %d written at %s", written, now.isoformat())
    return written


def _reminders_write(batch: list[DueReminder], now: datetime.datetime) -> int:
    keys = [f"reminder:{due.patient_id}:{due.local_date.isoformat()}" for due in batch]
    # Each reminder carries its own web check-in link (one INSERT for the batch); the links of a rerun's
    # reminders that were already written simply go unused and expire.
    links = checkin_links_issue(requests=[LinkRequest(due.patient_id, due.local_date, due.timezone) for due in batch])
    rows = [
        Message(
            purpose=Purpose.REMINDER,
            patient_id=due.patient_id,
            to_phone=due.phone,
            body=texts.reminder_text(language=due.language, clinic=due.clinic_name, link=link),
            dedupe_key=key,
            local_date=due.local_date,
            send_after=due.window.opens,
            expires_at=due.window.closes,
            queued_at=now,
        )
        for due, key, link in zip(batch, keys, links, strict=True)
    ]
    with transaction.atomic():
        Message.objects.bulk_create(rows, ignore_conflicts=True)
        ids = list(
            Message.objects.filter(dedupe_key__in=keys, status=Status.QUEUED, queued_at=now).values_list("id", flat=True)
        )
        _publish_sends_on_commit(ids, priority=PRIORITY_BULK)
    return len(ids)


# --- the enrollment invitation ------------------------------------------------------------------------


def enrollment_invitation_enqueue(*, patient: Patient, code_id: int, now: datetime.datetime | None = None) -> Message | None:
    """Text the patient the enrollment code, in the caller's transaction, where the patient opted in.

    Outside the clinic's quiet hours it goes at once; inside them, when they end. The stored body
    holds the code masked; the send puts the live code in at the moment it is handed over.
    """
    if not patient.sms_opt_in or patient.phone_invalid_at is not None:
        return None
    now = now or timezone.now()
    clinic = patient.clinic
    send_at = next_allowed(now, tz=ZoneInfo(patient.timezone), quiet_start=clinic.quiet_hours_start, quiet_end=clinic.quiet_hours_end)
    return message_enqueue(
        purpose=Purpose.ENROLLMENT,
        patient=patient,
        to_phone=patient.phone,
        body=texts.invitation_text(
            language=patient.language, clinic=clinic.name, code=CODE_MASK, days=settings.ENROLLMENT_CODE_DAYS,
            link=checkin_link_issue(patient=patient, now=now),
        ),
        dedupe_key=f"enrollment:{patient.pk}:{code_id}",
        send_after=send_at if send_at > now else None,
        expires_at=now + datetime.timedelta(days=settings.ENROLLMENT_CODE_DAYS),
        now=now,
    )


# --- staff pages ------------------------------------------------------------------------------------


def _initials(patient: Patient) -> str:
    return "".join(f"{name.strip()[:1].upper()}." for name in (patient.first_name, patient.last_name) if name.strip())


def _nurse_phone(membership) -> str:
    try:
        return membership.user.nurse_profile.phone or ""
    except Exception:  # noqa: BLE001 - a user without a nurse profile has no phone
        return ""


def alert_page(
    *,
    alert_id: int,
    due_before: datetime.datetime | None = None,
    failed_level: int | None = None,
    now: datetime.datetime | None = None,
) -> Message | None:
    """Page the next on-call nurse about an alert that is still open and owes a page.

    The first page goes to the first nurse of the clinic's roster; when `due_before` is given (an
    escalation), the alert is paged again only if its last page is older than that, to the next nurse
    (round the roster again after the last). When `failed_level` is given, page number `failed_level`
    could not be delivered: the next nurse is paged at once, if that page is still the latest and the
    roster has not been gone round yet (after that, the escalation time applies). The alert row is
    locked, so two relays never page twice. The page carries the patient's initials and id, the alert
    kind and a link to the dashboard.
    """
    now = now or timezone.now()
    with transaction.atomic():
        alert = Alert.objects.select_for_update(of=("self",)).select_related("patient").filter(pk=alert_id).first()
        if alert is None or not alert.page_required or alert.status != AlertStatus.OPEN:
            return None
        if failed_level is not None:
            if alert.page_level != failed_level:
                return None  # a later page has gone out since
        elif alert.paged_at is not None and (due_before is None or alert.paged_at > due_before):
            return None
        roster = [m for m in on_call_roster(clinic_id=alert.patient.clinic_id) if _nurse_phone(m)]
        if not roster:
            logger.error("alert %s owes a page but clinic %s has no on-call nurse with a phone", alert.pk, alert.patient.clinic_id)
            return None
        if failed_level is not None and failed_level >= len(roster):
            logger.error("alert %s: page %s failed and every on-call nurse has been tried; next at the escalation", alert.pk, failed_level)
            return None
        # New evidence on an alert already paged (paged_at cleared, page_level kept) goes to the nurse
        # paged last, who has the patient in hand; an escalation or a failed page to the next one.
        repage = alert.paged_at is None and alert.page_level > 0 and failed_level is None
        nurse = roster[(alert.page_level - 1 if repage else alert.page_level) % len(roster)]
        level = alert.page_level + 1
        body = texts.page_text(
            severity=alert.severity,
            initials=_initials(alert.patient),
            patient_id=alert.patient_id,
            kind=alert.kind,
            url=f"{settings.PUBLIC_BASE_URL}/patients/{alert.patient_id}/",
            escalated_minutes=settings.PAGE_ESCALATION_MINUTES if level > 1 and failed_level is None and not repage else None,
            previous_failed=failed_level is not None,
            symptoms=_alert_symptoms(alert),
            new_evidence=repage,
        )
        earlier = Message.objects.filter(dedupe_key=_page_key(alert.pk, level)).values_list("pk", flat=True).first()
        message = message_enqueue(
            purpose=Purpose.PAGE,
            to_phone=_nurse_phone(nurse),
            body=body,
            patient=alert.patient,
            recipient_user=nurse.user,
            alert_id=alert.pk,
            dedupe_key=_page_key(alert.pk, level),
            now=now,
        )
        Alert.objects.filter(pk=alert.pk).update(paged_at=now, page_level=level, updated_at=now)
        if earlier is not None:
            # This level's page was written before (a replayed relay): the history says paged once.
            return message
        why = f"; page {failed_level} could not be delivered" if failed_level is not None else ""
        why = "; new evidence" if repage else why
        AlertEvent.objects.create(
            alert=alert, action=AlertEvent.Action.PAGED, note=f"SMS page to {nurse.user.get_username()} (page {level}{why})"
        )
    return message


def _alert_symptoms(alert: Alert) -> list[str]:
    """The red-flag symptoms an alert carries, most recent report first, each once."""
    if alert.kind != AlertKind.RED_FLAG:
        return []
    codes: list[str] = []
    for report in sorted(reversed((alert.details or {}).get("reports") or []), key=lambda r: r[0], reverse=True):
        if len(report) > 1 and report[1] not in codes:
            codes.append(report[1])
    return codes


def _page_key(alert_id: int, level: int) -> str:
    return f"page:{alert_id}:{level}"


def _page_undelivered(message: Message, now: datetime.datetime) -> None:
    """A page that will not reach its nurse (refused, undeliverable, given up): page the next one now."""
    if message.purpose != Purpose.PAGE or message.alert_id is None:
        return
    prefix, _, level = (message.dedupe_key or "").rpartition(":")
    if prefix != f"page:{message.alert_id}" or not level.isdigit():
        return
    alert_page(alert_id=message.alert_id, failed_level=int(level), now=now)


def pages_relay(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Pages owed and not sent (the signal's receiver missed them), and escalations: an alert still
    open PAGE_ESCALATION_MINUTES after its last page pages the next nurse on the roster."""
    now = now or timezone.now()
    due_before = now - datetime.timedelta(minutes=settings.PAGE_ESCALATION_MINUTES)
    owed = Alert.objects.filter(page_required=True, status=AlertStatus.OPEN)
    counts = {"paged": 0, "escalated": 0}
    for alert_id in owed.filter(paged_at__isnull=True).order_by("created_at").values_list("id", flat=True)[:RELAY_BATCH]:
        if alert_page(alert_id=alert_id, now=now):
            counts["paged"] += 1
    for alert_id in owed.filter(paged_at__lte=due_before).order_by("paged_at").values_list("id", flat=True)[:RELAY_BATCH]:
        if alert_page(alert_id=alert_id, due_before=due_before, now=now):
            counts["escalated"] += 1
    if any(counts.values()):
        logger.info("pages relay: %s", counts)
    return counts


# --- consent ----------------------------------------------------------------------------------------


def patients_sms_opt_out(*, phone: str, now: datetime.datetime, reason: str = "STOP") -> int:
    """Stop texting a number (carriers hold opt-out per number): every patient with it, and their queue."""
    patients = list(Patient.objects.filter(phone=phone, sms_opt_in=True).values_list("id", flat=True))
    if not patients:
        return 0
    Patient.objects.filter(pk__in=patients).update(sms_opt_in=False, sms_opt_out_at=now, updated_at=now)
    Message.objects.filter(patient_id__in=patients, status=Status.QUEUED, purpose__in=PATIENT_PURPOSES).update(
        status=Status.DROPPED, reason="the patient opted out of SMS", updated_at=now
    )
    for patient_id in patients:
        audit_record(actor=None, patient=patient_id, action="update", resource="sms_consent", detail=f"opted out: {reason}"[:500], channel="sms")
    return len(patients)


def patients_sms_opt_in(*, phone: str, now: datetime.datetime) -> int:
    patients = list(Patient.objects.filter(phone=phone, sms_opt_in=False).values_list("id", flat=True))
    Patient.objects.filter(pk__in=patients).update(sms_opt_in=True, sms_consent_at=now, sms_opt_out_at=None, updated_at=now)
    for patient_id in patients:
        audit_record(actor=None, patient=patient_id, action="update", resource="sms_consent", detail="opted in: START", channel="sms")
    return len(patients)


# --- inbound SMS and delivery status ----------------------------------------------------------------


def sms_client_id(message_sid: str) -> uuid.UUID:
    """The check-in client_id of an SMS: the same for a webhook that Twilio retries, so it replays."""
    return uuid.uuid5(_SMS_NAMESPACE, message_sid)


def sms_receive(*, from_phone: str, to_phone: str, body: str, message_sid: str, now: datetime.datetime | None = None) -> str:
    """Act on one inbound SMS and return the answer's text.

    An unknown number gets a neutral answer and nothing is stored. Otherwise the message goes into the
    history (once per MessageSid: a retried webhook gets the first answer again), audited, then:
    STOP words opt out, START words opt back in, HELP words get help with the clinic's phone, a
    check-in (a pain 0-10, or the grammar's readings) is merged into the patient's local today through
    checkin_submit. Whatever the grammar did not fully read waits for a nurse as an unread message, and
    the answer says so. A text from a phone that several active patients share is given to none of
    them: it waits for the nurses with the candidates named (sms_sender).
    """
    now = now or timezone.now()
    sender = sms_sender(phone=from_phone)
    if sender.patient is None and not sender.sharing:
        return texts.unknown_sender_text()
    body = (body or "")[:1600]
    answer_key = f"answer:{message_sid}" if message_sid else None
    with transaction.atomic():
        if answer_key:
            previous = Message.objects.filter(dedupe_key=answer_key).values_list("body", flat=True).first()
            if previous is not None:
                return previous
        try:
            with transaction.atomic():
                inbound = Message.objects.create(
                    direction=Message.Direction.INBOUND,
                    purpose=Purpose.INBOUND,
                    status=Status.RECEIVED,
                    patient=sender.patient,
                    to_phone=(to_phone or "")[:16],
                    from_phone=from_phone[:16],
                    body=body,
                    provider_sid=message_sid or None,
                )
        except IntegrityError:
            # The same MessageSid arrived concurrently and has been handled: answer as it was answered.
            return Message.objects.filter(dedupe_key=answer_key).values_list("body", flat=True).first() or ""
        for patient in (sender.patient,) if sender.patient else sender.sharing:
            audit_record(actor=None, patient=patient, action="create", resource="sms", detail=f"inbound SMS #{inbound.pk}", channel="sms", at=now)
        if sender.patient is not None:
            purpose, answer = _inbound_act(patient=sender.patient, body=body, inbound=inbound, message_sid=message_sid, now=now)
        else:
            purpose, answer = _inbound_shared(sharing=sender.sharing, body=body, inbound=inbound, now=now)
        Message.objects.create(
            purpose=purpose,
            status=Status.SENT,
            patient=sender.patient,
            to_phone=from_phone[:16],
            from_phone=(to_phone or "")[:16],
            body=answer,
            dedupe_key=answer_key,
            sent_at=now,
            reason="answered in the webhook response (TwiML)",
        )
    return answer


def _unread(*, patient: Patient, body: str, inbound: Message, now: datetime.datetime) -> None:
    """The patient's words the grammar did not fully read, kept unread for the clinic's nurses."""
    patient_message_record(
        clinic_id=patient.clinic_id, patient_id=patient.pk, text=body, channel=Channel.SMS, reason=MessageReason.NOT_UNDERSTOOD,
        received_at=now, date=patient.local_today(now), source=str(inbound.pk),
    )


def _inbound_act(*, patient: Patient, body: str, inbound: Message, message_sid: str, now: datetime.datetime) -> tuple[str, str]:
    clinic = patient.clinic
    acted = yes_no_read(body)
    if acted is not None:
        # A YES or NO while we wait for the answer to a follow-up question is that answer.
        follow_up = advice_follow_up_pending(patient=patient)
        if follow_up is not None:
            return Purpose.REPLY, advice_follow_up_answer(follow_up=follow_up, acted=acted, now=now)
    reading = sms_read(body)
    if reading.kind == "opt_out":
        patients_sms_opt_out(phone=patient.phone, now=now, reason=f"the patient texted {body.strip()[:20]!r}")
        return Purpose.OPT_OUT, texts.opted_out_text(language=patient.language, clinic=clinic.name)
    if reading.kind == "opt_in":
        patients_sms_opt_in(phone=patient.phone, now=now)
        return Purpose.OPT_IN, texts.opted_in_text(language=patient.language, clinic=clinic.name)
    if reading.kind == "help":
        if body.strip().strip(".!?").upper() == "INFO":
            # What to expect at this stage of the recovery, from the clinic's own guidance.
            guidance = guidance_for(patient, patient.recovery_day(patient.local_today(now)), patient.language)
            if guidance:
                return Purpose.HELP, texts.info_text(language=patient.language, guidance=guidance, clinic_phone=clinic.phone)
        return Purpose.HELP, texts.help_text(language=patient.language, clinic=clinic.name, clinic_phone=clinic.phone)
    if reading.kind == "checkin":
        fields = dict(reading.fields)
        if not reading.complete:
            # Part of it was not understood: the patient's own words go on the day's record and wait
            # for a nurse as an unread message (checkin_submit keeps the note as one).
            fields["note"] = body[:2000]
        try:
            outcome = checkin_submit(
                patient=patient,
                client_id=sms_client_id(message_sid) if message_sid else uuid.uuid4(),
                date=patient.local_today(now),
                fields=fields,
                channel=Channel.SMS,
                now=now,
                audit=AuditSource.of(patient.user, channel="sms"),
                note_reason=MessageReason.NOT_UNDERSTOOD,
                note_source=str(inbound.pk),
            )
        except ValidationError:
            # Before the surgery date: there is no recovery day to record it on; a nurse reads it.
            _unread(patient=patient, body=body, inbound=inbound, now=now)
            return Purpose.HELP, texts.not_understood_text(language=patient.language, clinic=clinic.name, clinic_phone=clinic.phone)
        answer = texts.thanks_text(language=patient.language, fields=fields, advice=outcome.body.get("advice"))
        if not reading.complete:
            answer = texts.partly_read_text(language=patient.language, answer=answer)
        return Purpose.REPLY, answer
    if reading.complete:
        # Understood, with nothing to record ("thanks", "no fever"): kept in the history, thanked.
        return Purpose.REPLY, texts.received_text(language=patient.language)
    _unread(patient=patient, body=body, inbound=inbound, now=now)
    return Purpose.HELP, texts.not_understood_text(language=patient.language, clinic=clinic.name, clinic_phone=clinic.phone)


def _inbound_shared(*, sharing: tuple[Patient, ...], body: str, inbound: Message, now: datetime.datetime) -> tuple[str, str]:
    """A text from a phone that several active patients hold: carrier keywords act on the number; any
    other text waits for the nurses of each clinic involved, naming that clinic's candidates, and the
    sender is told that a nurse will read it (with the red-flag advice where it names a red flag)."""
    lead = sharing[0]
    reading = sms_read(body)
    if reading.kind == "opt_out":
        patients_sms_opt_out(phone=lead.phone, now=now, reason=f"the number texted {body.strip()[:20]!r}")
        return Purpose.OPT_OUT, texts.opted_out_text(language=lead.language, clinic=lead.clinic.name)
    if reading.kind == "opt_in":
        patients_sms_opt_in(phone=lead.phone, now=now)
        return Purpose.OPT_IN, texts.opted_in_text(language=lead.language, clinic=lead.clinic.name)
    if reading.kind == "help":
        return Purpose.HELP, texts.help_text(language=lead.language, clinic=lead.clinic.name, clinic_phone=lead.clinic.phone)
    by_clinic: dict[int, list[Patient]] = {}
    for patient in sharing:
        by_clinic.setdefault(patient.clinic_id, []).append(patient)
    for clinic_id, patients in by_clinic.items():
        patient_message_record(
            clinic_id=clinic_id, patient_id=None, text=body, channel=Channel.SMS, reason=MessageReason.SHARED_PHONE,
            received_at=now, candidates=[p.pk for p in patients],
            source=str(inbound.pk) if len(by_clinic) == 1 else f"{inbound.pk}/{clinic_id}",
        )
    advice = red_flag_advice(reading.fields.get("symptoms"), language=lead.language, procedure=lead.procedure)
    return Purpose.HELP, texts.shared_phone_text(language=lead.language, clinic=lead.clinic.name, clinic_phone=lead.clinic.phone, advice=advice)


# Twilio's message statuses, as ours; the first final one (delivered, undelivered, failed) stands.
_DELIVERY = {
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "read": Status.DELIVERED,
    "undelivered": Status.UNDELIVERED,
    "failed": Status.FAILED,
}
_FINAL = frozenset({Status.DELIVERED, Status.UNDELIVERED, Status.FAILED})


def message_status_record(*, provider_sid: str, status: str, error_code: str = "", now: datetime.datetime | None = None) -> bool:
    """Record a delivery status callback. An unknown SID or status changes nothing (returns False)."""
    now = now or timezone.now()
    ours = _DELIVERY.get((status or "").strip().lower())
    if not provider_sid or ours is None:
        return False
    message = Message.objects.filter(provider_sid=provider_sid, direction=Message.Direction.OUTBOUND).first()
    if message is None or message.status in _FINAL or message.status == ours:
        return False
    fields = {"status": ours, "updated_at": now}
    if ours == Status.DELIVERED:
        fields["delivered_at"] = now
    if ours in (Status.UNDELIVERED, Status.FAILED):
        fields["error_code"] = (error_code or "")[:16]
        fields["reason"] = f"Twilio reported {status} ({error_code or 'no code'})"[:200]
    changed = Message.objects.filter(pk=message.pk, status=message.status).update(**fields)
    if changed and error_code == INVALID_NUMBER:
        _number_invalid(message, now)
    elif changed and error_code == OPTED_OUT:
        patients_sms_opt_out(phone=message.to_phone, now=now, reason="Twilio reported 21610: the recipient sent STOP")
    if changed and ours in (Status.UNDELIVERED, Status.FAILED):
        _page_undelivered(message, now)
    return bool(changed)
