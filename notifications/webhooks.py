"""Twilio's webhooks: inbound SMS (answered with TwiML) and delivery status callbacks.

Both answer only a request signed by Twilio: X-Twilio-Signature over PUBLIC_BASE_URL + the path (and
query) with TWILIO_AUTH_TOKEN, so the check holds behind a TLS-terminating proxy. Anything else gets
403 and changes nothing; no body, however malformed, gets a 500: each field is cleaned of what
PostgreSQL cannot store (NUL, lone surrogates) before anything reads it, so the rest of a reply is kept.
"""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications.services import inbound
from notifications.twilio import signature_valid, twiml_reply

logger = logging.getLogger(__name__)


def _signed_form(request: HttpRequest):
    """The form fields of a request that Twilio signed, or None."""
    try:
        form = request.POST
    except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, SuspiciousOperation, UnicodeDecodeError, ValueError):
        return None
    url = settings.PUBLIC_BASE_URL + request.get_full_path()
    if not signature_valid(url=url, params=form, signature=request.headers.get("X-Twilio-Signature", "")):
        return None
    return form


def _field(form, name: str, limit: int = 1600) -> str:
    """One form field as text PostgreSQL can store: NUL characters dropped (PostgreSQL refuses them in
    text), lone surrogates replaced, then cut to `limit` (Twilio's 1,600 for a body). Where a key is
    repeated the last value counts, as Django reads it."""
    value = form.get(name, "")
    if not isinstance(value, str):
        return ""
    value = value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return value[:limit]


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    form = _signed_form(request)
    if form is None:
        return HttpResponseForbidden("invalid signature")
    answer = inbound.sms_receive(
        from_phone=_field(form, "From", 32).strip(),
        to_phone=_field(form, "To", 32).strip(),
        body=_field(form, "Body"),
        message_sid=_field(form, "MessageSid", 64).strip() or _field(form, "SmsSid", 64).strip(),
    )
    return HttpResponse(twiml_reply(answer), content_type="text/xml; charset=utf-8")


@csrf_exempt
@require_POST
def sms_status(request: HttpRequest) -> HttpResponse:
    form = _signed_form(request)
    if form is None:
        return HttpResponseForbidden("invalid signature")
    inbound.message_status_record(
        provider_sid=_field(form, "MessageSid", 64).strip() or _field(form, "SmsSid", 64).strip(),
        status=_field(form, "MessageStatus", 32) or _field(form, "SmsStatus", 32),
        error_code=_field(form, "ErrorCode", 16).strip(),
    )
    return HttpResponse(status=200)
