import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[2] / "portal/translations/vi/LC_MESSAGES/messages.po"


def test_every_interface_string_has_a_vietnamese_translation():
    with CATALOGUE.open("rb") as handle:
        catalog = read_po(handle)
    missing = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert missing == [] and fuzzy == []


def test_every_string_the_code_marks_for_translation_is_in_the_catalogue(tmp_path):
    root = CATALOGUE.parents[4]
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F",
         str(root / "portal/babel.cfg"), "-k", "_", "-k", "gettext", "-k", "ngettext",
         "-k", "lazy_gettext", "-o", str(pot), str(root / "portal")],
        check=True,
    )
    with pot.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with CATALOGUE.open("rb") as handle:
        known = {m.id for m in read_po(handle) if m.id}
    assert sorted(wanted - known, key=str) == []


def test_choice_values_reach_the_map_client_with_their_labels(client):
    layers = {layer["id"]: layer for layer in client.get("/api/layers").get_json()["layers"]}
    site_type = next(f for f in layers["geopark"]["fields"] if f["name"] == "site_type")
    assert site_type["choices"] and all(site_type["choices"].values())
    english = client.get("/api/layers?lang=en").get_json()["layers"]
    site_type_en = next(
        f for f in next(x for x in english if x["id"] == "geopark")["fields"]
        if f["name"] == "site_type"
    )
    assert site_type_en["choices"] != site_type["choices"]


def test_no_translation_has_a_bare_percent_sign_that_would_break_formatting():
    import re

    with CATALOGUE.open("rb") as handle:
        catalog = read_po(handle)
    bare = [m.id for m in catalog if m.string and re.search(r"%(?!\(|%)", str(m.string))]
    assert bare == []
