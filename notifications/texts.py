"""What our SMS say. Every patient-facing text tells how to answer and, where it invites a report, that
the service is not watched around the clock.

The English here is the source; each language's wording is in its catalogue (locale/<language>/
LC_MESSAGES/django.po, context "sms"), and each text is rendered in the patient's language. Kept short:
a text in GSM-7 letters fits 160 characters a segment, one with any other letter 70; so each text is sent
with accents outside GSM-7 dropped (gsm7_folded: "clínica" goes as "clinica"), and
tests/webcheckin/test_sms_texts.py holds every text within two segments in every configured language.
"""

import functools
import unicodedata

from django.conf import settings
from django.utils.translation import pgettext_lazy

from patients.languages import in_language
from recovery.choices import AlertKind, Severity, Symptom

NOT_WATCHED = pgettext_lazy("sms", "Not watched around the clock: in an emergency call 911.")

# The reminder and the invitation carry the link of the web check-in page. Both stay within two SMS
# segments in plain GSM-7 (306 characters).
# Translators: at most 306 characters with the link and a long clinic name, in GSM-7 letters only: one
# letter outside GSM-7 (such as á, í, ó, ú) halves that to 134. é, ñ and ¿ are GSM-7.
REMINDER = pgettext_lazy(
    "sms",
    '{clinic} daily check-in: how was today? Reply with your pain 0-10, e.g. "pain 4 walk 20", or tap {link} '
    "HELP for help, STOP to end texts. {not_watched}",
)

# The reminder when a milestone question rides along (notifications/milestone_questions.py): shorter,
# so that with the question it stays within two segments.
REMINDER_WITH_QUESTION = pgettext_lazy(
    "sms",
    "{clinic} daily check-in: reply with your pain 0-10, or tap {link} And: {question} Reply YES or NO. "
    "STOP to end texts. {not_watched}",
)

# Translators: at most 306 characters with the link and a long clinic name, in GSM-7 letters only.
INVITATION = pgettext_lazy(
    "sms",
    "{clinic}: check in today at {link} or reply to our daily text with your pain 0-10. "
    "Recovery app code: {code} (valid {days} days). STOP to end texts. {not_watched}",
)

CHECKIN_LINK = pgettext_lazy(
    "sms", "{clinic}: your new check-in link is {link} (it works until the end of tomorrow). {not_watched}"
)

HELP = pgettext_lazy(
    "sms",
    '{clinic} recovery check-ins. Reply with your pain 0-10, or e.g. "pain 4 walk 20" or "fever". '
    "Questions: call {phone}. Reply STOP to end texts. {not_watched}",
)

# Translators: said instead of the clinic's phone number where the clinic has none.
CLINIC_PHONE_MISSING = pgettext_lazy("sms", "the clinic")

# Said only where it is so: every such message waits, unread, on the nurses' worklist.
NOT_UNDERSTOOD = pgettext_lazy("sms", "A nurse will read your message in office hours.")

PARTLY_READ = pgettext_lazy("sms", "A nurse will read the rest of your message in office hours.")

SHARED_PHONE = pgettext_lazy(
    "sms", "Several patients use this phone, so a nurse will read your message in office hours. Urgent? Call {phone}."
)

OPTED_OUT = pgettext_lazy("sms", "You will get no more texts from {clinic}. Reply START to get them again.")

OPTED_IN = pgettext_lazy("sms", "You will get daily check-in texts from {clinic} again. Reply STOP to end them. {not_watched}")

# Translators: YES and NO are the answers the service reads (it also reads SI and NO).
FOLLOW_UP = pgettext_lazy(
    "sms", "{clinic}: earlier you reported {symptoms}. Did you call 911 or go to the emergency department? Reply YES or NO."
)
# Translators: said in the follow-up question where the symptom has no name.
FOLLOW_UP_RED_FLAG = pgettext_lazy("sms", "a red flag")

