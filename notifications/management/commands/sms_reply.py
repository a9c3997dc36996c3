"""`manage.py sms_reply`: text the service as a patient would, through the real signed webhook, and
print its answer; with no Twilio account (`make run`'s default) it signs with the development token."""

import uuid
from urllib.parse import urlsplit
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.urls import reverse

from notifications.twilio import webhook_signature, webhook_token
from patients.validators import validate_e164


class Command(BaseCommand):
    help = (
        "Send an SMS reply from a patient's phone through POST /webhooks/twilio/sms/, signed as Twilio signs it "
        "(with TWILIO_AUTH_TOKEN, or without a Twilio account with the development token derived from SECRET_KEY), "
        "and print the answer. Example: manage.py sms_reply --phone +15550100000 \"pain 4 walk 20\""
    )

    def add_arguments(self, parser):
        parser.add_argument("body", nargs="+", help="The text of the reply (several words are joined with spaces).")
        parser.add_argument("--phone", required=True, help="The patient's phone, in E.164 form such as +15550100000.")
        parser.add_argument("--to", default="", help="The number texted (default: TWILIO_FROM_NUMBER, or +15550000000).")
        parser.add_argument("--sid", default="", help="The MessageSid (default: a new one; the same one again replays).")

    def handle(self, *args, body, phone, to, sid, **options):
        phone = phone.strip()
        try:
            validate_e164(phone)
        except ValidationError as exc:
            raise CommandError(f"--phone: {' '.join(exc.messages)}") from None
        if not webhook_token():
            raise CommandError("TWILIO_ACCOUNT_SID is set without TWILIO_AUTH_TOKEN: the webhook refuses every request")
        path = reverse("notifications:twilio-sms")
        form = {
            "MessageSid": sid.strip() or "SM" + uuid.uuid4().hex,
            "AccountSid": settings.TWILIO_ACCOUNT_SID or "AC" + "0" * 32,
            "From": phone,
            "To": to.strip() or settings.TWILIO_FROM_NUMBER or "+15550000000",
            "Body": " ".join(body),
            "NumMedia": "0",
        }
        public = urlsplit(settings.PUBLIC_BASE_URL)
        signature = webhook_signature(url=settings.PUBLIC_BASE_URL + path, params=form)
        # In-process, through the whole middleware stack, as Twilio's request would arrive at PUBLIC_BASE_URL.
        response = Client().post(
            path, form, HTTP_HOST=public.netloc, secure=public.scheme == "https", HTTP_X_TWILIO_SIGNATURE=signature
        )
        if response.status_code != 200:
            raise CommandError(f"the webhook answered {response.status_code}: {response.content[:200].decode(errors='replace')}")
        # Our own TwiML, made by twilio's MessagingResponse a moment ago.
        answers = [m.text or "" for m in ElementTree.fromstring(response.content).iter("Message")]  # noqa: S314
        self.stdout.write("\n".join(answers) if answers else "(no answer)")
