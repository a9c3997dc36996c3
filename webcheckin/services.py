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
from webcheckin.links import LinkRequest, checkin_link_claim, checkin_links_issue_for_sms, masked_link_url
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
    """Text whoever the link was for (the patient, or the caregiver of a caregiver's link) a fresh link
    for the patient's local today, through the outbox, with the link masked in the stored body.

    At most NEW_LINKS_PER_DAY a patient-local day and person: the n-th request of the day takes the
    dedupe key `checkin-link:<patient>:<date>:<n>` (`checkin-link:<patient>:c<caregiver>:<date>:<n>`),
    so the unique key holds the limit under concurrent taps. Returns `sent`, `limit`, or `no_sms`
    (opted out, number invalid, or monitoring ended).
    """
    patient = link.patient
    caregiver = link.caregiver
    if patient.monitoring_ended_at is not None:
        return "no_sms"
    if caregiver is None and (not patient.sms_opt_in or patient.phone_invalid_at is not None):
        return "no_sms"
    if caregiver is not None and not caregiver.sms_opt_in:
        return "no_sms"
    today = patient.local_today(now)
    who = f"c{caregiver.pk}:" if caregiver is not None else ""
    prefix = f"checkin-link:{patient.pk}:{who}{today.isoformat()}:"
    language = caregiver.language if caregiver is not None else patient.language
    with transaction.atomic():
        asked = Message.objects.filter(dedupe_key__startswith=prefix).count()
        if asked >= NEW_LINKS_PER_DAY:
            return "limit"
        (link_id,) = checkin_links_issue_for_sms(
            requests=[LinkRequest(patient.pk, max(today, patient.surgery_date), patient.timezone, caregiver_id=caregiver.pk if caregiver else None)]
        )
        message_enqueue(
            purpose=Message.Purpose.REPLY,
            patient=patient,
            caregiver=caregiver,
            to_phone=caregiver.phone if caregiver is not None else patient.phone,
            body=sms_texts.checkin_link_text(language=language, clinic=patient.clinic.name, link=masked_link_url()),
            dedupe_key=f"{prefix}{asked + 1}",
            expires_at=now + datetime.timedelta(hours=2),
            now=now,
            checkin_link_id=link_id,
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
