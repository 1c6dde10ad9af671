"""Numbers, percents and dates read the way each language writes them, on the server."""

import datetime as dt
import re

from portal.web.formats import fmt_day, fmt_num, fmt_pct


def test_vietnamese_numbers_have_a_decimal_comma_and_dots_between_thousands():
    assert fmt_num(2256, "vi") == "2.256"
    assert fmt_num(1234567.25, "vi") == "1.234.567,2"
    assert fmt_num(93.84, "vi") == "93,8"
    assert fmt_num(12.0, "vi") == "12"
    assert fmt_pct(93.8, "vi") == "93,8\u00a0%"
    assert fmt_pct(100, "vi") == "100\u00a0%"


def test_english_numbers_have_a_decimal_point_and_commas_between_thousands():
    assert fmt_num(2256, "en") == "2,256"
    assert fmt_num(1234567.25, "en") == "1,234,567.2"
    assert fmt_pct(93.8, "en") == "93.8%"
    assert fmt_pct(0, "en") == "0%"


def test_hidden_counts_and_missing_values_show_as_they_are():
    assert fmt_num("<3", "vi") == "<3"
    assert fmt_num(None, "en") == fmt_pct(None, "vi") == "–"


def test_dates_are_day_month_year_in_both_languages():
    assert fmt_day(dt.date(2025, 11, 30), "vi") == "30/11/2025"
    assert fmt_day(dt.date(2025, 11, 30), "en") == "30/11/2025"
    assert fmt_day("2025-03-01", "en") == "01/03/2025"
    assert fmt_day(dt.datetime(2025, 3, 1, 9, 5), "vi") == "01/03/2025 09:05"


def _expected_cells(page: str) -> list[str]:
    table = page.split('class="table table-sm table-hover', 1)[1]
    return re.findall(r'<td class="text-end text-nowrap">([^<]+)</td>', table)


def test_the_planning_page_writes_percents_in_the_readers_language(client):
    query = "layer=industry&level=commune&as_of=2025-11-30"
    vi = client.get(f"/planning?{query}").get_data(as_text=True)
    en = client.get(f"/planning?{query}&lang=en").get_data(as_text=True)
    assert set(_expected_cells(vi)) == {"91,5\u00a0%"}
    assert set(_expected_cells(en)) == {"91.5%"}
    assert "30/11/2025" in vi and "30/11/2025" in en
    assert re.search(r">\d+,\d\u00a0%</div>", vi) and not re.search(r">\d+\.\d %", vi)


def test_the_telecom_counters_have_thousands_separators_only_when_needed(client):
    page = client.get("/telecom").get_data(as_text=True)
    left = re.search(r'data-figure="left">([^<]+)<', page).group(1)
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*", left)


def test_english_search_names_the_kind_of_each_area_in_english(client):
    vietnamese = client.get("/api/search?q=lang%20son").get_json()
    english = client.get("/api/search?q=lang%20son&lang=en").get_json()
    kinds_en = {r["detail"] for r in english if r["kind"] == "area"}
    kinds_vi = {r["detail"] for r in vietnamese if r["kind"] == "area"}
    assert "Thành phố" in kinds_vi or "Tỉnh" in kinds_vi
    assert kinds_en and not kinds_en & {"Thành phố", "Tỉnh", "Huyện", "Xã", "Phường"}


def test_numbers_match_babel_s_patterns_without_its_parser():
    """The quick path gives what Babel's ``#,##0.#`` gives, ties rounded half-even."""
    from babel.numbers import format_decimal

    from portal.web.formats import fmt_num

    values = [0, 7, 2256, -1234567, 0.05, 0.15, 0.25, 0.35, 93.75, 4.0, 99.95, 169.0,
              1234567.891, 12.5, 1e-7, 10**12]
    for value in values:
        for locale in ("vi", "en"):
            for digits in (0, 1, 2):
                pattern = "#,##0" + ("." + "#" * digits if digits else "")
                assert fmt_num(value, locale, digits) == format_decimal(
                    value, format=pattern, locale=locale), (value, locale, digits)
    assert fmt_num(-0.04, "vi") == "0"  # never "-0"
