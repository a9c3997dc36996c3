"""What our SMS say, in English and Spanish. Every patient-facing text tells how to answer and, where
it invites a report, that the service is not watched around the clock.

Kept short: a text in plain ASCII fits 160 characters a segment, one with Spanish accents 70.
"""

from recovery.choices import Symptom

NOT_WATCHED = {
    "en": "Not watched around the clock: in an emergency call 911.",
    "es": "No se vigila las 24 horas: en una emergencia llame al 911.",
}

# The reminder and the invitation carry the link of the web check-in page. Both stay within two SMS
# segments in plain GSM-7 (306 characters): the Spanish avoids á, í, ó and ú, which would make the
# whole text UCS-2 (134 characters in two segments); é, ñ and ¿ are GSM-7 (tests/webcheckin/test_sms_texts.py).
REMINDER = {
    "en": '{clinic} daily check-in: how was today? Reply with your pain 0-10, e.g. "pain 4 walk 20", or tap {link} '
    "HELP for help, STOP to end texts. {not_watched}",
    "es": 'Control diario de {clinic}: ¿qué tal hoy? Responda con su dolor de 0 a 10, ej. "dolor 4 caminar 20", o toque '
    "{link} AYUDA para ayuda, STOP para cancelar. {not_watched}",
}

INVITATION = {
    "en": "{clinic}: check in today at {link} or reply to our daily text with your pain 0-10. "
    "Recovery app code: {code} (valid {days} days). STOP to end texts. {not_watched}",
    "es": "{clinic}: haga hoy su control en {link} o responda a nuestro mensaje diario con su dolor de 0 a 10. "
    "Clave de la app: {code} (vale {days} d). STOP para cancelar. {not_watched}",
}

CHECKIN_LINK = {
    "en": "{clinic}: your new check-in link is {link} (it works until the end of tomorrow). {not_watched}",
    "es": "{clinic}: su nuevo enlace para el control es {link} (vale hasta el final de mañana). {not_watched}",
}

HELP = {
    "en": '{clinic} recovery check-ins. Reply with your pain 0-10, or e.g. "pain 4 walk 20" or "fever". '
    "Questions: call {phone}. Reply STOP to end texts. {not_watched}",
    "es": 'Control de recuperación de {clinic}. Responda con su dolor de 0 a 10, o p. ej. "dolor 4 caminar 20" o "fiebre". '
    "Preguntas: llame al {phone}. Responda STOP para no recibir más. {not_watched}",
}

CLINIC_PHONE_MISSING = {"en": "the clinic", "es": "la clínica"}

# Said only where it is so: every such message waits, unread, on the nurses' worklist.
NOT_UNDERSTOOD = {
    "en": "A nurse will read your message in office hours.",
    "es": "Una enfermera leerá su mensaje en horario de oficina.",
}

PARTLY_READ = {
    "en": "A nurse will read the rest of your message in office hours.",
    "es": "Una enfermera leerá el resto de su mensaje en horario de oficina.",
}

SHARED_PHONE = {
    "en": "Several patients use this phone, so a nurse will read your message in office hours. Urgent? Call {phone}.",
    "es": "Varios pacientes usan este teléfono: una enfermera leerá su mensaje en horario de oficina. ¿Urgente? Llame al {phone}.",
}

OPTED_OUT = {
    "en": "You will get no more texts from {clinic}. Reply START to get them again.",
    "es": "No recibirá más mensajes de {clinic}. Responda START para volver a recibirlos.",
}

OPTED_IN = {
    "en": "You will get daily check-in texts from {clinic} again. Reply STOP to end them. {not_watched}",
    "es": "Volverá a recibir los mensajes diarios de {clinic}. Responda STOP para dejar de recibirlos. {not_watched}",
}

FOLLOW_UP = {
    "en": "{clinic}: earlier you reported {symptoms}. Did you call 911 or go to the emergency department? Reply YES or NO.",
    "es": "{clinic}: antes nos dijo: {symptoms}. ¿Llamó al 911 o fue a urgencias? Responda SI o NO.",
}

FOLLOW_UP_ANSWERED = {
    True: {
        "en": "Thank you for telling us. Follow the emergency team's advice.",
        "es": "Gracias por decirnos. Siga las indicaciones del equipo de urgencias.",
    },
    False: {
        "en": "We have told the on-call nurse. If you still have these symptoms, call 911 now.",
        "es": "Avisamos a la enfermera de guardia. Si sigue con estos síntomas, llame al 911 ahora.",
    },
}

