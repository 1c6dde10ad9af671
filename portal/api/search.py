"""JSON API: ``/api/search`` finds areas, pre-2025 units and records by name."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, or_, select

from geodata.old_names import OldUnit, commune_names, find_old_units
from geodata.text import fold
from layers import CATALOGUE
from portal.services.access import can_read_restricted, restricted_scope
from portal.store import features as feature_store
from portal.store.models import Area, Feature
from portal.web.audit_log import personal_read
from portal.web.database import get_session
from portal.web.formats import unit_type_label
from portal.web.i18n import current_locale

blueprint = Blueprint("search_api", __name__)


def _search_areas(key: str) -> list[dict[str, Any]]:
    rows = get_session().scalars(
        select(Area)
        .where(
            Area.level.in_(("commune", "district", "province")),
            Area.name_ascii.contains(key, autoescape=True),
        )
        .order_by(Area.level, Area.name)
        .limit(10)
    )
    return [
        {"kind": "area", "level": a.level, "layer": None, "code": a.code, "id": None,
         "name": a.name, "detail": unit_type_label(a.unit_type, current_locale()),
         "lon": a.label_lon, "lat": a.label_lat,
         "bbox": [a.minx, a.miny, a.maxx, a.maxy]}
        for a in rows
    ]


def _search_features(key: str, locale: str) -> list[dict[str, Any]]:
    """Find records by name: public layers for all, restricted ones for their area readers.

    Found restricted records are checked one by one with ``can_read_restricted`` and their
    reading is written to the audit log (one event per layer).
    """
    scopes = {layer.id: restricted_scope(current_user, layer.id)
              for layer in CATALOGUE if not layer.records_public}  # fmt: skip
    public = [layer.id for layer in CATALOGUE if layer.records_public]
    readable = [or_(Feature.layer_id.in_(public))]
    for layer_id, scope in scopes.items():
        if scope is None:
            continue
        own = Feature.layer_id == layer_id
        if scope:
            own = and_(own, or_(Feature.commune_code.in_(scope), Feature.district_code.in_(scope)))
        readable.append(own)
    rows = [f for f in get_session().scalars(
        select(Feature)
        .where(
            or_(*readable),
            Feature.deleted_at.is_(None),
            Feature.name_ascii.contains(key, autoescape=True),
        )
        .order_by(Feature.name)
        .limit(15)
    ) if f.layer_id in public or can_read_restricted(
        current_user, f.layer_id, (f.commune_code, f.district_code))]  # fmt: skip
    for layer_id in scopes:
        # The words searched are not logged: they may themselves be someone's name.
        personal_read(layer_id, [f.id for f in rows if f.layer_id == layer_id], "search")
    names = {layer.id: layer.name(locale) for layer in CATALOGUE}
    return [
        {"kind": "feature", "level": None, "layer": f.layer_id, "code": f.commune_code,
         "id": f.id, "name": f.name, "detail": names[f.layer_id], "lon": f.x, "lat": f.y,
         "bbox": [f.minx, f.miny, f.maxx, f.maxy]}
        for f in rows
    ]


def _old_unit_json(unit: OldUnit, communes: dict[str, str]) -> dict[str, Any]:
    """Describe a pre-2025 unit and the 2025 communes it became, in the request's language."""
    now = [
        {"code": code, "name": communes.get(code, code),
         "url": url_for("maps.area_page", level="commune", code=code)}
        for code in unit.successors
    ]
    names = ", ".join(n["name"] for n in now)
    note = (
        _("divided among %(names)s", names=names) if unit.divided
        else _("now part of %(names)s", names=names)
    )
    before = _("before 1 July 2025")
    detail = f"{unit.district_name}, {before}" if unit.district_name else before
    return {
        "kind": "old_area", "level": unit.level, "layer": None, "code": unit.code, "id": None,
        "name": unit.name, "detail": detail, "lon": unit.lon, "lat": unit.lat,
        "bbox": list(unit.bbox), "note": note, "divided": unit.divided, "now": now,
    }


def _search_old_units(key: str) -> list[dict[str, Any]]:
    """Find pre-2025 communes and districts by name, from the name tables (any boundaries)."""
    units = find_old_units(key)
    if not units:
        return []
    communes = {**commune_names(), **feature_store.area_names(get_session(), "commune")}
    return [_old_unit_json(u, communes) for u in units]


@blueprint.get("/search")
def search() -> Response:
    """Find areas, pre-2025 units and the records the reader may see by name.

    Diacritics and case are ignored. A pre-2025 commune or district comes as
    ``kind: "old_area"`` with ``now`` (the 2025 communes it became, each with its area page
    ``url``) and ``note`` ("now part of …" or "divided among …", in the request's language).
    """
    key = fold(request.args.get("q", ""))[:80]
    if len(key) < 2:
        return jsonify([])
    found = _search_areas(key) + _search_old_units(key) + _search_features(key, current_locale())
    response = jsonify(found)
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, no-store"  # may hold restricted records
    return response
