"""Sending the outbox: a Celery task claims its messages (queued -> sending, a compare-and-set), takes
a slot of the sender's rate and hands each to Twilio through notifications.twilio; the outbox relay
finds what the broker dropped or a dead worker left.
"""

import datetime
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications.caregiver_messages import caregiver_number_opt_out, caregiver_reason_not_to_send
from notifications.link_bodies import link_bodies_done, link_bodies_render
from notifications.models import Message
from notifications.ratelimit import rate_slot_reserve
from notifications.schedule import next_allowed, quiet_now
from notifications.services.inbound import number_invalid, patients_sms_opt_out
from notifications.services.invitation import invitation_done, invitation_render
from notifications.services.outbox import CAREGIVER_PURPOSES, PATIENT_PURPOSES, QUIET_PURPOSES, lane_priority, lane_queue
from notifications.services.pages import page_undelivered
from notifications.services.publish import broker_backlog, sends_publish
from notifications.twilio import (
    INVALID_NUMBER,
    OPTED_OUT,
    SmsSendError,
    sender_id,
    sms_backend,
    sms_find_sent,
    sms_send,
)
from recovery.choices import AlertStatus
from recovery.models import Alert, DailyRecord
from webcheckin.links import checkin_link_seeds_expire

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
# HTTP requests in flight per worker process: Twilio answers in ~100-300 ms, mostly waiting.
SEND_THREADS = 4
# The error code recorded when a send broke off after Twilio may have taken it.
MAYBE_SENT = "maybe-sent"


def _defer(message: Message, *, until: datetime.datetime, now: datetime.datetime) -> str:
    """Put a claimed message back in the queue until `until`, and publish its send for then."""
    changed = Message.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=Status.QUEUED, send_after=until, queued_at=now, claimed_at=None, updated_at=now
    )
    if changed:
        sends_publish([message.pk], priority=lane_priority(message.purpose), countdown=max(0.0, (until - now).total_seconds()),
                       queue=lane_queue(message.purpose))
    return "deferred"


def _finish(message: Message, *, status: str, now: datetime.datetime, reason: str = "", **fields) -> None:
    """Record the outcome of a claimed message (only while it is still ours: status sending)."""
    Message.objects.filter(pk=message.pk, status=Status.SENDING).update(status=status, reason=reason[:200], updated_at=now, **fields)
    if status in (Status.DROPPED, Status.FAILED):
        invitation_done(message)
        link_bodies_done([message])


def _reason_not_to_send(
    message: Message, now: datetime.datetime, *, checked_in: set, alert_status: dict
) -> tuple[str, datetime.datetime | None] | None:
    """Why a message must not go now: (reason, None) to drop it, (reason, when) to defer it."""
    if message.expires_at is not None and now >= message.expires_at:
        return f"past its window (closed {message.expires_at:%Y-%m-%d %H:%M} UTC)", None
    if message.caregiver_id is not None:
        return caregiver_reason_not_to_send(message, now, checked_in=checked_in)
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
        sends_publish([message_id], priority=lane_priority(purpose), countdown=(send_after - now).total_seconds(), queue=lane_queue(purpose))
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
    messages = list(
        Message.objects.select_related("patient", "patient__clinic", "caregiver").filter(pk__in=claimable, status=Status.SENDING, claimed_at=now)
    )
    reminders = [m for m in messages if (m.purpose == Purpose.REMINDER or m.purpose in CAREGIVER_PURPOSES) and m.patient_id]
    checked_in = set()
    if reminders:
        checked_in = set(
            DailyRecord.objects.filter(patient_id__in={m.patient_id for m in reminders}, date__in={m.local_date for m in reminders})
            .values_list("patient_id", "date")
        )
    alert_ids = {m.alert_id for m in messages if m.purpose == Purpose.PAGE and m.alert_id}
    alert_status = dict(Alert.objects.filter(pk__in=alert_ids).values_list("id", "status")) if alert_ids else {}

    # The live links go into the texts handed over, never into the rows (one query for the batch).
    link_refused = link_bodies_render(messages, now=now)

    to_send = []
    for message in messages:
        verdict = _reason_not_to_send(message, now, checked_in=checked_in, alert_status=alert_status)
        if verdict is None and message.pk in link_refused:
            verdict = link_refused[message.pk], None
        if verdict is None and message.purpose == Purpose.ENROLLMENT:
            verdict = invitation_render(message, now)
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
                link_bodies_done([message])
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
        link_bodies_done(done)
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
    invitation_done(message)


