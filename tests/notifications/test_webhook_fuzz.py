"""Twilio's webhooks under generated bodies: random keys and values, unicode, huge strings, missing
fields, numbers out of range, STOP in many spellings. Signed ones always get an answer (never a 5xx);
unsigned or wrongly signed ones get 403 and change nothing."""

from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifications.models import Message
from patients.models import AuditEvent, Patient
from recovery.models import CheckinSubmission, DailyRecord
from tests.notifications.conftest import sign

SMS = "/webhooks/twilio/sms/"
STATUS = "/webhooks/twilio/status/"
FORM = "application/x-www-form-urlencoded"
PATIENT_PHONE = "+15550300001"  # make_patient's first number: the patient of these tests

# Text a form can carry: any character but lone surrogates (not encodable); NUL included on purpose.
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
huge_text = st.builds(lambda ch, n: ch * n, st.characters(blacklist_categories=("Cs",)), st.integers(1600, 60_000))
numbers = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["11", "-1", "10.5", "1e309", "NaN", "inf", "0x0A", "٣", "４", "99999999999999999999", ""]),
)
keywords = st.sampled_from(
    ["STOP", "stop", " Stop ", "STOP\n", "STOP!", "ＳＴＯＰ", "s t o p", "STOPALL", "stop all", "unsubscribe", "CANCEL",
     "end", "QUIT", "START", "yes", "HELP", "info", "PARAR", "ayuda", "pain 4", "4 walked", "done walk", "no\x00pain"]
)
bodies = st.one_of(keywords, numbers, any_text, huge_text)
phones = st.one_of(st.just(PATIENT_PHONE), st.sampled_from(["+15550009999", "not a number", "", "+1" + "5" * 40]), any_text)
sids = st.one_of(st.just("SM" + "a" * 32), any_text, huge_text)
odd_fields = st.dictionaries(any_text.filter(bool), st.one_of(any_text, numbers), max_size=5)


def _maybe(draw_fields: dict, present: list[bool]) -> dict:
    """Drop some of the fields Twilio always sends: a body may lack any of them."""
    return {key: value for (key, value), keep in zip(draw_fields.items(), present, strict=False) if keep}


inbound_forms = st.builds(
    lambda extra, fields, present: {**extra, **_maybe(fields, present)},
    odd_fields,
    st.fixed_dictionaries({"MessageSid": sids, "From": phones, "To": phones, "Body": bodies, "NumMedia": numbers, "SmsSid": sids}),
    st.lists(st.booleans(), min_size=6, max_size=6),
)
status_forms = st.builds(
    lambda extra, fields, present: {**extra, **_maybe(fields, present)},
    odd_fields,
    st.fixed_dictionaries(
        {
            "MessageSid": sids,
            "MessageStatus": st.one_of(st.sampled_from(["queued", "sent", "delivered", "undelivered", "failed", "read"]), any_text, huge_text),
            "ErrorCode": numbers,
            "SmsSid": sids,
            "SmsStatus": any_text,
        }
    ),
    st.lists(st.booleans(), min_size=5, max_size=5),
)

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))


def _post(client, path: str, form: dict, signature: str | None):
    headers = {} if signature is None else {"HTTP_X_TWILIO_SIGNATURE": signature}
    return client.generic("POST", path, urlencode(form).encode(), content_type=FORM, **headers)


def _snapshot():
    return (
        Message.objects.count(),
        list(Message.objects.order_by("pk").values_list("status", flat=True)),
        DailyRecord.objects.count(),
        CheckinSubmission.objects.count(),
        list(Patient.objects.order_by("pk").values_list("sms_opt_in", flat=True)),
        AuditEvent.objects.count(),
    )


@FUZZ
@given(form=inbound_forms)
def test_a_signed_inbound_sms_of_any_shape_gets_an_answer_never_a_5xx(client, twilio, settings, patient_a, form):
    response = _post(client, SMS, form, sign(settings.PUBLIC_BASE_URL + SMS, form))
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/xml")


@FUZZ
@given(form=status_forms)
def test_a_signed_status_callback_of_any_shape_gets_an_answer_never_a_5xx(client, twilio, settings, patient_a, form):
    response = _post(client, STATUS, form, sign(settings.PUBLIC_BASE_URL + STATUS, form))
    assert response.status_code == 200, response.content[:500]


@FUZZ
@given(
    path=st.sampled_from([SMS, STATUS]),
    form=st.one_of(inbound_forms, status_forms),
    signature=st.one_of(
        st.none(),
        st.sampled_from(["", "x", "bm90IGEgc2lnbmF0dXJl"]),
        any_text.filter(lambda s: s.isascii()),
        st.just("signed with another token"),
        st.just("signed over another body"),
    ),
)
def test_an_unsigned_or_wrongly_signed_body_is_a_403_and_changes_nothing(client, twilio, settings, patient_a, path, form, signature):
    if signature == "signed with another token":
        signature = sign(settings.PUBLIC_BASE_URL + path, form, token="not-the-auth-token")
    elif signature == "signed over another body":
        signature = sign(settings.PUBLIC_BASE_URL + path, {**form, "Tampered": "1"})
    before = _snapshot()
    response = _post(client, path, form, signature)
    assert response.status_code == 403
    assert _snapshot() == before
