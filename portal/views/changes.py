"""What changed between two dates: the ``/changes`` page and ``GET /api/changes``.

Counts per class and per area are public for every layer; record by record lists reach the
public only for layers whose records are public. Personal records (housing) are listed only to
users who may read them, each record checked against the user's role and areas.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from layers import CATALOGUE, get_layer
from layers.base import LayerSpec
from portal.services.access import can_read_restricted
from portal.store import changes as change_store
from portal.store import features as feature_store
from portal.store.progress import area_progress
from portal.web import params
from portal.web.database import get_session
from portal.web.errors import BadRequest
from portal.web.i18n import current_locale
from portal.web.mapbuilder import PROVINCE_CENTRE, PROVINCE_ZOOM
from portal.web.mapconfig import MapState, level_options, render_map
from portal.web.params import parse_date
from portal.web.security import shown_progress

blueprint = Blueprint("changes", __name__)

#: Records shown per class on the page (the JSON API lists every one).
PAGE_ROWS_PER_CLASS = 200
DEFAULT_LAYER = "signal"
DEFAULT_SPAN = dt.timedelta(days=30)


def _dates() -> tuple[dt.date, dt.date]:
    until = parse_date(request.args.get("until"), field="until")
    since_arg = request.args.get("since")
    since = parse_date(since_arg, field="since") if since_arg else until - DEFAULT_SPAN
    if since > until:
        raise BadRequest(_("since must be on or before until."), field="since")
    return since, until


def _listed(layer: LayerSpec, change: change_store.RecordChange) -> bool:
    """Tell whether the current user may see this record in a list."""
    if layer.records_public:
        return True
    return can_read_restricted(current_user, layer.id, (change.commune_code, change.district_code))


def _areas(
    layer: LayerSpec, level: str, since: dt.date, until: dt.date, records: list
) -> list[change_store.AreaChange]:
    """Return per-area changes as the current user may see them.

    For a personal-data layer, percents come with small numbers hidden as on /api/progress
    (``security.shown_progress``), and the counts per class of the areas whose records the user
    may not read are left out.
    """
    session = get_session()
    before = area_progress(session, layer, level, since)
    after = area_progress(session, layer, level, until)
    if layer.records_public:
        return change_store.area_changes(layer.id, level, before, after, records)
    areas = change_store.area_changes(
        layer.id, level, shown_progress(layer, before), shown_progress(layer, after), records
    )
    return [
        area
        if can_read_restricted(current_user, layer.id, (area.code,))
        else replace(area, counts={}, counts_hidden=True)
        for area in areas
    ]


def layer_changes(
    layer: LayerSpec, level: str, since: dt.date, until: dt.date
) -> dict[str, Any]:
    """Return one layer's counts, visible records and per-area changes."""
    records = change_store.record_changes(get_session(), layer, since, until)
    visible = [
        r for r in records if r.change in change_store.LISTED_CLASSES and _listed(layer, r)
    ]
    return {
        "layer": layer,
        "counts": change_store.class_counts(records),
        "records": visible,
        "records_hidden": sum(
            1 for r in records if r.change in change_store.LISTED_CLASSES and not _listed(layer, r)
        ),
        "areas": _areas(layer, level, since, until, records),
    }


def _total(parts: list[dict[str, Any]]) -> dict[str, int]:
    return {c: sum(p["counts"][c] for p in parts) for c in change_store.CLASSES}


@blueprint.get("/api/changes")
def api_changes():
    """Return what changed between ``since`` and ``until``: records and areas, by class."""
    since, until = _dates()
    level = params.level()
    layer_id = request.args.get("layer")
    layers = [get_layer(layer_id)] if layer_id else list(CATALOGUE)
    parts = [layer_changes(layer, level, since, until) for layer in layers]
    return jsonify(
        {
            "since": since.isoformat(),
            "until": until.isoformat(),
            "level": level,
            "layer": layer_id or None,
            "counts": _total(parts),
            "layers": [
                {
                    "id": p["layer"].id,
                    "counts": p["counts"],
                    "records_public": p["layer"].records_public,
                    "records_hidden": p["records_hidden"],
                }
                for p in parts
            ],
            "records": [r.as_dict() for p in parts for r in p["records"]],
            "areas": [a.as_dict() for p in parts for a in p["areas"]],
        }
    )


def _status_labels(layer: LayerSpec, locale: str) -> dict[str, str]:
    return {s.id: (s.label_en if locale == "en" else s.label_vi) for s in layer.statuses}


def _shown_areas(areas: list[change_store.AreaChange]) -> list[change_store.AreaChange]:
    """Areas with records or a target on either date, the largest fall first, no target last."""
    shown = [
        a for a in areas
        if any(a.counts.values()) or a.percent_before is not None or a.percent_after is not None
    ]
    return sorted(shown, key=lambda a: (a.delta is None, a.delta or 0.0, a.name))


def _by_class(records: list[change_store.RecordChange]) -> dict[str, list]:
    groups: dict[str, list] = {c: [] for c in change_store.LISTED_CLASSES}
    for r in records:
        groups[r.change].append(r)
    return groups


@blueprint.get("/changes")
def changes_page():
    """Show what changed since a date: the map on ``until``, areas by change, records by class."""
    since, until = _dates()
    level = params.level()
    layer = get_layer(request.args.get("layer") or DEFAULT_LAYER)
    part = layer_changes(layer, level, since, until)
    state = MapState(
        layer=layer.id, level=level, as_of=until, visible=(layer.id,), area=None,
        centre=PROVINCE_CENTRE, zoom=PROVINCE_ZOOM,
    )
    session = get_session()
    locale = current_locale()
    return render_template(
        "changes.html",
        layer=layer,
        level=level,
        levels=level_options(),
        since=since,
        until=until,
        part=part,
        areas=_shown_areas(part["areas"]),
        groups=_by_class(part["records"]),
        rows_per_class=PAGE_ROWS_PER_CLASS,
        statuses=_status_labels(layer, locale),
        communes=feature_store.area_names(session, "commune"),
        districts=feature_store.area_names(session, "district"),
        locale=locale,
        map_html=render_map(state, "changes.changes_page"),
    )