FOLLOW_UP_ANSWERED = {
    True: pgettext_lazy("sms", "Thank you for telling us. Follow the emergency team's advice."),
    False: pgettext_lazy("sms", "We have told the on-call nurse. If you still have these symptoms, call 911 now."),
}

RECEIVED = pgettext_lazy("sms", "Thank you for your message.")

THANKS = pgettext_lazy("sms", "Thank you, recorded for today: {summary}.")

# To a phone no patient holds: in every language, since nobody's language is known.
UNKNOWN_SENDER = pgettext_lazy("sms", "This number is for enrolled patients only. In an emergency call 911.")

# The page to the on-call nurse, in the service's language (settings.LANGUAGE_CODE): nurses have no
# language of their own on file.
# Translators: an SMS to a nurse; {initials} and {patient_id} name the patient, {kind} is the alert's kind.
PAGE = pgettext_lazy("page", "Recovery alert ({severity}): patient {initials} #{patient_id}, {kind}{what}.{escalated} Open: {url}")
PAGE_NEW_EVIDENCE = pgettext_lazy("page", " New symptom reported.")
# The symptoms as a nurse reads them on a page (plain words, no more than the symptom itself).
PAGE_SYMPTOMS = {
    Symptom.CHEST_PAIN_BREATHLESS: pgettext_lazy("page", "chest pain or trouble breathing"),
    Symptom.BLADDER_BOWEL: pgettext_lazy("page", "bladder or bowel control"),
    Symptom.NEW_WEAKNESS: pgettext_lazy("page", "new weakness or a fall"),
    Symptom.NEW_NUMBNESS: pgettext_lazy("page", "new numbness"),
    Symptom.CALF_PAIN_SWELLING: pgettext_lazy("page", "calf pain or swollen leg"),
    Symptom.FEVER: pgettext_lazy("page", "fever"),
    Symptom.WOUND_DRAINAGE: pgettext_lazy("page", "wound problem"),
    Symptom.TROUBLE_SWALLOWING: pgettext_lazy("page", "trouble swallowing"),
    Symptom.UNCONTROLLED_PAIN: pgettext_lazy("page", "uncontrolled pain"),
}
PAGE_ESCALATED = pgettext_lazy("page", " Not acknowledged after {minutes} min.")
PAGE_PREVIOUS_FAILED = pgettext_lazy("page", " The previous nurse's page failed.")

# What a check-in answer says was recorded.
FIELD_LABELS = {
    "pain": pgettext_lazy("sms", "pain {value}"),
    "walking_minutes": pgettext_lazy("sms", "walking {value} min"),
    "steps": pgettext_lazy("sms", "{value} steps"),
}
OPIOID_LABELS = {True: pgettext_lazy("sms", "opioids taken"), False: pgettext_lazy("sms", "no opioids")}
# Translators: what was recorded when the reply was only a note.
NOTE_LABEL = pgettext_lazy("sms", "note")

SYMPTOM_LABELS = {
    Symptom.FEVER: pgettext_lazy("sms", "fever"),
    Symptom.WOUND_DRAINAGE: pgettext_lazy("sms", "wound problem"),
    Symptom.NEW_WEAKNESS: pgettext_lazy("sms", "new weakness"),
    Symptom.NEW_NUMBNESS: pgettext_lazy("sms", "new numbness"),
    Symptom.BLADDER_BOWEL: pgettext_lazy("sms", "bladder or bowel problem"),
    Symptom.CALF_PAIN_SWELLING: pgettext_lazy("sms", "calf pain or swelling"),
    Symptom.CHEST_PAIN_BREATHLESS: pgettext_lazy("sms", "chest pain or trouble breathing"),
    Symptom.TROUBLE_SWALLOWING: pgettext_lazy("sms", "trouble swallowing"),
    Symptom.UNCONTROLLED_PAIN: pgettext_lazy("sms", "pain not controlled"),
}

