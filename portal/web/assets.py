"""The one manifest of browser assets: vendor files from npm and the folium asset table.

Every script, stylesheet, font and image a page needs is served by the portal itself, so pages
work on a network without internet access. `npm ci` installs the packages named in ``package.json``;
``scripts/vendor_assets.py`` copies the files listed in `VENDOR_FILES` into the git-ignored
``portal/static/vendor/``. The map builder points each folium asset name at a path from
`FOLIUM_ASSETS`, so a rendered page never names another host: no CDN, ever.

Paths in `FOLIUM_ASSETS`, `PAGE_ASSETS` and `MAP_ASSETS` are relative to the static folder, ready
for ``url_for("static", filename=...)``.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import current_app, url_for

#: Folder under the static folder that receives the copied vendor files.
VENDOR_DIR = "vendor"

#: Stylesheet written by ``scripts/vendor_assets.py`` with the Be Vietnam Pro ``@font-face`` rules.
FONTS_CSS = f"{VENDOR_DIR}/fonts.css"

#: Weights of Be Vietnam Pro the portal uses (regular, medium, semibold, bold).
FONT_WEIGHTS = (400, 500, 600, 700)

#: Font subsets copied; together they cover Vietnamese text (latin-ext is not needed: the
#: vietnamese subset holds the Vietnamese letters outside Latin-1).
FONT_SUBSETS = ("vietnamese", "latin")

_FONT_PACKAGE = "@fontsource/be-vietnam-pro"


def _font_files() -> dict[str, str]:
    """Map each Be Vietnam Pro woff2 file in node_modules to its place under the vendor folder."""
    files = {}
    for weight in FONT_WEIGHTS:
        for subset in FONT_SUBSETS:
            name = f"be-vietnam-pro-{subset}-{weight}-normal.woff2"
            files[f"{_FONT_PACKAGE}/files/{name}"] = f"be-vietnam-pro/{name}"
    return files


#: Source under ``node_modules/`` -> destination under ``portal/static/vendor/``. A source ending
#: in ``/`` is a directory copied whole: the images and fonts that the stylesheets refer to by
#: relative URL, so each keeps its place beside its stylesheet. Source maps are copied so that
#: browser developer tools do not log 404s for them.
VENDOR_FILES: dict[str, str] = {
    # Leaflet (folium's map library); its CSS refers to images/.
    "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
    "leaflet/dist/leaflet.js.map": "leaflet/leaflet.js.map",
    "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
    "leaflet/dist/images/": "leaflet/images/",
    # Only the CSS classes are used, for the server-side cluster bubbles drawn by map-layers.js;
    # the script is there for folium's MarkerCluster plugin should a map need it.
    "leaflet.markercluster/dist/MarkerCluster.css": "leaflet.markercluster/MarkerCluster.css",
    "leaflet.markercluster/dist/MarkerCluster.Default.css": (
        "leaflet.markercluster/MarkerCluster.Default.css"
    ),
    "leaflet.markercluster/dist/leaflet.markercluster.js": (
        "leaflet.markercluster/leaflet.markercluster.js"
    ),
    "leaflet.markercluster/dist/leaflet.markercluster.js.map": (
        "leaflet.markercluster/leaflet.markercluster.js.map"
    ),
    # jQuery: folium's Map template lists it.
    "jquery/dist/jquery.min.js": "jquery/jquery.min.js",
    # Bootstrap (bundle includes Popper).
    "bootstrap/dist/js/bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
    "bootstrap/dist/js/bootstrap.bundle.min.js.map": "bootstrap/bootstrap.bundle.min.js.map",
    "bootstrap/dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "bootstrap/dist/css/bootstrap.min.css.map": "bootstrap/bootstrap.min.css.map",
    # Font Awesome (icons of awesome-markers); all.min.css refers to ../webfonts/.
    "@fortawesome/fontawesome-free/css/all.min.css": "fontawesome/css/all.min.css",
    "@fortawesome/fontawesome-free/webfonts/": "fontawesome/webfonts/",
    "@fortawesome/fontawesome-free/LICENSE.txt": "fontawesome/LICENSE.txt",
    # Leaflet.awesome-markers; its CSS refers to images/.
    "leaflet.awesome-markers/dist/leaflet.awesome-markers.js": (
        "awesome-markers/leaflet.awesome-markers.js"
    ),
    "leaflet.awesome-markers/dist/leaflet.awesome-markers.css": (
        "awesome-markers/leaflet.awesome-markers.css"
    ),
    "leaflet.awesome-markers/dist/images/": "awesome-markers/images/",
    # folium.plugins.Fullscreen; its CSS refers to icon-fullscreen.svg beside it.
    "leaflet.fullscreen/Control.FullScreen.js": "leaflet.fullscreen/Control.FullScreen.js",
    "leaflet.fullscreen/Control.FullScreen.css": "leaflet.fullscreen/Control.FullScreen.css",
    "leaflet.fullscreen/icon-fullscreen.svg": "leaflet.fullscreen/icon-fullscreen.svg",
    # Chart.js (UMD build: a plain <script>, global `Chart`).
    "chart.js/dist/chart.umd.min.js": "chart.js/chart.umd.min.js",
    "chart.js/dist/chart.umd.min.js.map": "chart.js/chart.umd.min.js.map",
    # Leaflet-Geoman (free, MIT): drawing and reshaping records for signed-in editors
    # (static/js/portal-edit.js). Its stylesheet holds its icons as data: URIs.
    "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js": "geoman/leaflet-geoman.min.js",
    "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js.map": (
        "geoman/leaflet-geoman.min.js.map"
    ),
    "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css": "geoman/leaflet-geoman.css",
    "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css.map": "geoman/leaflet-geoman.css.map",
    "@geoman-io/leaflet-geoman-free/LICENSE": "geoman/LICENSE",
    # Leaflet.VectorGrid (BSD-2): the record layers drawn from the vector tiles (map-tiles.js).
    "leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js": (
        "leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js"
    ),
    # protomaps-leaflet (BSD-3): vector basemaps of the Protomaps schema drawn in the browser
    # (map-basemaps.js); labels in the portal's font, nothing fetched from elsewhere.
    "protomaps-leaflet/dist/protomaps-leaflet.js": "protomaps-leaflet/protomaps-leaflet.js",
    "protomaps-leaflet/dist/protomaps-leaflet.js.map": "protomaps-leaflet/protomaps-leaflet.js.map",
    "protomaps-leaflet/LICENSE": "protomaps-leaflet/LICENSE",
    # Be Vietnam Pro; the SIL OFL asks for the licence to travel with the fonts.
    f"{_FONT_PACKAGE}/LICENSE": "be-vietnam-pro/LICENSE",
    **_font_files(),
}


def _vendor(path: str) -> str:
    return f"{VENDOR_DIR}/{path}"


#: folium asset name -> path under the static folder. Names are those of the installed folium
#: (``folium.Map.default_js``/``default_css``, ``folium.plugins.Fullscreen`` and
#: ``folium.plugins.MarkerCluster``). ``None`` means the map builder drops that asset: the
#: Bootstrap 3 glyphicons and folium's awesome-rotate CSS are not used by our maps.
FOLIUM_ASSETS: dict[str, str | None] = {
    "leaflet": _vendor("leaflet/leaflet.js"),
    "leaflet_css": _vendor("leaflet/leaflet.css"),
    "jquery": _vendor("jquery/jquery.min.js"),
    "bootstrap": _vendor("bootstrap/bootstrap.bundle.min.js"),
    "bootstrap_css": _vendor("bootstrap/bootstrap.min.css"),
    "awesome_markers": _vendor("awesome-markers/leaflet.awesome-markers.js"),
    "awesome_markers_css": _vendor("awesome-markers/leaflet.awesome-markers.css"),
    "awesome_markers_font_css": _vendor("fontawesome/css/all.min.css"),
    "glyphicons_css": None,
    "awesome_rotate_css": None,
    "Control.Fullscreen.js": _vendor("leaflet.fullscreen/Control.FullScreen.js"),
    "Control.FullScreen.css": _vendor("leaflet.fullscreen/Control.FullScreen.css"),
    "markerclusterjs": _vendor("leaflet.markercluster/leaflet.markercluster.js"),
    "markerclustercss": _vendor("leaflet.markercluster/MarkerCluster.css"),
    "markerclusterdefaultcss": _vendor("leaflet.markercluster/MarkerCluster.Default.css"),
    # Not folium's: the names the map builder's editing element declares (portal-edit.js).
    "geoman_js": _vendor("geoman/leaflet-geoman.min.js"),
    "geoman_css": _vendor("geoman/leaflet-geoman.css"),
}

#: The portal's own browser code (``static/js``), each list in load order. The core comes first
#: on every page that runs any of it; each feature file registers itself on ``window.Portal``.
CORE_JS = "js/portal-core.js"
#: The map client: its features, then ``portal-map.js``, which starts them (``PortalMap.init``).
MAP_JS: tuple[str, ...] = (
    CORE_JS,
    "js/map-draw.js",
    "js/map-place.js",
    "js/map-popups.js",
    "js/map-labels.js",
    "js/map-areas.js",
    _vendor("protomaps-leaflet/protomaps-leaflet.js"),
    "js/map-basemaps.js",
    _vendor("leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js"),
    "js/map-tiles.js",
    "js/map-layers.js",
    "js/map-search.js",
    "js/map-controls.js",
    "js/map-terrain.js",
    "js/map-filters.js",
    "js/map-rasters.js",
    "js/portal-map.js",
    "js/page-live.js",
)
#: The map's own styles beyond portal.css: its names (map-labels.js), the bottom sheet
#: (map-place.js). The map builder adds them to every map page.
MAP_CSS = "css/map-view.css"
#: The raster layers' panel and legends (map-rasters.js, the import page's catalogue).
RASTER_CSS = "css/rasters.css"
#: The editing add-on for signed-in editors, after the map client (``PortalEdit.init``).
EDIT_JS: tuple[str, ...] = (
    "js/edit-panel.js",
    "js/edit-forms.js",
    "js/edit-records.js",
    "js/portal-edit.js",
)

#: CSS and JS that every page template includes, in order; ``import_js``, ``telecom_js`` and
#: ``planning_js`` are the scripts of those pages (after the page scripts, so Chart.js, which
#: ``chart_js`` pages load, is there for charts.js; the planning page's map client has loaded
#: the core already).
PAGE_ASSETS: dict[str, tuple[str, ...]] = {
    "css": (
        _vendor("bootstrap/bootstrap.min.css"),
        FONTS_CSS,
        "css/portal.css",
        "css/pages.css",
    ),
    "js": (
        _vendor("bootstrap/bootstrap.bundle.min.js"),
        "js/date-fields.js",
    ),
    # Only the pages that draw charts (the telecom tracker) load Chart.js.
    "chart_js": (_vendor("chart.js/chart.umd.min.js"),),
    "import_js": (_vendor("leaflet/leaflet.js"), CORE_JS, "js/import-preview.js", "js/import.js"),
    "import_css": (_vendor("leaflet/leaflet.css"), "css/forms.css", RASTER_CSS),
    "telecom_js": ("js/charts.js", "js/telecom.js", "js/telecom-coverage.js"),
    "planning_js": ("js/planning.js", "js/raster-zonal.js", "js/planning-hazards.js"),
    # The plan's targets board and pages (portal/views/targets.py).
    "targets_css": ("css/targets.css",),
    "targets_js": (CORE_JS, "js/targets.js"),
    # The report cards page (portal/views/reports.py): the batch's progress bar.
    "report_cards_js": (CORE_JS, "js/report-cards.js"),
    # The public geopark page draws its own small map (no planning colours, statuses or ids).
    "geopark_css": (
        _vendor("leaflet/leaflet.css"),
        _vendor("fontawesome/css/all.min.css"),
        "css/geopark.css",
    ),
    "geopark_js": (_vendor("leaflet/leaflet.js"), CORE_JS,
                   _vendor("protomaps-leaflet/protomaps-leaflet.js"), "js/map-basemaps.js",
                   "js/geopark-public.js"),
}

#: What a folium map page adds after folium's own assets for the map client
#: (``PortalMap.init``): cluster bubble classes, the font, the portal styles and the client.
MAP_ASSETS: dict[str, tuple[str, ...]] = {
    "css": (
        _vendor("leaflet.markercluster/MarkerCluster.css"),
        _vendor("leaflet.markercluster/MarkerCluster.Default.css"),
        FONTS_CSS,
        "css/portal.css",
        MAP_CSS,
        "css/forms.css",
    ),
    "js": MAP_JS,
}


class UnknownAsset(KeyError):
    """A folium asset name that `FOLIUM_ASSETS` does not list."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return (
            f"unknown folium asset {self.name!r}: add it to FOLIUM_ASSETS in portal/web/assets.py "
            "(a static path, or None to drop it) and its file to VENDOR_FILES"
        )


