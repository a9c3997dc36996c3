"""The reminder, the invitation and the new-link text carry the check-in link and, like every answer
to a patient's SMS, stay within two SMS segments, in every configured language (settings.LANGUAGES).

Segments as carriers count them: a text in the GSM-7 alphabet takes 160 characters in one segment, 153
in each of several (characters of the extension table count twice); a text with any other character
(á, í, ó, ú...) goes as UCS-2, 70 characters in one segment, 67 in each of several.
"""

import datetime
import re

import pytest
from django.conf import settings

from notifications import texts
from notifications.milestone_questions import reminder_with_question
from notifications.models import Message
from notifications.services import reminders
from recovery.choices import Symptom
from recovery.red_flags import red_flag_advice
from recovery.services.milestone_questions import QUESTION_TEXTS
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
PHONE = "+13125550142"
LANGUAGES = [code for code, _ in settings.LANGUAGES]
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


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "name, make",
    [
        ("reminder", lambda lang: texts.reminder_text(language=lang, clinic=CLINIC, link=LINK)),
        ("invitation", lambda lang: texts.invitation_text(language=lang, clinic=CLINIC, code="ABCDE-12345", days=14, link=LINK)),
        ("new link", lambda lang: texts.checkin_link_text(language=lang, clinic=CLINIC, link=LINK)),
        ("caregiver's copy", lambda lang: texts.caregiver_copy_text(language=lang, clinic=CLINIC, name=FIRST_NAME, link=LINK)),
        ("caregiver's nudge", lambda lang: texts.caregiver_nudge_text(language=lang, clinic=CLINIC, name=FIRST_NAME, link=LINK)),
    ]
    + [
        (f"reminder asking about {milestone}", lambda lang, milestone=milestone: reminder_with_question(
            language=lang, clinic=CLINIC, link=LINK, milestone=milestone))
        for milestone in QUESTION_TEXTS
    ],
)
def test_each_text_with_its_link_fits_two_segments(name, make, language):
    text = make(language)
    assert LINK in text
    encoding, segments = sms_segments(text)
    assert segments <= 2, f"{name} ({language}) takes {segments} {encoding} segments: {text!r}"
    assert "911" in text


def _advice(language: str, symptom: str) -> str:
    return red_flag_advice([symptom], language=language, procedure="mis_lumbar_fusion")


# Each answer with its longest usual content: a long clinic name, a phone, a full check-in.
ANSWERS = [
    ("help", lambda lang: texts.help_text(language=lang, clinic=CLINIC, clinic_phone=PHONE)),
    ("not understood", lambda lang: texts.not_understood_text(language=lang, clinic=CLINIC, clinic_phone=PHONE)),
    ("opted out", lambda lang: texts.opted_out_text(language=lang, clinic=CLINIC)),
    ("opted in", lambda lang: texts.opted_in_text(language=lang, clinic=CLINIC)),
    ("received", lambda lang: texts.received_text(language=lang)),
    (
        "thanks",
        lambda lang: texts.thanks_text(
            language=lang, fields={"pain": 10, "walking_minutes": 120, "steps": 12000, "opioid_use": True}, advice=None
        ),
    ),
    (
        "partly read",
        lambda lang: texts.partly_read_text(
            language=lang, answer=texts.thanks_text(language=lang, fields={"pain": 10, "walking_minutes": 120}, advice=None)
        ),
    ),
    ("shared phone", lambda lang: texts.shared_phone_text(language=lang, clinic=CLINIC, clinic_phone=PHONE, advice=None)),
    ("follow-up", lambda lang: texts.follow_up_text(language=lang, clinic=CLINIC, symptoms=["chest_pain_breathless", "bladder_bowel"])),
    ("follow-up, acted", lambda lang: texts.follow_up_answered_text(language=lang, acted=True)),
    ("follow-up, did not act", lambda lang: texts.follow_up_answered_text(language=lang, acted=False)),
    ("info", lambda lang: texts.info_text(language=lang, guidance="Walk a little more each day; rest when the pain rises.", clinic_phone=PHONE)),
    ("unknown sender", lambda lang: texts.unknown_sender_text()),
] + [
    # A red flag's answer: what was recorded, then the advice for it (which ends with the 911 line).
    (
        f"thanks, {symptom}",
        lambda lang, symptom=symptom: texts.thanks_text(
            language=lang, fields={"pain": 10, "walking_minutes": 120, "symptoms": [symptom]}, advice=_advice(lang, symptom)
        ),
    )
    for symptom in Symptom.values
] + [
    (
        f"shared phone, {symptom}",
        lambda lang, symptom=symptom: texts.shared_phone_text(
            language=lang, clinic=CLINIC, clinic_phone=PHONE, advice=_advice(lang, symptom)
        ),
    )
    for symptom in Symptom.values
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name, make", ANSWERS, ids=[name for name, _ in ANSWERS])
def test_each_answer_fits_two_segments(name, make, language):
    text = make(language)
    encoding, segments = sms_segments(text)
    assert segments <= 2, f"{name} ({language}) takes {segments} {encoding} segments: {text!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_neck_surgery_swallowing_advice_is_the_one_answer_given_a_third_segment(language):
    # After neck surgery, trouble swallowing adds an emergency line to the advice: it is not cut to fit.
    advice = red_flag_advice(["trouble_swallowing"], language=language, procedure="acdf")
    text = texts.thanks_text(language=language, fields={"pain": 10, "symptoms": ["trouble_swallowing"]}, advice=advice)
    assert sms_segments(text)[1] <= 3 and "911" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_accents_outside_gsm7_are_dropped_so_a_text_is_not_sent_as_ucs2(language):
    # One á, í, ó or ú would send the whole text as UCS-2 (70 characters a segment instead of 160).
    text = texts.help_text(language=language, clinic="Clínica del Río", clinic_phone=PHONE)
    assert sms_segments(text)[0] == "GSM-7"
    assert texts.gsm7_folded("Llame a la clínica ahora; ¿Qué tal mañana?") == "Llame a la clinica ahora; ¿Qué tal mañana?"


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


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_caregivers_help_fits_two_segments_and_names_the_patient_shortly(language):
    text = texts.caregiver_help_text(language=language, clinic=CLINIC, name=FIRST_NAME, clinic_phone="+15550100000")
    assert "Maximiliana-Guadal" in text and "Second" not in text
    encoding, segments = sms_segments(text)
    assert segments <= 2, f"caregiver help ({language}) takes {segments} {encoding} segments: {text!r}"
