"""Numbers, percents and dates in the reader's language: one helper for every page.

Vietnamese writes a decimal comma and a dot between thousands ("2.256", "93,8 %"), English the
other way round ("2,256", "93.8%"); dates are day/month/year in both ("30/11/2025"). The Jinja
filters ``num``, ``pct`` and ``day`` use the request's language; the functions take it as an
argument, for code outside a request. The browser has the same rules in ``portal-core.js``
(``Portal.core.fmtNum``, ``fmtPercent``, ``fmtDate``).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import format_decimal
from flask import Flask

from portal.web.i18n import current_locale

#: Space put between a number and its percent sign in Vietnamese (no break inside "93,8 %").
NBSP = "\u00a0"


def _locale(locale: str | None) -> str:
    return "en" if locale == "en" else "vi"


def _grouped(value: float, locale: str, digits: int) -> str:
    """Format as Babel's ``#,##0.#`` does (half-even on the decimal value), without its parser.

    Pages show hundreds of numbers; Babel parses its pattern for each one.
    """
    exact = Decimal(repr(float(value)) if isinstance(value, float) else value)
    number = exact.quantize(Decimal(1).scaleb(-max(digits, 0)), ROUND_HALF_EVEN)
    text = f"{number:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "-0.0"):
        text = "0"
    if locale == "en":
        return text
    return text.translate(_VI_SEPARATORS)


_VI_SEPARATORS = str.maketrans({",": ".", ".": ","})


def fmt_num(value, locale: str | None = "vi", digits: int = 1) -> str:
    """Return a number with the language's separators and at most ``digits`` decimals.

    A string (a hidden small count such as "<3") is returned as it is; None is "–".

    >>> fmt_num(2256, "vi"), fmt_num(2256, "en"), fmt_num(93.75, "vi"), fmt_num(4.0, "en")
    ('2.256', '2,256', '93,8', '4')
    """
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return _grouped(value, _locale(locale), digits)
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=_locale(locale))


def fmt_pct(value, locale: str | None = "vi", digits: int = 1) -> str:
    r"""Return a percent given out of 100: "93,8 %" in Vietnamese, "93.8%" in English.

    >>> fmt_pct(93.8, "vi"), fmt_pct(93.8, "en"), fmt_pct(100, "vi"), fmt_pct(None, "en")
    ('93,8\xa0%', '93.8%', '100\xa0%', '–')
    """
    if value is None:
        return "–"
    number = fmt_num(value, locale, digits)
    return f"{number}%" if _locale(locale) == "en" else f"{number}{NBSP}%"


def fmt_day(value, locale: str | None = "vi") -> str:
    """Return a date as dd/mm/yyyy (both languages); a datetime also shows its time.

    >>> fmt_day(dt.date(2025, 11, 30)), fmt_day(dt.datetime(2025, 1, 2, 8, 5), "en")
    ('30/11/2025', '02/01/2025 08:05')
    """
    if value is None:
        return "–"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


#: The Vietnamese kinds of administrative unit (``Area.unit_type``) in English.
UNIT_TYPES_EN = {
    "Tỉnh": "Province", "Thành phố": "City", "Thị xã": "Town", "Huyện": "District",
    "Xã": "Commune", "Phường": "Ward", "Thị trấn": "Township", "Đặc khu": "Special zone",
}


def unit_type_label(unit_type: str | None, locale: str | None = "vi") -> str:
    """Return the kind of an administrative unit in the reader's language.

    >>> unit_type_label("Thành phố", "en"), unit_type_label("Thành phố", "vi")
    ('City', 'Thành phố')
    """
    text = unit_type or ""
    return UNIT_TYPES_EN.get(text, text) if _locale(locale) == "en" else text


#: The units a target is counted in, as planners write them, in English. A unit not here is
#: printed as written.
UNITS_EN = {
    "hộ": "households", "hộ gia đình": "households", "xã": "communes", "phường": "wards",
    "thôn": "villages", "bản": "villages", "thôn, bản": "villages", "trường": "schools",
    "người": "people", "lao động": "workers", "nhà": "houses", "căn": "houses",
    "dự án": "projects", "doanh nghiệp": "businesses", "trạm": "stations",
    "trạm y tế": "health stations", "cụm": "clusters", "khu": "parks", "điểm": "sites",
    "lượt khách": "visits", "lượt": "visits", "tỷ đồng": "billion VND",
    "triệu đồng": "million VND", "triệu USD": "million USD", "năm": "years",
}


def unit_label(unit: str | None, locale: str | None = "vi") -> str:
    """Return a target's unit in the reader's language (a unit not known: as written).

    >>> [unit_label(u, "en") for u in ("hộ", "Hộ", "%", "ha")], unit_label("hộ", "vi")
    (['households', 'households', '%', 'ha'], 'hộ')
    """
    text = (unit or "").strip()
    if _locale(locale) != "en":
        return text
    return UNITS_EN.get(text.lower(), UNITS_EN.get(text, text))


def init_app(app: Flask) -> None:
    """Register the Jinja filters num, pct, day and unit, in the language of the request."""
    app.add_template_filter(lambda v: unit_label(v, current_locale()), "unit")
    app.add_template_filter(lambda v, digits=1: fmt_num(v, current_locale(), digits), "num")
    app.add_template_filter(lambda v, digits=1: fmt_pct(v, current_locale(), digits), "pct")
    app.add_template_filter(lambda v: fmt_day(v, current_locale()), "day")