RECEIVED = {
    "en": "Thank you for your message.",
    "es": "Gracias por su mensaje.",
}

THANKS = {
    "en": "Thank you, recorded for today: {summary}.",
    "es": "Gracias, registrado para hoy: {summary}.",
}

UNKNOWN_SENDER = (
    "This number is for enrolled patients only. In an emergency call 911. / "
    "Este número es solo para pacientes inscritos. En una emergencia llame al 911."
)

PAGE = "Recovery alert ({severity}): patient {initials} #{patient_id}, {kind}{what}.{escalated} Open: {url}"
PAGE_NEW_EVIDENCE = " New symptom reported."
# The symptoms as a nurse reads them on a page (plain words, no more than the symptom itself).
PAGE_SYMPTOMS = {
    Symptom.CHEST_PAIN_BREATHLESS: "chest pain or trouble breathing",
    Symptom.BLADDER_BOWEL: "bladder or bowel control",
    Symptom.NEW_WEAKNESS: "new weakness or a fall",
    Symptom.NEW_NUMBNESS: "new numbness",
    Symptom.CALF_PAIN_SWELLING: "calf pain or swollen leg",
    Symptom.FEVER: "fever",
    Symptom.WOUND_DRAINAGE: "wound problem",
    Symptom.TROUBLE_SWALLOWING: "trouble swallowing",
    Symptom.UNCONTROLLED_PAIN: "uncontrolled pain",
}
PAGE_ESCALATED = " Not acknowledged after {minutes} min."
PAGE_PREVIOUS_FAILED = " The previous nurse's page failed."

FIELD_LABELS = {
    "en": {"pain": "pain {}", "walking_minutes": "walking {} min", "steps": "{} steps", "opioid_use": {True: "opioids taken", False: "no opioids"}},
    "es": {"pain": "dolor {}", "walking_minutes": "caminata {} min", "steps": "{} pasos", "opioid_use": {True: "tomó opioides", False: "sin opioides"}},
}

SYMPTOM_LABELS = {
    "en": {
        Symptom.FEVER: "fever",
        Symptom.WOUND_DRAINAGE: "wound problem",
        Symptom.NEW_WEAKNESS: "new weakness",
        Symptom.NEW_NUMBNESS: "new numbness",
        Symptom.BLADDER_BOWEL: "bladder or bowel problem",
        Symptom.CALF_PAIN_SWELLING: "calf pain or swelling",
        Symptom.CHEST_PAIN_BREATHLESS: "chest pain or trouble breathing",
        Symptom.TROUBLE_SWALLOWING: "trouble swallowing",
        Symptom.UNCONTROLLED_PAIN: "pain not controlled",
    },
    "es": {
        Symptom.FEVER: "fiebre",
        Symptom.WOUND_DRAINAGE: "problema en la herida",
        Symptom.NEW_WEAKNESS: "debilidad nueva",
        Symptom.NEW_NUMBNESS: "entumecimiento nuevo",
        Symptom.BLADDER_BOWEL: "problema de vejiga o intestino",
        Symptom.CALF_PAIN_SWELLING: "dolor o hinchazón de pantorrilla",
        Symptom.CHEST_PAIN_BREATHLESS: "dolor de pecho o falta de aire",
        Symptom.TROUBLE_SWALLOWING: "dificultad para tragar",
        Symptom.UNCONTROLLED_PAIN: "dolor no controlado",
    },
}


def _lang(language: str) -> str:
    return language if language in ("en", "es") else "en"


def reminder_text(*, language: str, clinic: str, link: str) -> str:
    lang = _lang(language)
    return REMINDER[lang].format(clinic=clinic, link=link, not_watched=NOT_WATCHED[lang])


def invitation_text(*, language: str, clinic: str, code: str, days: int, link: str) -> str:
    lang = _lang(language)
    return INVITATION[lang].format(clinic=clinic, code=code, days=days, link=link, not_watched=NOT_WATCHED[lang])


def checkin_link_text(*, language: str, clinic: str, link: str) -> str:
    """A fresh web check-in link, asked for from the page of a used or expired one."""
    lang = _lang(language)
    return CHECKIN_LINK[lang].format(clinic=clinic, link=link, not_watched=NOT_WATCHED[lang])


def help_text(*, language: str, clinic: str, clinic_phone: str) -> str:
    lang = _lang(language)
    return HELP[lang].format(clinic=clinic, phone=clinic_phone or CLINIC_PHONE_MISSING[lang], not_watched=NOT_WATCHED[lang])


