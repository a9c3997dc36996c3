"""Malformed webhook bodies, each signed as Twilio would sign what Django reads from it: NUL characters,
invalid UTF-8, 100 KB, duplicate keys, missing fields, encoded lone surrogates. None gets a 5xx, and a
message that is otherwise valid is still stored and read (the NUL is dropped, not the reply)."""

import pytest
from django.http import QueryDict

from notifications.models import Message
from recovery.models import DailyRecord
from tests.notifications.conftest import sign

SMS = "/webhooks/twilio/sms/"
STATUS = "/webhooks/twilio/status/"
FORM = "application/x-www-form-urlencoded"
SID = "SM" + "b" * 32


def _post_raw(client, settings, path: str, raw: bytes):
    """POST raw form bytes with the signature Twilio would compute over the fields Django decodes."""
    fields = QueryDict(raw, encoding="utf-8")
    signature = sign(settings.PUBLIC_BASE_URL + path, fields)
    return client.generic("POST", path, raw, content_type=FORM, HTTP_X_TWILIO_SIGNATURE=signature)


def _form(patient, body: str, **overrides) -> bytes:
    from urllib.parse import urlencode

    fields = {"MessageSid": SID, "From": patient.phone, "To": "+15550009999", "Body": body, **overrides}
    return urlencode(fields).encode()


def _inbound(patient) -> list[str]:
    return list(Message.objects.filter(patient=patient, direction=Message.Direction.INBOUND).values_list("body", flat=True))


def test_a_nul_in_the_body_is_dropped_and_the_reply_is_still_stored_and_read(client, settings, twilio, patient_a):
    response = _post_raw(client, settings, SMS, _form(patient_a, "pain\x00 4\x00"))
    assert response.status_code == 200
    assert _inbound(patient_a) == ["pain 4"]
    assert DailyRecord.objects.get(patient=patient_a).pain == 4
    assert b"pain 4" in response.content


def test_a_nul_in_the_phone_or_the_sid_is_dropped_too(client, settings, twilio, patient_a):
    raw = _form(patient_a, "5", From=patient_a.phone + "\x00", MessageSid=SID + "\x00")
    assert _post_raw(client, settings, SMS, raw).status_code == 200
    assert DailyRecord.objects.get(patient=patient_a).pain == 5
    assert Message.objects.filter(patient=patient_a, provider_sid=SID).exists()


def test_invalid_utf8_is_read_with_replacement_characters(client, settings, twilio, patient_a):
    raw = _form(patient_a, "x").replace(b"Body=x", b"Body=%FF%FEpain+6+%C3%28+%ED%A0%80")
    assert _post_raw(client, settings, SMS, raw).status_code == 200
    assert DailyRecord.objects.get(patient=patient_a).pain == 6
    (body,) = _inbound(patient_a)
    assert "pain 6" in body and "\ufffd" in body


def test_a_lone_surrogate_is_answered_and_the_reply_kept(client, settings, twilio, patient_a):
    # A UTF-16 half (as some gateways pass half an emoji), UTF-8 encoded as if it were a character.
    half = "\ud83d".encode("utf-8", "surrogatepass")
    raw = _form(patient_a, "x").replace(b"Body=x", b"Body=pain+3+" + "".join(f"%{b:02X}" for b in half).encode())
    assert _post_raw(client, settings, SMS, raw).status_code == 200
    assert DailyRecord.objects.get(patient=patient_a).pain == 3
    (body,) = _inbound(patient_a)
    assert body.startswith("pain 3 ")


def test_a_100_kb_body_is_answered_and_kept_to_twilios_1600_characters(client, settings, twilio, patient_a):
    response = _post_raw(client, settings, SMS, _form(patient_a, "pain 2 " + "x" * 100_000))
    assert response.status_code == 200
    (body,) = _inbound(patient_a)
    assert body.startswith("pain 2 ") and len(body) == 1600
    assert DailyRecord.objects.get(patient=patient_a).pain == 2


def test_duplicate_keys_are_read_as_twilio_signs_them_the_last_value_counting(client, settings, twilio, patient_a):
    raw = _form(patient_a, "1") + b"&Body=7&From=" + patient_a.phone.encode().replace(b"+", b"%2B")
    assert _post_raw(client, settings, SMS, raw).status_code == 200
    assert DailyRecord.objects.get(patient=patient_a).pain == 7


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"Body=4",
        b"From=%2B15550300001",
        b"From=%2B15550300001&Body=",
        b"From=%2B15550300001&MessageSid=",
        b"=&&&==&Body",
        b"\x00\x00\x00",
        b"From=%00&Body=%00&MessageSid=%00&To=%00",
        b"%ff%fe=%80&Body=%E0%A4%A",
    ],
)
def test_missing_or_empty_fields_get_an_answer_not_a_5xx(client, settings, twilio, patient_a, raw):
    response = _post_raw(client, settings, SMS, raw)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")


def test_a_message_without_a_sid_is_still_stored(client, settings, twilio, patient_a):
    assert _post_raw(client, settings, SMS, _form(patient_a, "pain 4", MessageSid="")).status_code == 200
    assert _inbound(patient_a) == ["pain 4"]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"MessageSid=%00&MessageStatus=%00delivered",
        b"MessageSid=SM%FF%FE&MessageStatus=%ED%A0%80",
        b"MessageSid=SMx&MessageSid=SMy&MessageStatus=sent&MessageStatus=failed&ErrorCode=%00",
        b"MessageSid=" + b"S" * 100_000 + b"&MessageStatus=" + b"d" * 100_000,
        b"\x00=\x00",
    ],
)
def test_status_callbacks_of_any_shape_get_a_2xx(client, settings, twilio, patient_a, raw):
    assert _post_raw(client, settings, STATUS, raw).status_code == 200


def test_a_status_with_a_nul_still_updates_the_message(client, settings, twilio, patient_a):
    message = Message.objects.create(patient=patient_a, to_phone=patient_a.phone, body="hello", provider_sid="SM" + "c" * 32,
                                     status=Message.Status.SENT)
    raw = b"MessageSid=" + message.provider_sid.encode() + b"%00&MessageStatus=delivered%00"
    assert _post_raw(client, settings, STATUS, raw).status_code == 200
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
