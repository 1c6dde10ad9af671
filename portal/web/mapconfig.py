"""The configuration a map page hands to the map client, from the request's map state."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from layers import CATALOGUE, get_layer
from portal.services.access import restricted_scope
from portal.store.progress import LEVELS
from portal.web.basemaps import client_basemaps
from portal.web.edit_config import edit_client_config
from portal.web.errors import BadRequest
from portal.web.i18n import current_locale
from portal.web.mapbuilder import PROVINCE_CENTRE, PROVINCE_ZOOM, MapHtml, build_map
from portal.web.params import parse_date
from portal.web.serialize import layer_json

#: Layers of few, named places (border gates, geopark sites) whose names the map shows.
LABELLED_LAYERS = ("border", "geopark")


@dataclass(frozen=True)
class MapState:
    """What a shared link reproduces: layer, level, date, visible layers, area, centre, zoom.

    ``as_of_chosen`` tells whether the link names its date; without one the page follows the
    latest data (its ``as_of`` is then the default date, shown but not written into the URL).
    """

    layer: str
    level: str
    as_of: dt.date
    visible: tuple[str, ...]
    area: str | None
    centre: tuple[float, float]
    zoom: float
    as_of_chosen: bool = False


def _float(name: str, default: float, low: float, high: float) -> float:
    try:
        value = float(request.args.get(name, default))
    except ValueError:
        value = default
    return min(max(value, low), high)


def read_map_state(
    default_layer: str = "signal", default_visible: tuple[str, ...] = ()
) -> MapState:
    """Read the map state from the query string, falling back to sensible defaults."""
    layer = request.args.get("layer", default_layer)
    get_layer(layer)  # unknown layer -> 404 with the one error shape
    level = request.args.get("level", "commune")
    if level not in LEVELS:
        raise BadRequest(_("level must be one of: %(levels)s.", levels=", ".join(LEVELS)), "level")
    shown = request.args.get("show")
    ids = {lay.id for lay in CATALOGUE}
    if shown is None:
        visible = default_visible or tuple(lay.id for lay in CATALOGUE if lay.default_visible)
    else:
        visible = tuple(v for v in shown.split(",") if v in ids)
    return MapState(
        layer=layer,
        level=level,
        as_of=parse_date(request.args.get("as_of")),
        visible=visible,
        area=request.args.get("area") or None,
        centre=(
            _float("lat", PROVINCE_CENTRE[0], 20.5, 23.0),
            _float("lon", PROVINCE_CENTRE[1], 105.0, 108.5),
        ),
        # Fractional zooms (quarter steps, the map's zoomSnap) survive a shared link.
        zoom=round(_float("z", PROVINCE_ZOOM, 7, 18) * 4) / 4,
        as_of_chosen=bool(request.args.get("as_of")),
    )


def level_options() -> list[dict[str, str]]:
    """Return the boundary vintages a user can pick, labelled with their dates."""
    return [
        {"id": "commune", "label": _("Communes and wards (from 1 July 2025)")},
        {"id": "district", "label": _("Districts (until 30 June 2025)")},
        {"id": "province", "label": _("Province")},
    ]


def client_strings() -> dict[str, str]:
    """Return every word the map client shows, in the request's language."""
    from portal.web.strings import filter_strings, map_client_strings, terrain_strings

    return {**map_client_strings(), **filter_strings(), **terrain_strings()}


def tiled_layers(mode: str, counts: Mapping[str, int], threshold: int,
                 layers=CATALOGUE) -> list[str]:
    """Return the ids of the layers the map draws from vector tiles under ``PORTAL_MAP_TILES``.

    ``on``: every public layer. ``auto``: what ``scripts/bench_map_tiles.py`` measured faster
    as tiles, a public layer without server-side clusters holding more than ``threshold``
    records (``counts``); below it, and for clustered points, GeoJSON was faster.

    >>> tiled_layers("auto", {"transport": 2000, "industry": 10}, 1500)
    ['transport']
    >>> tiled_layers("auto", {"signal": 100000}, 1500)
    []
    >>> tiled_layers("off", {"transport": 2000}, 1500)
    []
    """
    public = [lay for lay in layers if lay.records_public]
    if mode == "on":
        return [lay.id for lay in public]
    if mode == "auto":
        return [lay.id for lay in public
                if not lay.style.cluster and counts.get(lay.id, 0) > threshold]
    return []


