"""Error reporting (sentry-sdk, only with SENTRY_DSN): an error while handling an SMS reaches Sentry
without the request's body, query string, cookies or headers, without the SMS text and without the
phone number, wherever they were (exception message, log lines, breadcrumbs). A transport stub
stands in for Sentry: nothing goes on the network."""

import io
import json
from urllib.parse import quote, urlencode

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from config.sentry import before_send, scrub_text, sentry_init

PHONE = "+15550104567"
SMS = "pain 8, I have a fever and the incision is oozing"


class StubTransport(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)

    def payloads(self) -> list[dict]:
        return [item.payload.json for envelope in self.envelopes for item in envelope.items if item.payload.json]


@pytest.fixture
def sentry():
    transport = StubTransport()
    sentry_init(dsn="https://public@sentry.invalid/1", environment="test", transport=transport)
    yield transport
    sentry_sdk.init()  # no DSN: reporting off again for the rest of the suite


def _wsgi_post(path: str, query: str, form: dict, headers: dict) -> str:
    """POST through Django's WSGI handler, as gunicorn calls it (Sentry's Django integration reads the
    request there; the test client goes around it). Returns the status line."""
    from django.core.wsgi import get_wsgi_application

    body = urlencode(form).encode()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "testserver", "SERVER_PORT": "80",
        "HTTP_HOST": "testserver", "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body), "wsgi.errors": io.StringIO(), "wsgi.url_scheme": "http", "wsgi.version": (1, 0),
        "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False, "SERVER_PROTOCOL": "HTTP/1.1",
        **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()},
    }
    status = []
    b"".join(get_wsgi_application()(environ, lambda line, _headers, exc_info=None: status.append(line)))
    return status[0]


@pytest.mark.urls("tests.sentry_urls")
def test_an_error_from_a_request_with_a_phone_and_an_sms_leaves_with_neither(sentry):
    status = _wsgi_post(
        "/sms-fails/",
        f"From={quote(PHONE)}&text=fever",
        {"From": PHONE, "Body": SMS},
        {"Cookie": f"patient_phone={quote(PHONE)}", "X-Patient-Phone": PHONE, "User-Agent": "TwilioProxy/1.1"},
    )
    sentry_sdk.flush()

    assert status.startswith("500")
    events = [p for p in sentry.payloads() if p.get("exception") or p.get("logentry")]
    assert any(e.get("exception") for e in events), "the error was reported"
    sent = json.dumps(sentry.payloads())
    for secret in (PHONE, PHONE[2:], quote(PHONE), "555-010-4567", "fever", "oozing", "pain 8", "TwilioProxy"):
        assert secret not in sent
    error = next(e for e in events if e.get("exception"))
    # What is left is still worth reading: the type, the code's frames, the route.
    assert error["exception"]["values"][-1]["type"] == "ValueError"
    assert error["exception"]["values"][-1]["value"] == "could not read '[text]' from [phone]"
    assert error["exception"]["values"][-1]["stacktrace"]["frames"][-1]["function"] == "failing_sms_view"
    assert all("vars" not in frame for frame in error["exception"]["values"][-1]["stacktrace"]["frames"])
    assert error["request"] == {"method": "POST", "url": "http://testserver/sms-fails/"}


def test_the_sdk_is_told_to_collect_no_personal_data_no_bodies_and_no_local_variables(sentry):
    options = sentry_sdk.get_client().options
    assert options["send_default_pii"] is False
    assert options["max_request_body_size"] == "never"
    assert options["include_local_variables"] is False


def test_reporting_is_off_without_a_dsn(settings):
    assert settings.SENTRY_DSN == ""
    assert sentry_sdk.get_client().dsn is None


@pytest.mark.parametrize(
    "number", ["+15550104567", "555-010-4567", "(312) 555-0142", "1 312 555 0142", "312.555.0142", "+44 20 7946 0958"]
)
def test_phone_numbers_in_any_spelling_are_removed(number):
    assert scrub_text(f"no answer from {number} today") == "no answer from [phone] today"


def test_ids_dates_and_hashes_are_left_alone():
    event = {"event_id": "a1b2c3d4e5f60718293a4b5c6d7e8f90", "timestamp": "2026-12-01T21:49:35.123456Z", "message": "patient 12345 on day 14"}
    assert before_send(dict(event)) == event