# Translators: {guidance} is the clinic's own advice for this stage of recovery, written in the admin.
INFO = pgettext_lazy("sms", "{guidance} Questions: call {phone}. Reply HELP for help, STOP to end texts.")


# The GSM-7 alphabet (3GPP TS 23.038): its basic set and the extension table (which counts twice).
GSM7_LETTERS = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà" "^{}\\[~]|€\f"
)


def gsm7_folded(text: str) -> str:
    """The text with each accented letter outside GSM-7 (á, í, ó, ú, ç...) written without its accent:
    one such letter sends the whole text as UCS-2, 70 characters a segment instead of 160. é, ñ, ü and
    ¿ are GSM-7 and stay; a character with no GSM-7 base stays too."""
    if all(c in GSM7_LETTERS for c in text):
        return text
    folded = []
    for c in text:
        base = c if c in GSM7_LETTERS else unicodedata.normalize("NFD", c)[0]
        folded.append(base if base in GSM7_LETTERS else c)
    return "".join(folded)


def _sms(text_function):
    """An SMS text as sent: in GSM-7 letters where it can be (gsm7_folded)."""

    @functools.wraps(text_function)
    def wrapper(*args, **kwargs) -> str:
        return gsm7_folded(text_function(*args, **kwargs))

    return wrapper


def _phone(clinic_phone: str) -> str:
    return clinic_phone or str(CLINIC_PHONE_MISSING)


@_sms
def reminder_text(*, language: str, clinic: str, link: str) -> str:
    with in_language(language):
        return str(REMINDER).format(clinic=clinic, link=link, not_watched=NOT_WATCHED)


@_sms
def reminder_question_text(*, language: str, clinic: str, link: str, question: str) -> str:
    """The day's reminder with a milestone question (already in the patient's language) in it."""
    with in_language(language):
        return str(REMINDER_WITH_QUESTION).format(clinic=clinic, link=link, question=question, not_watched=NOT_WATCHED)


@_sms
def invitation_text(*, language: str, clinic: str, code: str, days: int, link: str) -> str:
    with in_language(language):
        return str(INVITATION).format(clinic=clinic, code=code, days=days, link=link, not_watched=NOT_WATCHED)


@_sms
def checkin_link_text(*, language: str, clinic: str, link: str) -> str:
    """A fresh web check-in link, asked for from the page of a used or expired one."""
    with in_language(language):
        return str(CHECKIN_LINK).format(clinic=clinic, link=link, not_watched=NOT_WATCHED)


@_sms
def help_text(*, language: str, clinic: str, clinic_phone: str) -> str:
    with in_language(language):
        return str(HELP).format(clinic=clinic, phone=_phone(clinic_phone), not_watched=NOT_WATCHED)


@_sms
def not_understood_text(*, language: str, clinic: str, clinic_phone: str) -> str:
    with in_language(language):
        return f"{NOT_UNDERSTOOD} {help_text(language=language, clinic=clinic, clinic_phone=clinic_phone)}"


@_sms
def partly_read_text(*, language: str, answer: str) -> str:
    """A check-in answer for a reply read only in part: what was recorded, and who reads the rest."""
    with in_language(language):
        return f"{PARTLY_READ} {answer}"


@_sms
def shared_phone_text(*, language: str, clinic: str, clinic_phone: str, advice: str | None) -> str:
    """The answer to a text from a phone several patients share: a nurse reads it; red-flag advice at once."""
    with in_language(language):
        text = str(SHARED_PHONE).format(phone=_phone(clinic_phone))
        return f"{text} {advice or NOT_WATCHED}"


@_sms
def opted_out_text(*, language: str, clinic: str) -> str:
    with in_language(language):
        return str(OPTED_OUT).format(clinic=clinic)


@_sms
def opted_in_text(*, language: str, clinic: str) -> str:
    with in_language(language):
        return str(OPTED_IN).format(clinic=clinic, not_watched=NOT_WATCHED)


