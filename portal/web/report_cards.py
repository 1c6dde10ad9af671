"""An area's printed report card: its data as the reader may see it, drawn as an A4 PDF.

Why here, in the web glue, and not in ``portal/services``: the card's words are the portal's
interface strings, kept in the Flask-Babel catalogues with every page's, and its template is a
Jinja template of the application like the pages'. Rendering takes the application's Jinja
environment (its ``_``, the ``num``/``pct``/``day`` filters) under ``force_locale(lang)``,
which needs an application context only, not a request: a route has one, the command line
builds the app for every command already (``with_appcontext``), and a batch thread pushes its
own. The language is a parameter, never the request's. What a card shows is gathered by
``portal.services.reports.area_card`` (no Flask), the map drawn by
``portal.services.reports.area_map``, and the PDF made by ``render_pdf``: only the glue of
the three is here. Context processors are not run (they read the request), so the template is
given everything it uses.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from layers import CATALOGUE
from portal.services import audit
from portal.services.reports.area_card import AreaCard, CardSource, gather_card
from portal.services.reports.area_map import MapRecord, area_map_svg, legend_shape
from portal.services.reports.pdf import STATIC_ROOT, render_pdf
from portal.store.ogc_read import read_areas
from portal.web.formats import fmt_day, fmt_num, fmt_pct, unit_label, unit_type_label
from portal.web.serialize import label

LANGS = ("vi", "en")
#: How far around an area its neighbours are read (degrees; the map's margin is smaller).
NEIGHBOUR_MARGIN = 0.02


@dataclass(frozen=True)
class Card:
    """One rendered card: its PDF, its file name and the personal records it showed."""

    pdf: bytes
    file_name: str
    personal_ids: dict[str, list[int]]


def _map(card: AreaCard, source: CardSource, lang: str) -> str:
    session, area = source.session, card.area
    inner: list[bytes] = []
    if card.level == "province":
        neighbours, inner = [], [r.geom for r in read_areas(session, "commune")]
    else:
        box = (area.minx - NEIGHBOUR_MARGIN, area.miny - NEIGHBOUR_MARGIN,
               area.maxx + NEIGHBOUR_MARGIN, area.maxy + NEIGHBOUR_MARGIN)
        neighbours = [(r.name, r.geom) for r in read_areas(session, card.level, box)
                      if r.code != area.code]  # fmt: skip
    layers = {layer.id: layer for layer in CATALOGUE}
    records = [MapRecord(r.geom, layers[layer_id], r.status)
               for layer_id, rows in card.records.by_layer.items() for r in rows]  # fmt: skip
    return area_map_svg(area.geom, neighbours, records, CATALOGUE,
                        _("Map of %(name)s", name=area.name),
                        lambda metres: f"{fmt_num(metres / 1000, lang)} km" if metres >= 1000
                        else f"{fmt_num(metres, lang)} m", inner)  # fmt: skip


def _data_url(svg: str) -> str:
    """Return the map as a ``data:`` URL, drawn by WeasyPrint's SVG renderer as one image.

    Inline, each of its elements would be matched against the CSS and laid out as HTML.
    """
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def personal_ids(card: AreaCard) -> dict[str, list[int]]:
    """Return the ids of the personal records a card shows (drawn, listed or named), per layer."""
    shown: dict[str, set[int]] = {k: set(v) for k, v in card.records.personal_ids.items()}
    for layer, rows in card.lagging:
        if not layer.records_public:
            shown.setdefault(layer.id, set()).update(r.id for r in rows)
    for changes in card.changes:
        if not changes.layer.records_public:
            shown.setdefault(changes.layer.id, set()).update(r.id for r in changes.named)
    return {k: sorted(v) for k, v in shown.items() if v}


def card_html(card: AreaCard, source: CardSource, lang: str) -> str:
    """Return the card as a complete HTML document in ``lang`` (vi or en)."""
    with force_locale(lang):
        template = current_app.jinja_env.get_template("reports/area_card.html")
        return template.render(
            card=card, lang=lang, map_src=_data_url(_map(card, source, lang)), label=label,
            legend_shape=legend_shape, catalogue=CATALOGUE,
            num=lambda v, d=1: fmt_num(v, lang, d), pct=lambda v: fmt_pct(v, lang),
            day=lambda v: fmt_day(v, lang), unit_type=unit_type_label(card.area.unit_type, lang),
            unit=lambda u: unit_label(u, lang),
            css=(STATIC_ROOT / "css" / "report.css").read_text(encoding="utf-8"),
            printed=dt.date.today(),
        )


def file_name(card: AreaCard, lang: str) -> str:
    """Return the card's file name: level, code, ASCII name, date and language."""
    ascii_name = "".join(c if c.isalnum() else "-" for c in card.area.name_ascii).strip("-")
    return f"{card.level}-{card.area.code}-{ascii_name}-{card.as_of.isoformat()}-{lang}.pdf"


def render_card(source: CardSource, user: Any, level: str, code: str, lang: str) -> Card | None:
    """Return one area's card as ``user`` may read it, None when the area is not stored."""
    card = gather_card(source, user, level, code)
    if card is None:
        return None
    with force_locale(lang):
        title = _("Report card: %(name)s, as of %(date)s", name=card.area.name,
                  date=fmt_day(card.as_of, lang))  # fmt: skip
    pdf = render_pdf(card_html(card, source, lang), title=title)
    return Card(pdf, file_name(card, lang), personal_ids(card))


def audit_card(session, actor: str | None, card: Card, code: str, what: str = "report_card",
               **extra: Any) -> None:  # fmt: skip
    """Write to the audit log that ``actor`` was given the personal records of a card."""
    for layer_id, ids in card.personal_ids.items():
        audit.record_personal_read(session, actor=actor, layer_id=layer_id, feature_ids=ids,
                                   what=what, extra={"area": code, **extra}, feature=None)
