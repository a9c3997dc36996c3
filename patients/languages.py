"""The language a patient's texts are rendered in: the patient's own, when it is one of settings.LANGUAGES,
else the service's default (settings.LANGUAGE_CODE)."""

from django.conf import settings
from django.utils import translation


def supported_language(language: str | None) -> str:
    if language and any(code == language for code, _ in settings.LANGUAGES):
        return language
    return settings.LANGUAGE_CODE


def in_language(language: str | None) -> translation.override:
    """`with in_language(patient.language):` renders gettext strings in the patient's language, whatever
    language the request or task runs in."""
    return translation.override(supported_language(language))
