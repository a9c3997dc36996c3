"""The reminder, the invitation and the new-link text carry the check-in link and stay within two SMS
segments, in English and Spanish.

Segments as carriers count them: a text in the GSM-7 alphabet takes 160 characters in one segment, 153
in each of several (characters of the extension table count twice); a text with any other character
(á, í, ó, ú...) goes as UCS-2, 70 characters in one segment, 67 in each of several.
"""

import datetime
import re

import pytest

from notifications import texts
from notifications.models import Message
from notifications.services import reminders
from tests.notifications.conftest import at

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")
# A long clinic name and a production-like address: the texts must fit with room like this.
CLINIC = "Riverside Spine Center North"
LINK = "https://recovery.example.org/c/" + "x" * 22


def sms_segments(text: str) -> tuple[str, int]:
    if all(c in GSM7 or c in GSM7_EXTENSION for c in text):
        length = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        return "GSM-7", 1 if length <= 160 else -(-length // 153)
    length = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
    return "UCS-2", 1 if length <= 70 else -(-length // 67)


def test_the_counter_counts_as_carriers_do():
    assert sms_segments("a" * 160) == ("GSM-7", 1)
    assert sms_segments("a" * 161) == ("GSM-7", 2)
    assert sms_segments("a" * 306) == ("GSM-7", 2)
    assert sms_segments("{" * 80) == ("GSM-7", 1)
    assert sms_segments("ó" + "a" * 69) == ("UCS-2", 1)
    assert sms_segments("ó" + "a" * 133) == ("UCS-2", 2)
    assert sms_segments("ó" + "a" * 134) == ("UCS-2", 3)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    "name, make",
    [
        ("reminder", lambda lang: texts.reminder_text(language=lang, clinic=CLINIC, link=LINK)),
        ("invitation", lambda lang: texts.invitation_text(language=lang, clinic=CLINIC, code="ABCDE-12345", days=14, link=LINK)),
        ("new link", lambda lang: texts.checkin_link_text(language=lang, clinic=CLINIC, link=LINK)),
    ],
)
def test_each_text_with_its_link_fits_two_segments(name, make, language):
    text = make(language)
    assert LINK in text
    encoding, segments = sms_segments(text)
    assert segments <= 2, f"{name} ({language}) takes {segments} {encoding} segments: {text!r}"
    assert "911" in text


@pytest.mark.django_db
def test_every_reminder_and_the_invitation_carry_a_link_of_their_own(make_patient, settings):
    english = make_patient(surgery_date=datetime.date(2026, 11, 1), enrolled=False)
    spanish = make_patient(surgery_date=datetime.date(2026, 11, 1), language="es", enrolled=False)
    reminders.reminders_enqueue(now=at("America/Chicago", 2026, 11, 20, 18, 0))
    link = re.compile(re.escape(settings.PUBLIC_BASE_URL.rstrip("/")) + r"/c/[A-Za-z0-9_-]{22}")
    links = set()
    for patient in (english, spanish):
        for purpose in (Message.Purpose.REMINDER, Message.Purpose.ENROLLMENT):
            body = Message.objects.get(patient=patient, purpose=purpose).body
            (found,) = link.findall(body)
            links.add(found)
    assert len(links) == 4
