"""The one module that speaks Twilio: sending an SMS, finding one already sent, checking webhook signatures.

Everything else in the project talks about messages in its own words; only this module knows
Twilio's client, its error codes and its TwiML.
"""

import datetime
import logging
import os
import threading
from dataclasses import dataclass

import requests
from django.conf import settings
from django.utils.crypto import salted_hmac
from requests.utils import get_environ_proxies
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

logger = logging.getLogger(__name__)

# Twilio's error codes that we act on (https://www.twilio.com/docs/api/errors).
INVALID_NUMBER = "21211"  # the 'To' number is not a valid phone number
OPTED_OUT = "21610"  # the recipient has replied STOP: Twilio refuses to send until START

# Seconds to wait for Twilio's answer; a worker must not hang on a dead connection.
HTTP_TIMEOUT = 15


@dataclass(frozen=True)
class SentSms:
    sid: str
    status: str
    from_phone: str


class SmsSendError(Exception):
    """Twilio did not take the message. `retryable` says whether trying again later may succeed;
    `ambiguous` says that Twilio may have taken it anyway (the connection broke after the request)."""

    def __init__(self, message: str, *, code: str = "", status: int | None = None, retryable: bool, ambiguous: bool = False):
        super().__init__(message)
        self.code = code
        self.status = status
        self.retryable = retryable
        self.ambiguous = ambiguous


def sms_backend() -> str:
    """'twilio' with account settings, else 'log' (messages are written to the log, never lost)."""
    return settings.SMS_BACKEND


def sender_id() -> str:
    """The sender that a rate limit applies to: the From number or the Messaging Service."""
    return settings.TWILIO_FROM_NUMBER or settings.TWILIO_MESSAGING_SERVICE_SID or "log"


_local = threading.local()


def _client() -> Client:
    """One client per thread (its HTTP session pools connections), rebuilt when the settings change.

    The Messages API's address comes from settings.TWILIO_API_URL: the client's Api domain keeps its
    base URL in `base_url`, so the same client talks to Twilio or to a local stand-in.
    """
    key = (settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_API_URL)
    cached = getattr(_local, "client", None)
    if cached is None or cached[0] != key:
        # The environment's proxy and CA settings are read once here: left to requests, they are
        # re-read from os.environ on every request, a good part of a send's CPU at hundreds a second.
        http_client = TwilioHttpClient(timeout=HTTP_TIMEOUT, proxy=get_environ_proxies(settings.TWILIO_API_URL))
        http_client.session.trust_env = False
        http_client.session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client)
        client.api.base_url = settings.TWILIO_API_URL
        cached = (key, client)
        _local.client = cached
    return cached[1]


def status_callback_url() -> str:
    return settings.PUBLIC_BASE_URL + "/webhooks/twilio/status/"


def sms_send(*, to: str, body: str) -> SentSms:
    """Hand one SMS to Twilio, with our status callback. Raises SmsSendError when Twilio does not take it."""
    params = {"to": to, "body": body, "status_callback": status_callback_url()}
    if settings.TWILIO_MESSAGING_SERVICE_SID:
        params["messaging_service_sid"] = settings.TWILIO_MESSAGING_SERVICE_SID
    if settings.TWILIO_FROM_NUMBER:
        params["from_"] = settings.TWILIO_FROM_NUMBER
    try:
        message = _client().messages.create(**params)
    except TwilioRestException as exc:
        code = str(exc.code or "")
        # 429 (too many requests) and 5xx are Twilio's passing trouble; other 4xx are about the message.
        retryable = exc.status == 429 or exc.status >= 500
        raise SmsSendError(str(exc.msg or "Twilio refused the message")[:500], code=code or str(exc.status), status=exc.status, retryable=retryable) from exc
    except (requests.ConnectionError, requests.Timeout) as exc:
        # A connect failure means Twilio never saw the request; a read timeout leaves it unknown.
        ambiguous = not isinstance(exc, requests.ConnectTimeout) and not _refused(exc)
        raise SmsSendError(f"network error: {type(exc).__name__}", code="network", retryable=True, ambiguous=ambiguous) from exc
    except (requests.RequestException, TwilioException, ValueError) as exc:
        raise SmsSendError(f"unexpected answer: {type(exc).__name__}", code="network", retryable=True, ambiguous=True) from exc
    return SentSms(sid=message.sid, status=message.status or "queued", from_phone=message.from_ or settings.TWILIO_FROM_NUMBER)


def _refused(exc: Exception) -> bool:
    text = str(exc)
    return "Connection refused" in text or "Name or service not known" in text or "Failed to establish a new connection" in text


def sms_find_sent(*, to: str, body: str, since: datetime.datetime) -> str | None:
    """The SID of a message with this body sent to `to` since `since` (Twilio filters by date), if any.

    Used when a worker died between handing a message to Twilio and recording it: the relay asks
    Twilio before sending again, so the patient does not get it twice.
    """
    try:
        after = (since - datetime.timedelta(days=1)).astimezone(datetime.UTC)
        found = _client().messages.list(to=to, date_sent_after=after, limit=200)
    except (TwilioException, requests.RequestException, ValueError) as exc:
        raise SmsSendError(f"could not look up sent messages: {type(exc).__name__}", code="network", retryable=True) from exc
    # Twilio's date filter is by day; a message made before the claim (less clock skew) is another one.
    earliest = since - datetime.timedelta(minutes=5)
    for message in found:
        created = message.date_created
        if (message.body or "") == body and (not isinstance(created, datetime.datetime) or created >= earliest):
            return message.sid
    return None


def webhook_token() -> str:
    """The token that webhook signatures are checked with: TWILIO_AUTH_TOKEN, or, where no Twilio
    account is configured at all (`make run`'s default), a development token derived from SECRET_KEY.

    The development token lets `manage.py sms_reply` sign a reply locally as Twilio would. It is as
    secret as SECRET_KEY (never a public constant), and it is never used once an account SID or an auth
    token is set: then only Twilio's own signatures pass.
    """
    if settings.TWILIO_AUTH_TOKEN:
        return settings.TWILIO_AUTH_TOKEN
    if settings.TWILIO_ACCOUNT_SID:
        return ""
    return salted_hmac("notifications.twilio.webhook_token", "development", secret=settings.SECRET_KEY, algorithm="sha256").hexdigest()


def webhook_signature(*, url: str, params: dict) -> str:
    """X-Twilio-Signature as Twilio computes it for a webhook to `url` with these form fields."""
    return RequestValidator(webhook_token()).compute_signature(url, params)


def signature_valid(*, url: str, params: dict, signature: str) -> bool:
    """Whether X-Twilio-Signature is Twilio's signature of this URL and these form fields."""
    token = webhook_token()
    if not token or not signature:
        return False
    try:
        return bool(RequestValidator(token).validate(url, params, signature))
    except (TypeError, ValueError, UnicodeError):
        return False


def twiml_reply(text: str | None) -> str:
    """TwiML that answers an inbound SMS with `text`, or with nothing."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)