def vendor_url_path(name: str) -> str | None:
    """Return the static path serving folium asset `name`, or None when the map drops it.

    Raises `UnknownAsset` for a name not in `FOLIUM_ASSETS`, so that a folium upgrade or a new
    plugin cannot silently bring back a CDN URL.

    >>> vendor_url_path("leaflet")
    'vendor/leaflet/leaflet.js'
    >>> vendor_url_path("glyphicons_css") is None
    True
    """
    try:
        return FOLIUM_ASSETS[name]
    except KeyError:
        raise UnknownAsset(name) from None


def static_vendor_paths() -> list[str]:
    """List the static paths the vendor step produces (files, and directories ending in ``/``)."""
    return [_vendor(dest) for dest in VENDOR_FILES.values()] + [FONTS_CSS]


def missing_vendor_files(static_dir: str | Path) -> list[str]:
    """Return the vendor paths missing under `static_dir`; empty once the vendor step has run."""
    root = Path(static_dir)
    return [path for path in static_vendor_paths() if not (root / path).exists()]


@lru_cache(maxsize=512)
def _file_hash(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def content_hash(static_dir: str | Path, path: str) -> str | None:
    """Return a short hash of a static file's content, or None when it is missing.

    Hashed once per file version (its modification time and size are part of the cache key).
    """
    file = Path(static_dir) / path
    try:
        stat = file.stat()
    except OSError:
        return None
    return _file_hash(str(file), stat.st_mtime_ns, stat.st_size)


def asset_url(path: str) -> str:
    """Return the URL of a static file with ``?v=`` its content hash (cacheable for a year).

    The one helper for every script and stylesheet URL of the templates and the map builder.
    """
    digest = content_hash(current_app.static_folder, path)
    if digest is None:
        return url_for("static", filename=path)
    return url_for("static", filename=path, v=digest)