@_sms
def follow_up_text(*, language: str, clinic: str, symptoms) -> str:
    """The question a few hours after emergency advice: did the patient act on it?"""
    with in_language(language):
        named = ", ".join(str(SYMPTOM_LABELS[Symptom(code)]) for code in symptoms if code in Symptom.values)
        return str(FOLLOW_UP).format(clinic=clinic, symptoms=named or FOLLOW_UP_RED_FLAG)


@_sms
def follow_up_answered_text(*, language: str, acted: bool) -> str:
    with in_language(language):
        return f"{FOLLOW_UP_ANSWERED[acted]} {NOT_WATCHED}"


@_sms
def info_text(*, language: str, guidance: str, clinic_phone: str) -> str:
    """The answer to INFO: the clinic's guidance for this stage of the recovery, and where to call."""
    with in_language(language):
        return f"{str(INFO).format(guidance=guidance, phone=_phone(clinic_phone))} {NOT_WATCHED}"


@_sms
def received_text(*, language: str) -> str:
    """The answer to a reply understood with nothing to record ("thanks", "no fever")."""
    with in_language(language):
        return f"{RECEIVED} {NOT_WATCHED}"


@_sms
def thanks_text(*, language: str, fields: dict, advice: str | None) -> str:
    """Thanks with what was recorded, then the red-flag advice (which ends with the 911 line) or the 911 line."""
    with in_language(language):
        parts = []
        for name in ("pain", "walking_minutes", "steps"):
            if fields.get(name) is not None:
                parts.append(str(FIELD_LABELS[name]).format(value=fields[name]))
        if fields.get("opioid_use") is not None:
            parts.append(str(OPIOID_LABELS[bool(fields["opioid_use"])]))
        parts.extend(str(SYMPTOM_LABELS[Symptom(code)]) for code in fields.get("symptoms", ()))
        if not parts and fields.get("note"):
            parts.append(str(NOTE_LABEL))
        text = str(THANKS).format(summary=", ".join(parts))
        return f"{text} {advice or NOT_WATCHED}"


