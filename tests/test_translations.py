"""The translation catalogues (locale/<language>/LC_MESSAGES/django.po) are complete and up to date.

- every configured language has a catalogue and is a language a patient can be given;
- no catalogue has a fuzzy entry (makemessages marks one so when its English changed: the translation
  is stale until a translator confirms it), and no catalogue but the English source an empty one;
- every translation keeps the placeholders of its English ({clinic}, %(count)d...);
- every text the code and the templates mark for translation is in every catalogue, and no catalogue
  holds a text the code no longer has: the catalogues were brought up to date (make messages).

The last is checked without GNU gettext: Babel reads the Python files, and Django's own templatize turns
each template into the Python that makemessages would give xgettext.
"""

import io
import pathlib
import re
import tokenize

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation.template import templatize

from patients.choices import Language

ROOT = pathlib.Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
# As the Makefile's `messages` target: what makemessages leaves out.
IGNORED = {"tests", "bench", "staticfiles", "var", "docs", "locale", "node_modules"}
# Django's translation functions, as Babel's keyword specifications (message, plural and context positions).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
LANGUAGES = [code for code, _ in settings.LANGUAGES]
SOURCE = settings.LANGUAGE_CODE
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdrf]|\{(\w*)\}")


def _catalogue(language: str):
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as po:
        return read_po(po, locale=language, abort_invalid=True)


def _entries(catalogue):
    return [message for message in catalogue if message.id]


def _key(message_id, context) -> tuple:
    return (context or None, message_id if isinstance(message_id, str) else message_id[0])


def _sources():
    for path in sorted(ROOT.rglob("*")):
        parts = path.relative_to(ROOT).parts
        if any(part.startswith(".") or part in IGNORED for part in parts[:-1]) or not path.is_file():
            continue
        if path.suffix == ".py":
            yield path, path.read_bytes()
        elif path.suffix == ".html":
            yield path, templatize(path.read_text(encoding="utf-8"), origin=str(path)).encode("utf-8")


def texts_in_the_code() -> dict[tuple, str]:
    found = {}
    for path, source in _sources():
        for _lineno, message, _comments, context in extract("python", io.BytesIO(source), keywords=KEYWORDS):
            found[_key(message, context)] = str(path.relative_to(ROOT))
    return found


def test_every_configured_language_has_a_catalogue_and_can_be_a_patients_language():
    assert set(LANGUAGES) == set(Language.values)
    for language in LANGUAGES:
        assert (LOCALE / language / "LC_MESSAGES" / "django.po").is_file(), f"no catalogue for {language}: make messages LANGUAGE={language}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_entry_is_fuzzy_or_untranslated(language):
    catalogue = _catalogue(language)
    fuzzy = [message.id for message in _entries(catalogue) if message.fuzzy]
    assert not fuzzy, f"{language}: {len(fuzzy)} fuzzy entries (stale: the English changed), confirm or correct them: {fuzzy}"
    if language != SOURCE:
        empty = [message.id for message in _entries(catalogue) if not all(message.string if message.pluralizable else [message.string])]
        assert not empty, f"{language}: {len(empty)} entries without a translation: {empty}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_translation_keeps_the_placeholders_of_its_english(language):
    wrong = []
    for message in _entries(_catalogue(language)):
        sources = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        expected = set(PLACEHOLDER.findall(" ".join(sources)))
        for string in strings:
            if string and set(PLACEHOLDER.findall(string)) != expected:
                wrong.append((message.id, string))
    assert not wrong, f"{language}: translations that lose or add a placeholder: {wrong}"


@pytest.fixture(scope="module")
def code_texts():
    return texts_in_the_code()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_holds_every_text_of_the_code_and_no_other(language, code_texts):
    held = {_key(message.id, message.context) for message in _entries(_catalogue(language))}
    missing = {key: where for key, where in code_texts.items() if key not in held}
    assert not missing, f"{language}: texts of the code missing from the catalogue (run make messages): {missing}"
    left_over = held - set(code_texts)
    assert not left_over, f"{language}: texts the code no longer has (run make messages): {sorted(left_over, key=str)}"


def test_no_text_is_marked_for_translation_inside_an_f_string():
    # Neither xgettext nor Babel reads a call inside an f-string: its text would never reach a catalogue.
    call = re.compile(r"\b(_|n?p?gettext|ngettext)(_lazy)?\(")
    hidden = []
    for path, source in _sources():
        if path.suffix != ".py":
            continue
        for token in tokenize.tokenize(io.BytesIO(source).readline):
            if token.type == tokenize.STRING and re.match(r"(?i)[rb]*f", token.string) and call.search(token.string):
                hidden.append(f"{path.relative_to(ROOT)}:{token.start[0]}")
    assert not hidden, f"translation calls inside f-strings, unseen by makemessages: {hidden}"


def test_the_extraction_finds_the_texts_the_catalogues_are_checked_against(code_texts):
    # A test over an empty extraction would pass for nothing: it finds Python and template texts alike.
    assert ("sms", "Thank you for your message.") in code_texts
    assert (None, "Worklist") in code_texts
    assert code_texts[(None, "Worklist")].endswith(".html") or code_texts[(None, "Worklist")].endswith(".py")
    assert ("advice", "Call the clinic today.") in code_texts


def test_a_spanish_text_is_read_from_the_compiled_catalogue():
    # The .mo Django reads is compiled from the .po (config.catalogues): the Spanish comes through.
    from django.utils import translation

    with translation.override("es"):
        assert translation.pgettext("advice", "Call the clinic today.") == "Llame a la clínica hoy."
        assert translation.ngettext("%(n)s patient", "%(n)s patients", 3) == "%(n)s pacientes"