def _outgoing_body(message: Message) -> str:
    return getattr(message, "outgoing_body", message.body)


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
                sends_publish([message.pk], priority=lane_priority(message.purpose), countdown=delay, queue=lane_queue(message.purpose))
            logger.info("SMS #%s: attempt %d failed (%s); retrying in %ds", message.pk, attempts, exc, delay)
            return "retry"
        _finish(message, status=Status.DROPPED, now=now, reason=f"could not be sent inside its window: {exc}", attempts=attempts, error_code=code, error_message=str(exc)[:500])
        page_undelivered(message, now)
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
        number_invalid(message, now)
    elif exc.code == OPTED_OUT:
        patients_sms_opt_out(phone=message.to_phone, now=now, reason="Twilio answered 21610: the recipient sent STOP")
        caregiver_number_opt_out(phone=message.to_phone, now=now, reason="Twilio answered 21610: the recipient sent STOP")
    logger.warning("SMS #%s failed for good: %s (%s)", message.pk, reason, exc.code)
    page_undelivered(message, now)
    return "failed"


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
    # The links of messages dropped without a send (here, by an opt-out...) are past use: forget their seeds.
    checkin_link_seeds_expire(now=now)

    grace = RELAY_GRACE_BACKLOG if broker_backlog() else RELAY_GRACE
    stale = list(
        Message.objects.filter(status=Status.QUEUED)
        .filter(Q(send_after__isnull=True) | Q(send_after__lte=now - grace))
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=now - grace))
        .order_by("created_at", "id")
        .values_list("id", "purpose")[:RELAY_BATCH]
    )
    if stale:
        Message.objects.filter(pk__in=[pk for pk, _ in stale], status=Status.QUEUED).update(queued_at=now)
        for priority, queue in {(lane_priority(purpose), lane_queue(purpose)) for _, purpose in stale}:
            lane = [pk for pk, purpose in stale if (lane_priority(purpose), lane_queue(purpose)) == (priority, queue)]
            sends_publish(lane, priority=priority, queue=queue)
        counts["requeued"] += len(stale)

    stuck = Message.objects.filter(status=Status.SENDING, claimed_at__lte=now - SEND_LEASE).order_by("claimed_at")[:RELAY_BATCH]
    for message in stuck:
        outcome = _stuck_resolve(message, now)
        if outcome:
            counts[outcome] += 1
    if any(counts.values()):
        logger.info("outbox relay: %s", counts)
    return counts


def _stuck_resolve(message: Message, now: datetime.datetime) -> str | None:
    if sms_backend() == "twilio":
        if message.purpose == Purpose.ENROLLMENT:
            invitation_render(message, now)
        # Twilio holds the text as it was handed over: look for it with the live link in.
        link_bodies_render([message], now=now)
        try:
            sid = _find_unrecorded(message, since=message.claimed_at)
        except SmsSendError:
            logger.warning("outbox relay: could not ask Twilio about SMS #%s; next run", message.pk)
            return None
        if sid:
            _finish(message, status=Status.SENT, now=now, provider_sid=sid, sent_at=message.claimed_at, attempts=F("attempts") + 1)
            _after_sent(message)
            link_bodies_done([message])
            return "recovered"
    if message.expires_at is not None and now >= message.expires_at:
        _finish(message, status=Status.DROPPED, now=now, reason="past its window before it could be sent")
        return "dropped"
    changed = Message.objects.filter(pk=message.pk, status=Status.SENDING, claimed_at=message.claimed_at).update(
        status=Status.QUEUED, claimed_at=None, queued_at=now, updated_at=now
    )
    if changed:
        sends_publish([message.pk], priority=lane_priority(message.purpose), queue=lane_queue(message.purpose))
        return "requeued"
    return None
