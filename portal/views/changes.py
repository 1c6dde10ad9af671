"""The ``/changes`` page: the map on ``until``, areas by change, records by class."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from layers import get_layer
from layers.base import LayerSpec
from portal.store import changes as change_store
from portal.store import features as feature_store
from portal.web import params
from portal.web.change_report import layer_changes, requested_dates
from portal.web.database import get_session
from portal.web.i18n import current_locale
from portal.web.mapbuilder import PROVINCE_CENTRE, PROVINCE_ZOOM
from portal.web.mapconfig import MapState, level_options, render_map

blueprint = Blueprint("changes", __name__)

#: Records shown per class on the page (the JSON API lists every one).
PAGE_ROWS_PER_CLASS = 200
DEFAULT_LAYER = "signal"


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
    since, until = requested_dates()
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
