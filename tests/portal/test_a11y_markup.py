"""The accessible markup the server writes: skip link, named landmarks and bars, badge text.

The browser test ``tests/browser/test_accessibility.py`` runs axe-core on the drawn pages; these
tests pin the server's part so that a template edit that drops it fails fast, without a browser.
"""

from __future__ import annotations

import re

import pytest

from layers import CATALOGUE


def contrast(a: str, b: str) -> float:
    """Return the WCAG 2 contrast ratio of two ``#rrggbb`` colours."""

    def luminance(color: str) -> float:
        rgb = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _full(color: str) -> str:
    return "#000000" if color == "#000" else "#ffffff" if color == "#fff" else color


STATUS_COLOURS = sorted({s.color for layer in CATALOGUE for s in layer.statuses})


@pytest.mark.parametrize("color", STATUS_COLOURS)
def test_status_badge_text_has_at_least_4_5_to_1_contrast_on_every_layer_colour(app, color):
    with app.test_request_context("/"):
        macro = app.jinja_env.get_template("_macros.html").module.text_on
        text = str(macro(color)).strip()
    assert text in ("#000", "#fff")
    assert contrast(_full(text), color) >= 4.5, (color, text)


def test_a_yellow_status_gets_black_text_and_a_dark_red_one_white(app):
    with app.test_request_context("/"):
        macro = app.jinja_env.get_template("_macros.html").module.text_on
        assert str(macro("#f9a825")).strip() == "#000"
        assert str(macro("#c62828")).strip() == "#fff"
        assert str(macro("not a colour")).strip() == "#fff"


@pytest.mark.parametrize(("lang", "words"), [("vi", "Bỏ qua đến nội dung chính"),
                                             ("en", "Skip to main content")])
def test_the_skip_link_comes_first_and_leads_to_main(client, lang, words):
    page = client.get(f"/about?lang={lang}").get_data(as_text=True)
    body = page[page.index("<body"):]
    first_link = re.search(r"<a\b[^>]*>([^<]*)</a>", body)
    assert first_link.group(1) == words
    assert 'href="#main"' in first_link.group(0)
    assert '<main id="main" tabindex="-1"' in page
    assert 'css/a11y.css' in page and 'js/a11y.js' in page


def test_every_progress_bar_of_the_planning_page_has_a_name(client):
    page = client.get("/planning?lang=en").get_data(as_text=True)
    bars = re.findall(r'<div[^>]*role="progressbar"[^>]*>', page)
    assert len(bars) > 10
    assert all('aria-label="Progress"' in bar and "aria-valuenow=" in bar for bar in bars)


def test_status_badges_on_an_area_page_carry_their_text_colour(client):
    areas = client.get("/api/areas?level=commune").get_json()["features"]
    for area in areas[:40]:
        page = client.get(f"/area/commune/{area['properties']['code']}").get_data(as_text=True)
        badges = re.findall(r'class="badge status-badge" style="([^"]*)"', page)
        if badges:
            break
    assert badges
    for style in badges:
        background = re.search(r"background-color: (#[0-9a-fA-F]{6})", style).group(1)
        text = re.search(r"; color: (#000|#fff)", style).group(1)
        assert contrast(_full(text), background) >= 4.5, style
