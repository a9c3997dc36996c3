"""The links that open a patient's questionnaire with no password, made as the web check-in's are
(webcheckin.links: 128 random bits in the URL, only their SHA-256 stored), under /q/.

A link opens one time point's questionnaire; it answers until its response is completed (`used_at`)
or until the end of the patient-local last day of the time point's window.
"""

import datetime
import secrets

from django.conf import settings

from outcomes.models import QuestionnaireLink, TimePoint
from outcomes.schedule import window_dates
from patients.models import Patient
from webcheckin.links import TOKEN_BYTES, link_expiry, token_hash

PATH_PREFIX = "/q/"


def questionnaire_link_url(token: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + PATH_PREFIX + token


def questionnaire_link_issue(*, patient: Patient, time_point: TimePoint, now: datetime.datetime) -> str:
    """A new link for the patient's questionnaire at this time point, in the caller's transaction; its URL."""
    _, last = window_dates(patient.surgery_date, time_point.start_day, time_point.end_day)
    # link_expiry(date) is the local midnight two days after `date`: the day before the window's last
    # day gives the midnight that ends the window. Never less than a day from now.
    expires = max(link_expiry(date=last - datetime.timedelta(days=1), timezone_name=patient.timezone), now + datetime.timedelta(days=1))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    QuestionnaireLink.objects.create(token_hash=token_hash(token), patient=patient, time_point=time_point, expires_at=expires)
    return questionnaire_link_url(token)


def questionnaire_link_find(token: str) -> QuestionnaireLink | None:
    """The link of a token from the URL, with its patient, clinic, login and instrument; None for a
    token never issued. Queries: 1."""
    if not token or len(token) > 64:
        return None
    return (
        QuestionnaireLink.objects.select_related("patient", "patient__clinic", "patient__user", "time_point", "time_point__instrument")
        .filter(token_hash=token_hash(token))
        .first()
    )


def questionnaire_link_state(link: QuestionnaireLink, *, now: datetime.datetime) -> str:
    """`open`, `used` (its response completed) or `expired`."""
    if link.expires_at <= now:
        return "expired"
    if link.used_at is not None:
        return "used"
    return "open"
