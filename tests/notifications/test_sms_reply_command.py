"""`manage.py sms_reply`: a reply sent locally through the signed webhook, on `make run`'s default
(no Twilio account: the development token) and with a real auth token."""

import io

import pytest
from django.core.management import CommandError, call_command

from notifications.models import Message
from notifications.twilio import webhook_token
from recovery.models import DailyRecord
from tests.notifications.conftest import sign
from tests.notifications.standin import AUTH_TOKEN

SMS = "/webhooks/twilio/sms/"


def _reply(*args) -> str:
    out = io.StringIO()
    call_command("sms_reply", *args, stdout=out)
    return out.getvalue()


def test_without_a_twilio_account_the_command_signs_with_the_development_token(log_backend, patient_a):
    answer = _reply("--phone", patient_a.phone, "pain", "4")
    assert "Thank you, recorded for today: pain 4." in answer
    assert DailyRecord.objects.get(patient=patient_a, date=patient_a.local_today()).pain == 4
    assert Message.objects.filter(patient=patient_a, direction=Message.Direction.INBOUND, body="pain 4").exists()


def test_the_development_token_comes_from_the_secret_key_and_is_no_public_constant(log_backend, settings):
    first = webhook_token()
    settings.SECRET_KEY = "another-secret-key-" + "y" * 40
    assert first and webhook_token() and webhook_token() != first


def test_a_request_signed_with_the_development_token_by_anyone_else_needs_the_secret_key(log_backend, client, patient_a, settings):
    params = {"MessageSid": "SM" + "d" * 32, "From": patient_a.phone, "Body": "pain 4"}
    guessed = sign(settings.PUBLIC_BASE_URL + SMS, params, token="")
    assert client.post(SMS, params, HTTP_X_TWILIO_SIGNATURE=guessed).status_code == 403
    assert not DailyRecord.objects.filter(patient=patient_a).exists()


def test_with_a_real_auth_token_the_command_signs_with_it_and_the_development_token_no_longer_passes(twilio, patient_a, client, settings):
    assert webhook_token() == AUTH_TOKEN
    assert "pain 6" in _reply("--phone", patient_a.phone, "dolor 6")
    assert DailyRecord.objects.get(patient=patient_a).pain == 6
    settings.TWILIO_AUTH_TOKEN = ""  # an account without a token: every webhook is refused, the command says why
    with pytest.raises(CommandError, match="TWILIO_AUTH_TOKEN"):
        _reply("--phone", patient_a.phone, "pain 4")


def test_an_unknown_phone_gets_the_neutral_answer_and_a_malformed_one_an_error(log_backend, patient_a):
    assert "enrolled patients" in _reply("--phone", "+15550009876", "pain 4")
    with pytest.raises(CommandError, match="--phone"):
        _reply("--phone", "5550100000", "pain 4")
