"""Compiles the translation catalogues (locale/<language>/LC_MESSAGES/django.po) into the .mo files
Django reads, in pure Python (Babel), so that a machine with Python alone installs and runs the service:
`python -m config.catalogues` (make run and make test do it; see docs/translations.md).

Fuzzy entries (stale after the English changed) are left out, as msgfmt does: the reader gets the
English until a translator confirms the entry; tests/test_translations.py fails on them meanwhile.
"""

import os
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def compile_catalogues(locale_dir: Path = LOCALE_DIR, *, force: bool = False) -> list[Path]:
    """Writes each .mo older than its .po (or missing); returns those written."""
    written = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name, domain=po.stem)
        # Written aside and renamed: a process reading the catalogue meanwhile sees the old or the new one
        # whole, and two processes compiling at once (test workers) do not write into one file.
        partial = mo.with_name(f"{mo.name}.{os.getpid()}.partial")
        with partial.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        partial.replace(mo)
        written.append(mo)
    return written


def main(argv: list[str]) -> int:
    for mo in compile_catalogues(force="--force" in argv):
        print(f"compiled {mo.relative_to(LOCALE_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