def not_understood_text(*, language: str, clinic: str, clinic_phone: str) -> str:
    lang = _lang(language)
    return NOT_UNDERSTOOD[lang] + " " + help_text(language=lang, clinic=clinic, clinic_phone=clinic_phone)


def partly_read_text(*, language: str, answer: str) -> str:
    """A check-in answer for a reply read only in part: what was recorded, and who reads the rest."""
    return f"{PARTLY_READ[_lang(language)]} {answer}"


def shared_phone_text(*, language: str, clinic: str, clinic_phone: str, advice: str | None) -> str:
    """The answer to a text from a phone several patients share: a nurse reads it; red-flag advice at once."""
    lang = _lang(language)
    text = SHARED_PHONE[lang].format(phone=clinic_phone or CLINIC_PHONE_MISSING[lang])
    return f"{text} {advice or NOT_WATCHED[lang]}"


def opted_out_text(*, language: str, clinic: str) -> str:
    return OPTED_OUT[_lang(language)].format(clinic=clinic)


def opted_in_text(*, language: str, clinic: str) -> str:
    lang = _lang(language)
    return OPTED_IN[lang].format(clinic=clinic, not_watched=NOT_WATCHED[lang])


def follow_up_text(*, language: str, clinic: str, symptoms) -> str:
    """The question a few hours after emergency advice: did the patient act on it?"""
    lang = _lang(language)
    named = ", ".join(SYMPTOM_LABELS[lang][Symptom(code)] for code in symptoms if code in Symptom.values)
    return FOLLOW_UP[lang].format(clinic=clinic, symptoms=named or ("a red flag" if lang == "en" else "un síntoma de alarma"))


def follow_up_answered_text(*, language: str, acted: bool) -> str:
    lang = _lang(language)
    return f"{FOLLOW_UP_ANSWERED[acted][lang]} {NOT_WATCHED[lang]}"


INFO = {
    "en": "{guidance} Questions: call {phone}. Reply HELP for help, STOP to end texts.",
    "es": "{guidance} Preguntas: llame al {phone}. AYUDA para ayuda, STOP para no recibir mas.",
}


def info_text(*, language: str, guidance: str, clinic_phone: str) -> str:
    """The answer to INFO: the clinic's guidance for this stage of the recovery, and where to call."""
    lang = _lang(language)
    return f"{INFO[lang].format(guidance=guidance, phone=clinic_phone or CLINIC_PHONE_MISSING[lang])} {NOT_WATCHED[lang]}"


def received_text(*, language: str) -> str:
    """The answer to a reply understood with nothing to record ("thanks", "no fever")."""
    lang = _lang(language)
    return f"{RECEIVED[lang]} {NOT_WATCHED[lang]}"


def thanks_text(*, language: str, fields: dict, advice: str | None) -> str:
    """Thanks with what was recorded, then the red-flag advice (which ends with the 911 line) or the 911 line."""
    lang = _lang(language)
    labels = FIELD_LABELS[lang]
    parts = []
    for name in ("pain", "walking_minutes", "steps"):
        if fields.get(name) is not None:
            parts.append(labels[name].format(fields[name]))
    if fields.get("opioid_use") is not None:
        parts.append(labels["opioid_use"][bool(fields["opioid_use"])])
    parts.extend(SYMPTOM_LABELS[lang][Symptom(code)] for code in fields.get("symptoms", ()))
    if not parts and fields.get("note"):
        parts.append("note" if lang == "en" else "nota")
    text = THANKS[lang].format(summary=", ".join(parts))
    return f"{text} {advice or NOT_WATCHED[lang]}"


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
    """The SMS page to a nurse: severity, the patient's initials and id, what was reported, a link."""
    escalated = PAGE_ESCALATED.format(minutes=escalated_minutes) if escalated_minutes else ""
    if previous_failed:
        escalated = PAGE_PREVIOUS_FAILED
    if new_evidence:
        escalated = PAGE_NEW_EVIDENCE
    named = [PAGE_SYMPTOMS[Symptom(code)] if code in Symptom.values else str(code).replace("_", " ") for code in symptoms]
    what = (": " + ", ".join(named)) if named else ""
    return PAGE.format(severity=severity, initials=initials, patient_id=patient_id, kind=kind, what=what, escalated=escalated, url=url)


# --- caregivers -------------------------------------------------------------------------------------
# A caregiver is texted in the caregiver's own language, about the patient by first name (at most
# CAREGIVER_NAME_MAX characters), with the caregiver's own check-in link. The copy and the nudge stay
# within two GSM-7 segments like the reminder (no á, í, ó, ú in the Spanish; tests/webcheckin/test_sms_texts.py).
CAREGIVER_NAME_MAX = 20

