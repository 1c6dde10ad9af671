import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[2] / "portal/translations/vi/LC_MESSAGES/messages.po"
ENGLISH = CATALOGUE.parents[2] / "en/LC_MESSAGES/messages.po"
#: The keywords that mark a string for translation anywhere in the portal (``_l``: lazy_gettext).
KEYWORDS = ("_", "gettext", "ngettext", "lazy_gettext", "_l")
#: Proper names an English msgid may hold with their Vietnamese letters.
PROPER_NAMES = ("Lạng Sơn", "Hữu Nghị", "Tân Thanh", "Be Vietnam Pro")
VIETNAMESE_LETTERS = re.compile(
    "[ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]",
    re.IGNORECASE,
)


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _marked_strings(tmp_path: Path) -> set[str]:
    root = CATALOGUE.parents[4]
    pot = tmp_path / "messages.pot"
    keywords = [arg for word in KEYWORDS for arg in ("-k", word)]
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F",
         str(root / "portal/babel.cfg"), *keywords, "-o", str(pot), str(root / "portal")],
        check=True,
    )
    return {m.id for m in _read(pot) if m.id}


def _is_english(text: str) -> bool:
    for name in PROPER_NAMES:
        text = text.replace(name, "")
    return not VIETNAMESE_LETTERS.search(text)


def test_every_interface_string_has_a_vietnamese_translation():
    with CATALOGUE.open("rb") as handle:
        catalog = read_po(handle)
    missing = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert missing == [] and fuzzy == []


def test_every_string_the_code_marks_for_translation_is_in_both_catalogues(tmp_path):
    wanted = _marked_strings(tmp_path)
    for path in (CATALOGUE, ENGLISH):
        known = {m.id for m in _read(path) if m.id}
        assert (path.parent.parent.name, sorted(wanted - known, key=str)) == (
            path.parent.parent.name, [])


def test_every_marked_string_has_its_vietnamese_and_its_english(tmp_path):
    wanted = _marked_strings(tmp_path)
    vietnamese = {m.id: m.string for m in _read(CATALOGUE) if m.id}
    english = {m.id: m.string for m in _read(ENGLISH) if m.id}
    # Vietnamese: every message translated (a msgid left as the Vietnamese too counts as missing).
    no_vi = sorted((m for m in wanted if not vietnamese.get(m) or vietnamese[m] == m), key=str)
    # English is the msgid language: an empty msgstr shows the msgid, fine when it is English.
    no_en = sorted((m for m in wanted if not english.get(m) and not _is_english(str(m))), key=str)
    assert (no_vi, no_en) == ([], [])


def test_the_login_and_account_forms_speak_vietnamese(client, app):
    page = client.get("/login").get_data(as_text=True)
    assert "Mật khẩu" in page and ">Password<" not in page


def test_a_start_date_after_the_end_date_is_refused_in_words_a_reader_understands(client):
    vi = client.get("/api/changes?layer=signal&since=2025-11-30&until=2025-10-01")
    en = client.get("/api/changes?layer=signal&since=2025-11-30&until=2025-10-01&lang=en")
    assert vi.status_code == en.status_code == 400
    assert vi.get_json()["error"] == "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."
    assert en.get_json()["error"] == "The start date must be on or before the end date."


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
