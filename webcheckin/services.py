"""Writes of the web check-in: a check-in through a link, a new link by SMS, and the count of bad tokens."""

import dataclasses
import datetime
import uuid

from django.core.cache import cache
from django.db import transaction

from caregivers.models import Caregiver
from caregivers.services import caregiver_checkin_record
from notifications import texts as sms_texts
from notifications.models import Message
from notifications.services.outbox import message_enqueue
from patients.audit import AuditSource
from recovery.choices import Channel
from recovery.services.checkins import CheckinOutcome, checkin_submit
from webcheckin.links import checkin_link_claim, checkin_link_issue
from webcheckin.models import CheckinLink

# New links a patient may ask for by SMS in one patient-local day (the dedupe keys hold the count).
NEW_LINKS_PER_DAY = 3
# Tokens that match no link, per client address and hour, before every link page answers 429.
MISSES_PER_HOUR = 20
_MISS_WINDOW = 3600


def web_checkin_submit(
    *, link: CheckinLink, client_id: uuid.UUID, fields: dict, now: datetime.datetime, audit: AuditSource,
    caregiver: Caregiver | None = None,
) -> CheckinOutcome | None:
    """Check in through a link: claim the link and store the check-in together, or neither.

    None when the link cannot check in any more (used by another check-in, or expired). The same form
    sent twice (same client_id) claims nothing new and gets the first answer, as the API's replay does.
    A ValidationError from checkin_submit (a date outside surgery..today) undoes the claim. A caregiver
    answering for the patient is recorded with the check-in (who answered) and named in its audit row.
    """
    if caregiver is not None:
        audit = dataclasses.replace(audit, actor_label=f"caregiver {caregiver.pk}: {caregiver.name}"[:150])
    with transaction.atomic():
        if not checkin_link_claim(link=link, client_id=client_id, now=now):
            return None
        outcome = checkin_submit(
            patient=link.patient, client_id=client_id, date=link.date, fields=fields, channel=Channel.WEB, now=now, audit=audit
        )
        if caregiver is not None and outcome.status != "duplicate":
            caregiver_checkin_record(caregiver=caregiver, client_id=client_id, date=link.date, channel=Channel.WEB, now=now)
        return outcome


def checkin_link_resend(*, link: CheckinLink, now: datetime.datetime) -> str:
    """Text the link's patient a fresh link for the local today, through the outbox.

    At most NEW_LINKS_PER_DAY a patient-local day: the n-th request of the day takes the dedupe key
    `checkin-link:<patient>:<date>:<n>`, so the unique key holds the limit under concurrent taps.
    Returns `sent`, `limit`, or `no_sms` (opted out, number invalid, or monitoring ended).
    """
    patient = link.patient
    if not patient.sms_opt_in or patient.phone_invalid_at is not None or patient.monitoring_ended_at is not None:
        return "no_sms"
    today = patient.local_today(now)
    prefix = f"checkin-link:{patient.pk}:{today.isoformat()}:"
    with transaction.atomic():
        asked = Message.objects.filter(dedupe_key__startswith=prefix).count()
        if asked >= NEW_LINKS_PER_DAY:
            return "limit"
        url = checkin_link_issue(patient=patient, now=now)
        message_enqueue(
            purpose=Message.Purpose.REPLY,
            patient=patient,
            to_phone=patient.phone,
            body=sms_texts.checkin_link_text(language=patient.language, clinic=patient.clinic.name, link=url),
            dedupe_key=f"{prefix}{asked + 1}",
            expires_at=now + datetime.timedelta(hours=2),
            now=now,
        )
    return "sent"


def _miss_key(ip: str | None, now: datetime.datetime) -> str:
    return f"webcheckin:miss:{ip or '-'}:{int(now.timestamp()) // _MISS_WINDOW}"


def link_guessing_blocked(*, ip: str | None, now: datetime.datetime) -> bool:
    """Whether this address has tried too many tokens that match no link this hour."""
    return (cache.get(_miss_key(ip, now)) or 0) >= MISSES_PER_HOUR


def link_miss_count(*, ip: str | None, now: datetime.datetime) -> None:
    """Count one token that matched no link (a fixed window in the cache; Redis down counts nothing)."""
    key = _miss_key(ip, now)
    cache.add(key, 0, timeout=_MISS_WINDOW + 60)
    try:
        cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=_MISS_WINDOW + 60)
