"""Error reporting to Sentry (sentry-sdk), on only when SENTRY_DSN is set, and scrubbed.

What leaves is the error's type, the code's stack (file, function, line; no local variables), the
route and the release, never what a patient or nurse typed:
1. the SDK is told to collect no personal data, no request bodies and no local variables;
2. `before_send` removes the request's data, query string, cookies, headers and environment, every
   breadcrumb's message and data, the `extra` fields and the log record's arguments;
3. in what is left (exception messages, log templates, the URL), quoted text (how Python shows a
   value: `'pain 8, I have a fever'`) becomes `'[text]'`, and anything that looks like a phone
   number becomes `[phone]`.
"""

import re

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

# +15550101234, 555-010-1234, (312) 555-0142, 1 312 555 0142, +44 20 7946 0958...; not inside a
# longer run of letters or digits (an event id, a hash).
PHONE = re.compile(r"(?<![\w+])(?:\+\d[\d\s().-]{6,18}\d|(?:1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4})(?!\w)")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
REQUEST_KEPT = ("method", "url")
BREADCRUMB_KEPT = ("type", "category", "level", "timestamp")


def scrub_text(value: str) -> str:
    return PHONE.sub("[phone]", QUOTED.sub(lambda m: m.group(0)[0] + "[text]" + m.group(0)[0], value))


def _scrub_phones(value):
    """Every string, anywhere in the event, without phone numbers."""
    if isinstance(value, str):
        return PHONE.sub("[phone]", value)
    if isinstance(value, dict):
        return {k: _scrub_phones(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub_phones(v) for v in value]
    return value


def _strip_frames(container: dict) -> None:
    for frame in (container.get("stacktrace") or {}).get("frames") or []:
        frame.pop("vars", None)


def scrub_breadcrumb(crumb: dict, hint=None) -> dict:
    return {key: crumb[key] for key in BREADCRUMB_KEPT if key in crumb}


def before_send(event: dict, hint=None) -> dict:
    request = event.get("request")
    if request is not None:
        kept = {key: request[key] for key in REQUEST_KEPT if key in request}
        if "url" in kept:
            kept["url"] = kept["url"].split("?", 1)[0]
        event["request"] = kept
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict):
        breadcrumbs["values"] = [scrub_breadcrumb(c) for c in breadcrumbs.get("values") or []]
    elif isinstance(breadcrumbs, list):
        event["breadcrumbs"] = [scrub_breadcrumb(c) for c in breadcrumbs]
    event.pop("extra", None)
    if "user" in event:
        event["user"] = {"id": event["user"]["id"]} if event["user"].get("id") else {}
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = scrub_text(exception["value"])
        _strip_frames(exception)
    for thread in (event.get("threads") or {}).get("values") or []:
        _strip_frames(thread)
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        # The template is the code's; its arguments are data.
        event["logentry"] = {"message": scrub_text(str(logentry.get("message", "")))}
    if isinstance(event.get("message"), str):
        event["message"] = scrub_text(event["message"])
    return _scrub_phones(event)


def sentry_options(*, dsn: str, environment: str) -> dict:
    return {
        "dsn": dsn,
        "environment": environment,
        "integrations": [DjangoIntegration(), CeleryIntegration()],
        "send_default_pii": False,
        "max_request_body_size": "never",
        "include_local_variables": False,
        # Errors only: spans would carry SQL and URLs.
        "traces_sample_rate": 0.0,
        "before_send": before_send,
        "before_breadcrumb": scrub_breadcrumb,
    }


def sentry_init(*, dsn: str, environment: str, **overrides) -> None:
    sentry_sdk.init(**{**sentry_options(dsn=dsn, environment=environment), **overrides})
