"""Fixtures of the SMS tests: the Twilio stand-in, Twilio settings pointing at it, signed webhooks."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from twilio.request_validator import RequestValidator

from tests.notifications.standin import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, TwilioStandIn


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The personas' passwords play no part here; a fast hasher keeps fixtures quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def _standin_server():
    server = TwilioStandIn().start()
    yield server
    server.stop()


@pytest.fixture
def twilio(_standin_server, settings):
    """The stand-in, emptied, with the settings of a real Twilio account pointing at it (no rate limit)."""
    _standin_server.reset()
    _standin_server.delay = 0.0
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_API_URL = _standin_server.url
    settings.SMS_BACKEND = "twilio"
    settings.SMS_RATE_PER_SECOND = 0
    return _standin_server


@pytest.fixture
def log_backend(settings):
    settings.TWILIO_ACCOUNT_SID = ""
    settings.TWILIO_AUTH_TOKEN = ""
    settings.SMS_BACKEND = "log"
    settings.SMS_RATE_PER_SECOND = 0


def sign(url: str, params: dict, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


@pytest.fixture
def twilio_post(client, settings, twilio):
    """POST a form to a webhook, signed as Twilio signs it (over PUBLIC_BASE_URL + path) unless told otherwise."""

    def post(path: str, params: dict, *, signature: str | None = None, **extra):
        if signature is None:
            signature = sign(settings.PUBLIC_BASE_URL + path, params)
        headers = {"HTTP_X_TWILIO_SIGNATURE": signature} if signature != "" else {}
        return client.post(path, params, **headers, **extra)

    return post


def at(zone: str, *args) -> datetime.datetime:
    """An aware moment given in a zone's wall-clock time."""
    return datetime.datetime(*args, tzinfo=ZoneInfo(zone))


@pytest.fixture
def daytime(time_machine):
    """Noon of today in Chicago (the test clinics' zone), the clock running on from there: for tests of
    texts that the clinic's quiet hours would otherwise hold back at night."""
    zone = ZoneInfo("America/Chicago")
    local_today = timezone.now().astimezone(zone).date()
    time_machine.move_to(datetime.datetime.combine(local_today, datetime.time(12, 0), tzinfo=zone), tick=True)

