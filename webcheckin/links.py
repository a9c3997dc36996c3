"""The links that open a patient's web check-in with no password: minting, finding and claiming them.

A link is PUBLIC_BASE_URL + "/c/" + a token of 128 bits (22 characters), derived with the server's key
from a random seed: nothing in it says who the patient is, and only its SHA-256 is stored. It checks in
for one patient-local date, once, and expires at the end of the patient-local day after that date.

A link an SMS carries keeps its seed until that SMS has been handed over: the outbox stores the body
with the link masked (LINK_MASK) and the send derives the live link again (checkin_link_urls_for_sending),
then forgets the seed, as an invitation's enrollment code is handled. A copy of the database then opens
no check-in, even while the link is still valid.

Depends only on patients: notifications mints links here to put them in its texts.
"""

import base64
import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from patients.models import Patient
from webcheckin.models import CheckinLink

TOKEN_BYTES = 16
PATH_PREFIX = "/c/"
# Stands for the token in a stored SMS body: never a token (tokens are URL-safe base64).
LINK_MASK = "*" * 22


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def link_url(token: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + PATH_PREFIX + token


def masked_link_url() -> str:
    """The link as a stored SMS body shows it: the address, the token masked."""
    return link_url(LINK_MASK)


def _token_from_seed(seed: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), b"checkin-link:" + bytes.fromhex(seed), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:TOKEN_BYTES]).decode("ascii").rstrip("=")


def link_expiry(*, date: datetime.date, timezone_name: str) -> datetime.datetime:
    """The end of the patient-local day after `date` (local midnight two days on; zoneinfo handles DST)."""
    midnight = datetime.datetime.combine(date + datetime.timedelta(days=2), datetime.time(0))
    return midnight.replace(tzinfo=ZoneInfo(timezone_name)).astimezone(datetime.UTC)


@dataclass(frozen=True)
class LinkRequest:
    patient_id: int
    date: datetime.date
    timezone: str
    # A caregiver's own link: what it checks in is recorded as the caregiver's.
    caregiver_id: int | None = None


def _mint(requests: list[LinkRequest], *, keep_seed: bool) -> tuple[list[CheckinLink], list[str]]:
    seeds = [secrets.token_hex(TOKEN_BYTES) for _ in requests]
    tokens = [_token_from_seed(seed) for seed in seeds]
    links = CheckinLink.objects.bulk_create(
        [
            CheckinLink(
                token_hash=token_hash(token),
                patient_id=request.patient_id,
                caregiver_id=request.caregiver_id,
                date=request.date,
                expires_at=link_expiry(date=request.date, timezone_name=request.timezone),
                seed=seed if keep_seed else "",
            )
            for request, token, seed in zip(requests, tokens, seeds, strict=True)
        ]
    )
    return links, tokens


def checkin_links_issue(*, requests: list[LinkRequest]) -> list[str]:
    """Mint one link per request, in one INSERT in the caller's transaction; their URLs, in order.
    The seeds are not kept: whoever gets the URLs is the only one to hold them."""
    return [link_url(token) for token in _mint(requests, keep_seed=False)[1]]


def checkin_links_issue_for_sms(*, requests: list[LinkRequest]) -> list[int]:
    """Mint one link per request for an SMS that will carry it, in one INSERT in the caller's
    transaction; their ids, in order. The SMS body is stored with masked_link_url() in the link's place.

    A reminder batch calls this for thousands of patients at once.
    """
    return [link.pk for link in _mint(requests, keep_seed=True)[0]]


def checkin_link_urls_for_sending(*, link_ids, now: datetime.datetime) -> dict[int, str]:
    """The live URLs of links whose SMS is being handed over: {link id: URL}, for links still seeded
    and not expired (one query). A link missing from the answer can no longer go out."""
    ids = {link_id for link_id in link_ids if link_id is not None}
    if not ids:
        return {}
    rows = CheckinLink.objects.filter(pk__in=ids, expires_at__gt=now).exclude(seed="").values_list("id", "seed")
    return {link_id: link_url(_token_from_seed(seed)) for link_id, seed in rows}


def checkin_link_seeds_forget(*, link_ids) -> None:
    """The SMS carrying these links is done with (sent, dropped or failed): nothing derives them any more."""
    ids = [link_id for link_id in link_ids if link_id is not None]
    if ids:
        CheckinLink.objects.filter(pk__in=ids).exclude(seed="").update(seed="")


def checkin_link_seeds_expire(*, now: datetime.datetime) -> int:
    """Forget the seeds of expired links whose SMS was dropped without a send (an opt-out, a number
    marked invalid, a window past): the outbox relay calls this."""
    return CheckinLink.objects.filter(expires_at__lte=now).exclude(seed="").update(seed="")


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
    return CheckinLink.objects.select_related("patient", "patient__clinic", "patient__user", "caregiver").filter(token_hash=token_hash(token)).first()


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