CAREGIVER_COPY = {
    "en": '{clinic}: daily check-in for {name}. Answering for them? Reply with their pain 0-10, e.g. "pain 4 walk 20", '
    "or tap {link} STOP to end texts. {not_watched}",
    "es": 'Control diario de {name} ({clinic}). ¿Responde por {name}? Mande su dolor de 0 a 10, ej. "dolor 4 caminar 20", '
    "o toque {link} STOP para cancelar. {not_watched}",
}

CAREGIVER_NUDGE = {
    "en": '{clinic}: {name} did not check in yesterday. Can you help? Reply with their pain 0-10, e.g. "pain 4 walk 20", '
    "or tap {link} STOP to end texts. {not_watched}",
    "es": '{clinic}: {name} no hizo su control ayer. ¿Puede ayudar? Mande su dolor de 0 a 10, ej. "dolor 4 caminar 20", '
    "o toque {link} STOP para cancelar. {not_watched}",
}

CAREGIVER_HELP = {
    "en": '{clinic}: to answer for {name}, reply with their pain 0-10, or e.g. "pain 4 walk 20" or "fever". '
    "Questions: call {phone}. Reply STOP to end texts. {not_watched}",
    "es": '{clinic}: para responder por {name}, mande su dolor de 0 a 10, o p. ej. "dolor 4 caminar 20" o "fiebre". '
    "Preguntas: llame al {phone}. STOP para no recibir mas. {not_watched}",
}

# In place of THANKS's opening (what precedes its summary).
CAREGIVER_THANKS = {
    "en": "Thank you, recorded for {name} today: ",
    "es": "Gracias, registrado para {name} hoy: ",
}

# A phone that is a caregiver's and also another patient's, or a caregiver's for several patients.
CAREGIVER_SHARED = {
    "en": "This phone is on file for more than one patient, so a nurse will read your message in office hours. Urgent? Call {phone}.",
    "es": "Este teléfono está registrado para más de un paciente: una enfermera leerá su mensaje en horario de oficina. ¿Urgente? Llame al {phone}.",
}


def caregiver_name(first_name: str, language: str) -> str:
    """The patient as a caregiver's text names them: the first name, cut short."""
    name = (first_name or "").strip().split(" ")[0][:CAREGIVER_NAME_MAX]
    return name or ("the patient" if _lang(language) == "en" else "el paciente")


def caregiver_copy_text(*, language: str, clinic: str, name: str, link: str) -> str:
    lang = _lang(language)
    return CAREGIVER_COPY[lang].format(clinic=clinic, name=caregiver_name(name, lang), link=link, not_watched=NOT_WATCHED[lang])


def caregiver_nudge_text(*, language: str, clinic: str, name: str, link: str) -> str:
    lang = _lang(language)
    return CAREGIVER_NUDGE[lang].format(clinic=clinic, name=caregiver_name(name, lang), link=link, not_watched=NOT_WATCHED[lang])


def caregiver_help_text(*, language: str, clinic: str, name: str, clinic_phone: str) -> str:
    lang = _lang(language)
    return CAREGIVER_HELP[lang].format(
        clinic=clinic, name=caregiver_name(name, lang), phone=clinic_phone or CLINIC_PHONE_MISSING[lang], not_watched=NOT_WATCHED[lang]
    )


def caregiver_not_understood_text(*, language: str, clinic: str, name: str, clinic_phone: str) -> str:
    lang = _lang(language)
    return NOT_UNDERSTOOD[lang] + " " + caregiver_help_text(language=lang, clinic=clinic, name=name, clinic_phone=clinic_phone)


def caregiver_thanks_text(*, language: str, name: str, fields: dict, advice: str | None) -> str:
    """A caregiver's check-in by SMS: what was recorded for the patient, then the red-flag advice or the 911 line."""
    lang = _lang(language)
    rest = thanks_text(language=lang, fields=fields, advice=advice).removeprefix(THANKS[lang].split("{summary}")[0])
    return CAREGIVER_THANKS[lang].format(name=caregiver_name(name, lang)) + rest


def caregiver_shared_text(*, language: str, clinic_phone: str, advice: str | None) -> str:
    lang = _lang(language)
    return f"{CAREGIVER_SHARED[lang].format(phone=clinic_phone or CLINIC_PHONE_MISSING[lang])} {advice or NOT_WATCHED[lang]}"
