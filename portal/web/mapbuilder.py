"""Builds every map page with folium: no tiles unless configured, every asset served locally.

The map itself carries no layer data: ``PortalMap.init`` (static/js/portal-map.js) fetches
boundaries, progress and records from the JSON API, so the page stays small as layers grow.

The base map is added here and only here: `build_map` adds a tile layer when a basemap URL is
configured (``PORTAL_BASEMAP_URL``), else the basemaps kept in the instance folder
(``basemaps``: `portal.web.basemaps.client_basemaps`, drawn by static/js/map-basemaps.js, the
default one shown, all of them and "no basemap" base layers of the layer control); the map
client draws none of its own and only notices whether there is one (offline, the map shows a
plain land colour).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jinja2 import Template
from markupsafe import Markup

import folium
from folium.elements import JSCSSMixin
from folium.plugins import Fullscreen

from portal.web.assets import (
    EDIT_JS,
    MAP_CSS,
    MAP_JS,
    RASTER_CSS,
    asset_url,
    vendor_url_path,
)
from portal.web.rasters import map_client_config

# Lạng Sơn's centre and a zoom that shows the whole province.
PROVINCE_CENTRE = (21.85, 106.62)
PROVINCE_ZOOM = 9


def _asset_name(path: str) -> str:
    """Name one of our scripts as folium names assets: ``js/portal-map.js`` -> ``portal_map_js``."""
    return path.rsplit("/", 1)[-1].replace("-", "_").replace(".", "_")


def _own_js(paths: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(_asset_name(path), path.rsplit("/", 1)[-1]) for path in paths]


#: folium asset name -> path under the static folder of each script of our own.
OWN_ASSETS = {_asset_name(path): path for path in MAP_JS + EDIT_JS + (MAP_CSS, RASTER_CSS)}
# The page template already loads Bootstrap; loading it twice would double its handlers.
PROVIDED_BY_PAGE = {"bootstrap", "bootstrap_css"}


class _ClientScript(JSCSSMixin):
    """Calls ``<init_function>(map, config)`` once the map exists; config is JSON."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this.init_function }}({{ this._parent.get_name() }}, {{ this.config_json }});
        {% endmacro %}
        """
    )
    init_function = ""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self._name = type(self).__name__
        # "</" cannot close the script element once escaped; the JSON stays valid.
        self.config_json = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")


class PortalClient(_ClientScript):
    """Starts the portal's map client on the folium map with a JSON configuration."""

    init_function = "PortalMap.init"
    # The core, the map features and portal-map.js, in load order (assets.MAP_JS).
    default_js = _own_js(MAP_JS)
    # Cluster bubbles reuse Leaflet.markercluster's classes; fonts and portal.css come with
    # every page (PAGE_ASSETS); the map's names and bottom sheet with the map (MAP_CSS).
    default_css = [
        ("markerclustercss", "MarkerCluster.css"),
        ("markerclusterdefaultcss", "MarkerCluster.Default.css"),
        (_asset_name(MAP_CSS), MAP_CSS.rsplit("/", 1)[-1]),
    ]


class BasemapClient(_ClientScript):
    """Adds the kept basemaps to the map before the client starts (static/js/map-basemaps.js)."""

    init_function = "PortalBasemaps.init"
    default_js: list[tuple[str, str]] = []
    default_css: list[tuple[str, str]] = []


class PortalEditor(_ClientScript):
    """Adds drawing, moving and status forms for a signed-in editor (static/js/portal-edit.js)."""

    init_function = "PortalEdit.init"
    default_js = [("geoman_js", "leaflet-geoman.min.js"), *_own_js(EDIT_JS)]
    default_css = [("geoman_css", "leaflet-geoman.css")]


class RasterClient(_ClientScript):
    """Adds the raster layers as overlays with their legends (static/js/map-rasters.js)."""

    init_function = "PortalRasters.init"
    default_js: list[tuple[str, str]] = []  # map-rasters.js comes with the map client
    default_css = [(_asset_name(RASTER_CSS), RASTER_CSS.rsplit("/", 1)[-1])]


def static_url(name: str) -> str | None:
    """Return our URL for a folium asset name, None for one we deliberately drop."""
    if name in OWN_ASSETS:
        return asset_url(OWN_ASSETS[name])
    path = vendor_url_path(name)  # raises UnknownAsset for a name we have not vetted
    if path is None or name in PROVIDED_BY_PAGE:
        return None
    return asset_url(path)


def _walk(element):
    yield element
    for child in element._children.values():
        yield from _walk(child)


def localize_assets(root: folium.Map) -> None:
    """Point every element's JS/CSS at our static route (per instance, never class-level)."""
    for element in _walk(root):
        if not isinstance(element, JSCSSMixin):
            continue
        for attribute in ("default_js", "default_css"):
            pairs = getattr(type(element), attribute)
            local = [(name, static_url(name)) for name, _url in pairs]
            setattr(element, attribute, [(name, url) for name, url in local if url is not None])


@dataclass(frozen=True)
class MapHtml:
    """The three parts of a rendered map that a page template places."""

    header: Markup
    body: Markup
    script: Markup


def build_map(
    config: dict[str, Any],
    basemap_url: str | None = None,
    basemap_attribution: str = "",
    basemaps: tuple[dict[str, Any], ...] | list[dict[str, Any]] = (),
    no_basemap: str = "",
    centre: tuple[float, float] = PROVINCE_CENTRE,
    zoom: float = PROVINCE_ZOOM,
) -> MapHtml:
    """Build the folium map with the portal client and return its rendered parts."""
    fmap = folium.Map(
        location=list(centre),
        zoom_start=zoom,
        tiles=None,
        control_scale=True,
        min_zoom=7,
        max_zoom=18,
        # Quarter zoom steps let a whole province fill the screen when it is fitted.
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    # The one place the base map is added (see the module docstring).
    if basemap_url:
        folium.TileLayer(basemap_url, attr=basemap_attribution or " ", name="basemap").add_to(fmap)
    elif basemaps:
        BasemapClient({"basemaps": list(basemaps), "none": no_basemap}).add_to(fmap)
    Fullscreen(position="topleft").add_to(fmap)
    PortalClient(config).add_to(fmap)
    RasterClient(map_client_config(config.get("api", "/api"))).add_to(fmap)
    if config.get("edit"):
        PortalEditor(config["edit"]).add_to(fmap)
    localize_assets(fmap)
    figure = fmap.get_root()
    figure.render()
    return MapHtml(
        header=Markup(figure.header.render()),
        body=Markup(figure.html.render()),
        script=Markup(figure.script.render()),
    )
