"""The links that open a patient's web check-in with no password: minting, finding and claiming them.

A link is PUBLIC_BASE_URL + "/c/" + a random token of 128 bits (22 characters): nothing in it says who
the patient is, and only its SHA-256 is stored. It checks in for one patient-local date, once, and
expires at the end of the patient-local day after that date.

Depends only on patients: notifications mints links here to put them in its texts.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from patients.models import Patient
from webcheckin.models import CheckinLink

TOKEN_BYTES = 16
PATH_PREFIX = "/c/"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def link_url(token: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + PATH_PREFIX + token


def link_expiry(*, date: datetime.date, timezone_name: str) -> datetime.datetime:
    """The end of the patient-local day after `date` (local midnight two days on; zoneinfo handles DST)."""
    midnight = datetime.datetime.combine(date + datetime.timedelta(days=2), datetime.time(0))
    return midnight.replace(tzinfo=ZoneInfo(timezone_name)).astimezone(datetime.UTC)


@dataclass(frozen=True)
class LinkRequest:
    patient_id: int
    date: datetime.date
    timezone: str


def checkin_links_issue(*, requests: list[LinkRequest]) -> list[str]:
    """Mint one link per request, in one INSERT in the caller's transaction; their URLs, in order.

    A reminder batch calls this for thousands of patients at once.
    """
    tokens = [secrets.token_urlsafe(TOKEN_BYTES) for _ in requests]
    CheckinLink.objects.bulk_create(
        [
            CheckinLink(
                token_hash=token_hash(token),
                patient_id=request.patient_id,
                date=request.date,
                expires_at=link_expiry(date=request.date, timezone_name=request.timezone),
            )
            for request, token in zip(requests, tokens, strict=True)
        ]
    )
    return [link_url(token) for token in tokens]


def checkin_link_issue(*, patient: Patient, now: datetime.datetime, date: datetime.date | None = None) -> str:
    """A link for the patient's local today (or `date`), before surgery: for the surgery date."""
    date = date or max(patient.local_today(now), patient.surgery_date)
    return checkin_links_issue(requests=[LinkRequest(patient.pk, date, patient.timezone)])[0]


def checkin_link_find(token: str) -> CheckinLink | None:
    """The link of a token as it came in the URL, with its patient, clinic and login; None for a token we never issued.

    Queries: 1.
    """
    if not token or len(token) > 64:
        return None
    return CheckinLink.objects.select_related("patient", "patient__clinic", "patient__user").filter(token_hash=token_hash(token)).first()


def link_state(link: CheckinLink, *, now: datetime.datetime) -> str:
    """`open` (it can check in), `used`, or `expired`."""
    if link.expires_at <= now:
        return "expired"
    if link.used_at is not None:
        return "used"
    return "open"


def checkin_link_claim(*, link: CheckinLink, client_id, now: datetime.datetime) -> bool:
    """Mark the link used by this check-in, in the caller's transaction (a compare-and-set). True when
    this check-in may go ahead: it claimed the link, or it is the very check-in that claimed it before
    (a second tap on the same form, answered as the first)."""
    assert transaction.get_connection().in_atomic_block, "claim the link in the check-in's transaction"
    claimed = CheckinLink.objects.filter(pk=link.pk, used_at__isnull=True, expires_at__gt=now).update(
        used_at=now, used_client_id=client_id
    )
    if claimed:
        return True
    return CheckinLink.objects.filter(pk=link.pk, used_client_id=client_id, expires_at__gt=now).exists()
