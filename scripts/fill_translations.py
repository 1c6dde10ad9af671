"""Fill Vietnamese translations into the catalogue from a Python dict file (msgid -> msgstr).

Usage: .venv/bin/python scripts/fill_translations.py TRANSLATIONS.py
Prints the msgids still untranslated afterwards.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOGUE = Path(__file__).resolve().parents[1] / "portal/translations/vi/LC_MESSAGES/messages.po"


def main() -> None:
    """Fill the catalogue and report what is missing."""
    table = runpy.run_path(sys.argv[1])["TR"]
    with CATALOGUE.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.id in table:
            message.string = table[message.id]
            message.flags.discard("fuzzy")
    with CATALOGUE.open("wb") as handle:
        write_po(handle, catalog, width=76, sort_output=True, no_location=True)
    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    print("untranslated:", missing)


if __name__ == "__main__":
    main()
