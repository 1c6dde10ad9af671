from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[2] / "portal/translations/vi/LC_MESSAGES/messages.po"


def test_every_interface_string_has_a_vietnamese_translation():
    with CATALOGUE.open("rb") as handle:
        catalog = read_po(handle)
    missing = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert missing == [] and fuzzy == []


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
