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
from tests.webcheckin.conftest import sent_text
from webcheckin.links import LINK_MASK

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")
# A long clinic name and a production-like address: the texts must fit with room like this.
CLINIC = "Riverside Spine Center North"
LINK = "https://recovery.example.org/c/" + "x" * 22
# A caregiver's texts name the patient by first name, cut to CAREGIVER_NAME_MAX characters.
FIRST_NAME = "Maximiliana-Guadalupe Second"


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
        ("caregiver's copy", lambda lang: texts.caregiver_copy_text(language=lang, clinic=CLINIC, name=FIRST_NAME, link=LINK)),
        ("caregiver's nudge", lambda lang: texts.caregiver_nudge_text(language=lang, clinic=CLINIC, name=FIRST_NAME, link=LINK)),
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
    moment = at("America/Chicago", 2026, 11, 20, 18, 0)
    reminders.reminders_enqueue(now=moment)
    link = re.compile(re.escape(settings.PUBLIC_BASE_URL.rstrip("/")) + r"/c/[A-Za-z0-9_-]{22}")
    links = set()
    for patient in (english, spanish):
        for purpose in (Message.Purpose.REMINDER, Message.Purpose.ENROLLMENT):
            message = Message.objects.get(patient=patient, purpose=purpose)
            # Stored with the link masked; the text handed over carries the live one.
            assert not link.findall(message.body) and "/c/" + LINK_MASK in message.body
            (found,) = link.findall(sent_text(message, now=moment))
            links.add(found)
    assert len(links) == 4


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_caregivers_help_fits_two_segments_and_names_the_patient_shortly(language):
    text = texts.caregiver_help_text(language=language, clinic=CLINIC, name=FIRST_NAME, clinic_phone="+15550100000")
    assert "Maximiliana-Guadal" in text and "Second" not in text
    encoding, segments = sms_segments(text)
    assert segments <= 2, f"caregiver help ({language}) takes {segments} {encoding} segments: {text!r}"
