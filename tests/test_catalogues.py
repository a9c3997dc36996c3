"""The catalogues compile in pure Python (config.catalogues, Babel): a machine without GNU gettext
installs and runs the service; a fuzzy entry is left out of the compiled catalogue."""

import gettext
import os
import shutil
import subprocess
import sys

from config.catalogues import LOCALE_DIR, compile_catalogues

PO = """msgid ""
msgstr ""
"Language: es\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

msgctxt "sms"
msgid "Thank you for your message."
msgstr "Gracias por su mensaje."

#, fuzzy
msgid "Call the clinic now."
msgstr "Llame a la clinica ayer."

msgid "%(n)s patient"
msgid_plural "%(n)s patients"
msgstr[0] "%(n)s paciente"
msgstr[1] "%(n)s pacientes"
"""


def test_a_catalogue_compiles_without_gnu_gettext_and_leaves_fuzzy_entries_out(tmp_path):
    po = tmp_path / "es" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(PO, encoding="utf-8")
    # A PATH with nothing on it: no msgfmt to fall back on.
    bare = tmp_path / "bin"
    bare.mkdir()
    code = f"from pathlib import Path; from config.catalogues import compile_catalogues; print(compile_catalogues(Path({str(tmp_path)!r})))"
    env = {**os.environ, "PATH": str(bare)}
    assert shutil.which("msgfmt", path=env["PATH"]) is None
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=LOCALE_DIR.parent, timeout=60)
    with (po.parent / "django.mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    assert catalogue.pgettext("sms", "Thank you for your message.") == "Gracias por su mensaje."
    assert catalogue.ngettext("%(n)s patient", "%(n)s patients", 2) == "%(n)s pacientes"
    # The stale translation is not used: the reader gets the English until it is confirmed.
    assert catalogue.gettext("Call the clinic now.") == "Call the clinic now."


def test_a_catalogue_is_compiled_again_only_when_its_po_changed(tmp_path):
    po = tmp_path / "es" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(PO, encoding="utf-8")
    assert compile_catalogues(tmp_path) == [po.with_suffix(".mo")]
    assert compile_catalogues(tmp_path) == []
    stamp = po.with_suffix(".mo").stat().st_mtime
    os.utime(po, (stamp + 5, stamp + 5))
    assert compile_catalogues(tmp_path) == [po.with_suffix(".mo")]