@_sms
def unknown_sender_text() -> str:
    """The answer to a phone no patient holds: the notice in each configured language, the default first."""
    codes = [settings.LANGUAGE_CODE] + [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    said = []
    for code in codes:
        with in_language(code):
            text = str(UNKNOWN_SENDER)
        if text not in said:
            said.append(text)
    return " / ".join(said)


@_sms
def page_text(
    *,
    severity: str,
    initials: str,
    patient_id: int,
    kind: str,
    url: str,
    escalated_minutes: int | None,
    previous_failed: bool = False,
    symptoms: list[str] | tuple[str, ...] = (),
    new_evidence: bool = False,
) -> str:
    """The SMS page to a nurse: severity, the patient's initials and id, what was reported, a link. `kind`
    and `severity` are codes (named in words here) or words already."""
    with in_language(settings.LANGUAGE_CODE):
        if kind in AlertKind.values:
            kind = str(AlertKind(kind).label).lower()
        if severity in Severity.values:
            severity = str(Severity(severity).label).lower()
        escalated = str(PAGE_ESCALATED).format(minutes=escalated_minutes) if escalated_minutes else ""
        if previous_failed:
            escalated = str(PAGE_PREVIOUS_FAILED)
        if new_evidence:
            escalated = str(PAGE_NEW_EVIDENCE)
        named = [str(PAGE_SYMPTOMS[Symptom(code)]) if code in Symptom.values else str(code).replace("_", " ") for code in symptoms]
        what = (": " + ", ".join(named)) if named else ""
        return str(PAGE).format(severity=severity, initials=initials, patient_id=patient_id, kind=kind, what=what, escalated=escalated, url=url)


# --- caregivers -------------------------------------------------------------------------------------
# A caregiver is texted in the caregiver's own language, about the patient by first name (at most
# CAREGIVER_NAME_MAX characters), with the caregiver's own check-in link. The copy and the nudge stay
# within two GSM-7 segments like the reminder (tests/webcheckin/test_sms_texts.py).
CAREGIVER_NAME_MAX = 20

# Translators: at most 306 characters with the link, a long clinic name and a 20-letter first name.
CAREGIVER_COPY = pgettext_lazy(
    "sms",
    '{clinic}: daily check-in for {name}. Answering for them? Reply with their pain 0-10, e.g. "pain 4 walk 20", '
    "or tap {link} STOP to end texts. {not_watched}",
)

# Translators: at most 306 characters with the link, a long clinic name and a 20-letter first name.
CAREGIVER_NUDGE = pgettext_lazy(
    "sms",
    '{clinic}: {name} did not check in yesterday. Can you help? Reply with their pain 0-10, e.g. "pain 4 walk 20", '
    "or tap {link} STOP to end texts. {not_watched}",
)

CAREGIVER_HELP = pgettext_lazy(
    "sms",
    '{clinic}: to answer for {name}, reply with their pain 0-10, or e.g. "pain 4 walk 20" or "fever". '
    "Questions: call {phone}. Reply STOP to end texts. {not_watched}",
)

# In place of THANKS's opening (what precedes its summary).
CAREGIVER_THANKS = pgettext_lazy("sms", "Thank you, recorded for {name} today: ")

# A phone that is a caregiver's and also another patient's, or a caregiver's for several patients.
CAREGIVER_SHARED = pgettext_lazy(
    "sms", "This phone is on file for more than one patient, so a nurse will read your message in office hours. Urgent? Call {phone}."
)

# Translators: said in a caregiver's text where the patient's first name is missing.
CAREGIVER_NAME_MISSING = pgettext_lazy("sms", "the patient")


def caregiver_name(first_name: str, language: str) -> str:
    """The patient as a caregiver's text names them: the first name, cut short."""
    name = (first_name or "").strip().split(" ")[0][:CAREGIVER_NAME_MAX]
    if name:
        return name
    with in_language(language):
        return str(CAREGIVER_NAME_MISSING)


@_sms
def caregiver_copy_text(*, language: str, clinic: str, name: str, link: str) -> str:
    with in_language(language):
        return str(CAREGIVER_COPY).format(clinic=clinic, name=caregiver_name(name, language), link=link, not_watched=NOT_WATCHED)


@_sms
def caregiver_nudge_text(*, language: str, clinic: str, name: str, link: str) -> str:
    with in_language(language):
        return str(CAREGIVER_NUDGE).format(clinic=clinic, name=caregiver_name(name, language), link=link, not_watched=NOT_WATCHED)


@_sms
def caregiver_help_text(*, language: str, clinic: str, name: str, clinic_phone: str) -> str:
    with in_language(language):
        return str(CAREGIVER_HELP).format(
            clinic=clinic, name=caregiver_name(name, language), phone=_phone(clinic_phone), not_watched=NOT_WATCHED
        )


@_sms
def caregiver_not_understood_text(*, language: str, clinic: str, name: str, clinic_phone: str) -> str:
    with in_language(language):
        return f"{NOT_UNDERSTOOD} {caregiver_help_text(language=language, clinic=clinic, name=name, clinic_phone=clinic_phone)}"


@_sms
def caregiver_thanks_text(*, language: str, name: str, fields: dict, advice: str | None) -> str:
    """A caregiver's check-in by SMS: what was recorded for the patient, then the red-flag advice or the 911 line."""
    with in_language(language):
        opening = gsm7_folded(str(THANKS).split("{summary}")[0])
        rest = thanks_text(language=language, fields=fields, advice=advice).removeprefix(opening)
        return str(CAREGIVER_THANKS).format(name=caregiver_name(name, language)) + rest


@_sms
def caregiver_shared_text(*, language: str, clinic_phone: str, advice: str | None) -> str:
    with in_language(language):
        return f"{str(CAREGIVER_SHARED).format(phone=_phone(clinic_phone))} {advice or NOT_WATCHED}"
