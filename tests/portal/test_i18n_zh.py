"""The Chinese (Simplified) interface of the public pages, and the geopark page in three languages.

Visitors come through the Hữu Nghị and Tân Thanh gates: the geopark page and the page about the
data are offered in Vietnamese, English and Chinese; the staff pages stay in Vietnamese or
English (a ``zh`` request falls back to Vietnamese there).
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from sqlalchemy import select

from portal.services.visitor_sites import site_key
from portal.store.models import Feature
from portal.web.database import get_database

ROOT = Path(__file__).resolve().parents[2]
ZH_CATALOGUE = ROOT / "portal/translations/zh/LC_MESSAGES/messages.po"
#: Every file whose marked strings a visitor may read on a page offered in Chinese.
PUBLIC_SOURCES = (
    ("jinja2", "portal/templates/base.html"),
    ("jinja2", "portal/templates/geopark.html"),
    ("jinja2", "portal/templates/_geopark_site.html"),
    ("jinja2", "portal/templates/about.html"),
    ("python", "portal/views/geopark.py"),
)
#: Marked strings of the public pages that live in modules shared with staff pages.
PUBLIC_EXTRA = ("About the data",)
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
STATUS_WORDS = ("Đón khách", "Đã khảo sát", "Đạt tiêu chuẩn ASEAN", "Open to visitors", "Surveyed",
                "ASEAN standard", "Tạm dừng", "behind schedule", "chậm")  # fmt: skip


def public_msgids() -> set[str]:
    """Return the msgids of every string the public pages show."""
    ids = set(PUBLIC_EXTRA)
    for method, path in PUBLIC_SOURCES:
        for _line, message, _comments, _context in extract_from_file(
            method, str(ROOT / path), keywords=KEYWORDS
        ):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


def untranslated(catalog: Catalog, msgids: set[str]) -> list[str]:
    """Return the msgids lacking a non-empty, non-fuzzy translation in ``catalog``."""
    return sorted(
        i for i in msgids
        if catalog.get(i) is None or not catalog.get(i).string or catalog.get(i).fuzzy
    )  # fmt: skip


def geopark_row(app, name):
    with get_database(app).sessions() as session:
        return session.execute(
            select(Feature.id, Feature.record_id, Feature.name).where(
                Feature.layer_id == "geopark", Feature.name == name, Feature.deleted_at.is_(None)
            )
        ).one()


def test_every_string_of_the_public_pages_has_a_chinese_translation():
    with ZH_CATALOGUE.open("rb") as handle:
        catalog = read_po(handle)
    wanted = public_msgids()
    assert len(wanted) >= 40 and "Opening hours" in wanted and "About the data" in wanted
    assert untranslated(catalog, wanted) == []


def test_the_check_names_a_public_string_left_without_its_chinese():
    with ZH_CATALOGUE.open("rb") as handle:
        catalog = read_po(handle)
    catalog.get("How to get there").string = ""
    catalog.get("Opening hours").flags.add("fuzzy")
    assert untranslated(catalog, public_msgids()) == ["How to get there", "Opening hours"]


def test_the_geopark_page_answers_in_chinese_with_the_language_switch_of_three(client):
    response = client.get("/geopark?lang=zh")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html
    for text in ("谅山联合国教科文组织世界地质公园", "游览景点", "开放时间", "交通指南",
                 "本景点链接"):
        assert text in html, text
    switch = re.search(r'class="d-flex gap-1 language-switch".*?</div>', html, re.S).group(0)
    assert [m for m in re.findall(r">([^<>]+)</a>", switch)] == ["Tiếng Việt", "English", "中文"]
    about = client.get("/about?lang=zh").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in about and "关于数据" in about and "近似边界" in about


def test_staff_pages_fall_back_to_vietnamese_for_chinese(client):
    html = client.get("/planning?lang=zh").get_data(as_text=True)
    assert '<html lang="vi">' in html and "中文" not in html
    client.get("/geopark?lang=zh")  # the cookie now says zh
    assert '<html lang="vi">' in client.get("/planning").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in client.get("/geopark").get_data(as_text=True)


def test_one_language_at_a_time_with_a_visible_fallback_to_vietnamese(client):
    zh = client.get("/geopark?lang=zh").get_data(as_text=True)
    # A site with its Chinese texts: the Chinese name, description and way there.
    assert "母山" in zh and "全省最高的山体" in zh and "4B国道" in zh
    assert "The province's highest massif" not in zh and "Khối núi cao nhất tỉnh" not in zh
    # A site without a Chinese description: the Vietnamese one, marked as such.
    assert '<span lang="vi">Đền thờ Mẫu nổi tiếng' in zh
    assert "（越南语）" in zh
    en = client.get("/geopark?lang=en").get_data(as_text=True)
    assert "Mẫu Sơn Mountain" in en and "The province&#39;s highest massif" in en
    assert "母山" not in en and "Khối núi cao nhất tỉnh" not in en and "(Vietnamese)" in en
    vi = client.get("/geopark?lang=vi").get_data(as_text=True)
    assert "Khối núi cao nhất tỉnh" in vi and "(Vietnamese)" not in vi and "（越南语）" not in vi


def test_the_public_page_shows_no_internal_ids_statuses_or_unopened_sites(client):
    for lang in ("vi", "en", "zh"):
        html = client.get(f"/geopark?lang={lang}").get_data(as_text=True)
        assert "demo-geopark-" not in html
        assert not [w for w in STATUS_WORDS if w in html], lang
        # Surveyed or signposted sites are not sent visitors; open ones are listed.
        assert "Hang Thẩm Khuyên" not in html and "Điểm hóa thạch Na Dương" not in html
        assert html.count('class="site-card') >= 10


def test_a_shared_link_names_the_site_by_a_key_not_its_id(client):
    app = client.application
    fid, record_id, name = geopark_row(app, "Núi Mẫu Sơn")
    key = site_key(record_id, name)
    assert record_id not in key and key.startswith("nui-mau-son-")
    html = client.get("/geopark?lang=en").get_data(as_text=True)
    assert f"/geopark?site={key}&amp;lang=en" in html
    shared = client.get(f"/geopark?site={key}&lang=zh")
    assert shared.status_code == 200
    page = shared.get_data(as_text=True)
    assert "<title>母山 · " in page
    assert f'class="site-card site-item is-selected" id="site-{key}"' in page
    assert f'"selected": "{key}"' in page
    # An unknown key opens the page with no site chosen, not an error.
    unknown = client.get("/geopark?site=nowhere-000000")
    assert unknown.status_code == 200 and '"selected": null' in unknown.get_data(as_text=True)


def test_a_tourism_editor_writes_the_chinese_description_a_visitor_then_reads(client, login):
    app = client.application
    fid, _record_id, _name = geopark_row(app, "Đền Bắc Lệ")
    token = login("tourism_editor")
    text = "著名的母道庙宇，农历九月举行盛大庙会。"
    saved = client.patch(
        f"/api/layers/geopark/features/{fid}",
        json={"version": 1, "properties": {"description_zh": text, "name_zh": "北丽庙"}},
        headers={"X-CSRFToken": token},
    )
    assert saved.status_code == 200, saved.get_json()
    html = client.get("/geopark?lang=zh").get_data(as_text=True)
    assert text in html and "北丽庙" in html
    assert '<span lang="vi">Đền thờ Mẫu nổi tiếng' not in html
