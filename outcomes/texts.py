"""What the questionnaire pages and the offer SMS say, in English and Spanish (the patient's language).
The questions themselves come from the loaded instrument and its translations."""

PAGE = {
    "en": {
        "title": "Recovery questionnaire",
        "intro": "A few questions about how you are doing, {label} after your surgery. Your answers are kept as you go: you can stop and come back with the same link.",
        "intro_baseline": "A few questions about how you are doing before your surgery. Your answers are kept as you go: you can stop and come back with the same link.",
        "progress": "Question {n} of {total}",
        "next": "Next",
        "finish": "Send my answers",
        "back": "Previous question",
        "skip": "Skip this question",
        "choose": "Choose one answer.",
        "number": "Enter a whole number from {low} to {high}.",
        "done": "Thank you, your answers are recorded.",
        "done_score": "Your score: {score}.",
        "problem_heading": "This link does not open a questionnaire",
        "expired": "This link has expired: the time for this questionnaire has passed.",
        "used": "This questionnaire is already answered. Thank you.",
        "unknown": "This link is not one we sent, or part of it is missing. Check that you opened the whole link from our text.",
        "too_many": "Too many attempts from this connection. Please wait an hour, or use the link in our latest text.",
        "call_clinic": "Questions: call the clinic at {phone}.",
    },
    "es": {
        "title": "Cuestionario de recuperación",
        "intro": "Unas preguntas sobre cómo se encuentra, {label} después de su cirugía. Sus respuestas se guardan a medida que avanza: puede parar y volver con el mismo enlace.",
        "intro_baseline": "Unas preguntas sobre cómo se encuentra antes de su cirugía. Sus respuestas se guardan a medida que avanza: puede parar y volver con el mismo enlace.",
        "progress": "Pregunta {n} de {total}",
        "next": "Siguiente",
        "finish": "Enviar mis respuestas",
        "back": "Pregunta anterior",
        "skip": "Saltar esta pregunta",
        "choose": "Elija una respuesta.",
        "number": "Escriba un número entero de {low} a {high}.",
        "done": "Gracias, sus respuestas quedaron registradas.",
        "done_score": "Su puntaje: {score}.",
        "problem_heading": "Este enlace no abre un cuestionario",
        "expired": "Este enlace venció: ya pasó el plazo de este cuestionario.",
        "used": "Este cuestionario ya está respondido. Gracias.",
        "unknown": "Este enlace no es uno que enviamos, o le falta una parte. Revise que abrió el enlace completo de nuestro mensaje.",
        "too_many": "Demasiados intentos desde esta conexión. Espere una hora, o use el enlace de nuestro último mensaje.",
        "call_clinic": "Preguntas: llame a la clínica al {phone}.",
    },
}

# Time point labels in Spanish, for the page's intro (the instrument's labels are English).
LABELS_ES = {"6 weeks": "6 semanas", "3 months": "3 meses", "6 months": "6 meses", "12 months": "12 meses"}

# Worded in GSM-7 (no á, í, ó, ú) so that the text stays within two SMS segments.
OFFER = {
    "en": "{clinic}: a short questionnaire about your recovery (about 2 minutes). Answer here: {link}",
    "es": "{clinic}: un cuestionario corto sobre su recuperacion (unos 2 minutos). Responda aqui: {link}",
}


def _lang(language: str) -> str:
    return language if language in PAGE else "en"


def page_texts(language: str) -> dict:
    return PAGE[_lang(language)]


def offer_text(*, language: str, clinic: str, link: str) -> str:
    return OFFER[_lang(language)].format(clinic=clinic, link=link)


def time_point_label(label: str, language: str) -> str:
    return LABELS_ES.get(label, label) if _lang(language) == "es" else label