def _tile_config(session, as_of: dt.date, layers) -> dict[str, Any]:
    """Where the tiles are and which layers the map draws from them."""
    from portal.store.queries import status_counts
    from portal.web.cache import per_version

    settings = current_app.config["PORTAL_SETTINGS"]
    counts: dict[str, int] = {}
    if settings.map_tiles == "auto":
        counts = {lay.id: per_version("layer_count", lambda lay=lay: sum(
            status_counts(session, lay.id, as_of).values()), lay.id, as_of.isoformat())
            for lay in layers if lay.records_public and not lay.style.cluster}
    return {"url": url_for("api.list_layers").removesuffix("/api/layers") + "/tiles",
            "layers": tiled_layers(settings.map_tiles, counts, settings.cluster_threshold,
                                   layers)}


def client_config(state: MapState, page_endpoint: str, layers=CATALOGUE) -> dict[str, Any]:
    """Build the JSON configuration of ``PortalMap.init`` (the base map is build_map's)."""
    from portal.store.queries import area_bounds, illustrative_layers
    from portal.web.cache import per_version
    from portal.web.database import get_session

    session = get_session()
    illustrative = per_version("illustrative", lambda: illustrative_layers(session))
    # The first view is fitted to these before the boundaries arrive, so the records and the
    # boundaries are asked for at the same time.
    bounds = {
        "all": per_version("bounds", lambda: area_bounds(session)),
        "area": state.area and per_version("bounds", lambda: area_bounds(session, state.area),
                                           state.area),
    }
    locale = current_locale()
    return {
        "locale": locale,
        "api": url_for("api.list_layers").removesuffix("/layers"),
        "asOf": state.as_of.isoformat(),
        "asOfChosen": state.as_of_chosen,
        "level": state.level,
        "progressLayer": state.layer,
        "visible": list(state.visible),
        "area": state.area,
        "bounds": bounds,
        # Every page keeps its own path (an area page included); the state goes in its query.
        "pageUrl": request.path if request.endpoint == page_endpoint else url_for(page_endpoint),
        "areaPageUrl": url_for("maps.area_page", level="LEVEL", code="CODE")
        .replace("LEVEL", "{level}")
        .replace("CODE", "{code}"),
        "layers": [
            {**layer_json(lay, locale), "illustrative": lay.id in illustrative,
             # Readers of personal records get them on the map (their areas' only).
             "canViewRecords": lay.records_public
             or restricted_scope(current_user, lay.id) is not None}
            for lay in layers
        ],
        "levels": level_options(),
        # Point layers whose names the map writes beside their records, where they stand apart.
        "labelLayers": [lay.id for lay in layers if lay.id in LABELLED_LAYERS],
        # Record layers drawn from /tiles/ while no filter is on (map-tiles.js).
        "tiles": _tile_config(session, state.as_of, layers),
        "strings": client_strings(),
        "edit": edit_client_config(current_user),
    }


def render_map(state: MapState, page_endpoint: str, layers=CATALOGUE) -> MapHtml:
    """Build the folium map for a page."""
    from portal.web.cache import get_cache

    settings = current_app.config["PORTAL_SETTINGS"]
    config = client_config(state, page_endpoint, layers)
    arguments = {
        "basemap_url": settings.basemap_url,
        "basemap_attribution": settings.basemap_attribution,
        "basemaps": client_basemaps(current_locale()),
        "no_basemap": _("No basemap"),
        "centre": state.centre,
        "zoom": state.zoom,
    }
    # folium takes ~9 ms to render a map; the same configuration always renders the same parts.
    key = json.dumps([config, arguments], sort_keys=True, default=str)
    return get_cache().get_or_compute(("map_html", key), lambda: build_map(config, **arguments))
