"""JSON API: catalogue, features, areas, progress. Every route takes ``as_of``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

import shapely
from shapely.geometry import mapping
from shapely.ops import polylabel

from layers import CATALOGUE
from layers.base import LayerSpec
from portal.services import disclosure
from portal.services.access import can_read_restricted, restricted_scope, signed_in
from portal.services.errors import PermissionDenied
from portal.store import features as feature_store
from portal.store import point_index as points
from portal.store.models import Area
from portal.store.progress import area_progress
from portal.web import params
from portal.web.audit_log import personal_read
from portal.web.background import start_once
from portal.web.cache import VersionedCache, cached_answer, get_cache, get_view_cache, store_version
from portal.web.database import get_area_index, get_point_index, get_session
from portal.web.feature_pages import FeatureFragments, collection_bytes
from portal.web.i18n import current_locale
from portal.web.raster_values import matching_ids, read_filter
from portal.web.serialize import cluster_json, feature_json, layer_json

blueprint = Blueprint("api", __name__)
WHOLE_WORLD = (-180.0, -90.0, 180.0, 90.0)
CLOSE_UP_ZOOM = 12


def _fragments() -> FeatureFragments:
    """Return the records' GeoJSON bytes kept for the app's pages of features (feature_pages)."""
    return _per_app("portal_fragments", FeatureFragments)


def _point_indexes() -> VersionedCache:
    """Return the app's point indexes of past dates by layer, date and data version.

    Those of current dates are kept apart and caught up from the change log
    (``get_point_index``). Large numpy arrays: the response cache (an LRU of answers, maybe
    shared through Redis) would evict them behind a few hundred answers, or ship them over the
    network.
    """
    return _per_app("portal_point_indexes", lambda: VersionedCache(size=16))


def _per_app(name: str, make):
    """Return the app's ``name`` store, made on first use (not on every request)."""
    found = current_app.extensions.get(name)
    if found is None:
        found = current_app.extensions.setdefault(name, make())
    return found


def _settings():
    return current_app.config["PORTAL_SETTINGS"]


def _as_bytes(value: Any) -> bytes:
    """Return an answer as compact UTF-8 JSON (bytes put together already pass as they are)."""
    if isinstance(value, bytes):
        return value
    return current_app.json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def cached_json(key: tuple, compute, private: bool = False, view: bool = False) -> Response:
    """Answer from the versioned cache, compressed, with an ETag so unchanged data costs a 304.

    ``key`` must hold everything the answer depends on, the reader's scope included when the
    answer differs by user; ``private`` answers (restricted data) are never stored by caches.
    The cache keeps the body with its gzip/brotli forms, each compressed once; the answer for
    one map ``view`` goes to the process's small cache of views (``get_view_cache``).
    """
    cache = get_view_cache() if view else get_cache()
    response = cached_answer(cache, key, lambda: _as_bytes(compute()), "application/json")
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _require_public(layer: LayerSpec) -> None:
    if not layer.records_public:
        raise PermissionDenied(
            _(
                "Records of the layer %(layer)s are personal data: only per-area counts are "
                "public.",
                layer=layer.name(current_locale()),
            )
        )


@blueprint.get("/layers")
def list_layers() -> Response:
    """Return the layer catalogue (the same for everyone in a language: kept, compressed)."""
    locale = current_locale()
    return cached_json(("layers", locale),
                       lambda: {"layers": [layer_json(layer, locale) for layer in CATALOGUE]})


@blueprint.get("/layers/<layer_id>")
def get_layer_route(layer_id: str) -> Response:
    """Return one layer of the catalogue."""
    from layers import get_layer

    return jsonify(layer_json(get_layer(layer_id), current_locale()))


#: Most record ids read at once by ``Feature.id IN (...)`` (databases cap bound parameters).
IDS_PER_READ = 5000


def _serialised(layer: LayerSpec, as_of: dt.date):
    """Return a function reading and serialising records by id (those not kept as bytes)."""
    def serialise(ids: list[int]):
        session = get_session()
        communes = feature_store.area_names(session, "commune")
        districts = feature_store.area_names(session, "district")
        for start in range(0, len(ids), IDS_PER_READ):
            chunk = ids[start : start + IDS_PER_READ]
            for row in feature_store.read_features(session, layer.id, as_of, ids=chunk):
                yield row.id, feature_json(layer, row, communes, districts)
    return serialise


def _features_page(layer: LayerSpec, as_of: dt.date, ids: list[int], limit: int,
                   offset: int) -> bytes:
    """Return one page of the records ``ids`` (all those matched, in order) as GeoJSON bytes."""
    page = ids[offset : offset + limit]
    key = (layer.id, as_of, store_version(), current_locale())
    fragments = _fragments().get_many(key, page, _serialised(layer, as_of))
    return collection_bytes(fragments, len(ids), as_of)


def _point_index(layer: LayerSpec, as_of: dt.date) -> points.PointIndex:
    """Return the layer's point index on ``as_of``.

    On a date on or after the layer's latest recorded date: the process's index of the current
    states, caught up from the change log (an edit costs a few record reads, not a reload).
    Earlier: the layer read whole on that date, kept per data version.
    """
    session = get_session()
    index = get_point_index().current(session, layer.id, as_of, version=store_version())
    if index is not None:
        return index
    return _point_indexes().get_or_compute(
        (layer.id, as_of, store_version()),
        lambda: points.point_index(session, layer.id, as_of),
    )


def _view_index(layer: LayerSpec, as_of: dt.date, zoom: int) -> points.PointIndex | None:
    """Return the layer's point index when it is at hand or the view is wide, else None.

    A wide view that is dense will be clustered from the point index anyway, so building it
    first saves a second pass over the layer; a close-up view is cheaper to answer from the
    spatial index than to wait for the point index, which a process that has not met a wide
    view yet (a new worker, most often) then builds in the background. Once built, close-up
    views are answered from it too.
    """
    if zoom < CLOSE_UP_ZOOM:
        return _point_index(layer, as_of)
    indexes = get_point_index()
    index = indexes.current(get_session(), layer.id, as_of, load=False, version=store_version())
    if index is None:
        index = _point_indexes().peek((layer.id, as_of, store_version()))
    if index is None:
        start_once(("point index", layer.id, as_of), lambda: _point_index(layer, as_of))
    return index


def _ids_in_view(layer: LayerSpec, as_of: dt.date, bbox, zoom: int, clustering: bool,
                 filters: tuple[bool, tuple[str, ...]]) -> list[int] | None:
    """Return the ids of the records in view, by id; None when the view is to be clustered.

    Clustering: one more id than the threshold tells a dense view without counting it.
    """
    threshold = _settings().cluster_threshold
    incomplete, statuses = filters
    index = None if (incomplete or statuses) else _view_index(layer, as_of, zoom)
    if index is not None:
        if clustering and int(index.in_bbox(bbox or WHOLE_WORLD).sum()) > threshold:
            return None
        return index.overlapping(bbox)
    ids = feature_store.feature_ids(get_session(), layer.id, as_of, bbox, incomplete=incomplete,
                                    statuses=statuses,
                                    limit=threshold + 1 if clustering else None)
    return None if clustering and len(ids) > threshold else ids


def _clusters(index: points.PointIndex, as_of: dt.date, bbox, zoom: int) -> dict:
    clusters = points.grid_clusters(index, bbox, zoom)
    return {
        "type": "FeatureCollection",
        "numberMatched": int(sum(c["count"] for c in clusters)),
        "numberReturned": len(clusters),
        "asOf": as_of.isoformat(),
        "clustered": True,
        "features": [cluster_json(c) for c in clusters],
    }


def _restricted_features(layer: LayerSpec, scope: tuple[str, ...], as_of: dt.date, bbox,
                         limit: int, offset: int, incomplete: bool = False,
                         statuses: tuple[str, ...] = (),
                         kept: frozenset[int] | None = None) -> Response:
    """Answer the restricted records the user may read, filtered by area in the query.

    Never cached (neither here nor by a browser or proxy); every record shown is checked once
    more with ``can_read_restricted`` and the read is written to the audit log. ``kept``: the
    ids a raster filter keeps (None: no such filter).
    """
    session = get_session()
    filters = {"areas": scope, "incomplete": incomplete, "statuses": statuses}
    if kept is not None:
        matched = feature_store.read_features(session, layer.id, as_of, bbox, ids=sorted(kept),
                                              **filters)
        rows, count = matched[offset : offset + limit], len(matched)
    else:
        rows = feature_store.read_features(session, layer.id, as_of, bbox, limit, offset,
                                           **filters)
        count = feature_store.count_features(session, layer.id, as_of, bbox, scope, incomplete,
                                             statuses)
    rows = [r for r in rows
            if can_read_restricted(current_user, layer.id, (r.commune_code, r.district_code))]
    communes = feature_store.area_names(session, "commune")
    districts = feature_store.area_names(session, "district")
    answer = {
        "type": "FeatureCollection",
        "numberMatched": count,
        "numberReturned": len(rows),
        "asOf": as_of.isoformat(),
        "features": [feature_json(layer, r, communes, districts, include_restricted=True)
                     for r in rows],
    }  # fmt: skip
    personal_read(layer.id, [r.id for r in rows], "features")
    response = jsonify(answer)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.get("/layers/<layer_id>/features")
def layer_features(layer_id: str) -> Response:
    """Return a layer's records on ``as_of`` as GeoJSON; ``cluster=auto`` bundles dense views.

    A layer of personal records answers only its readers, with the records of their areas
    (restricted fields included), never clustered and never cached. ``incomplete=1`` keeps only
    the records missing some of their layer's required fields, ``status=paused,cancelled``
    those in one of these statuses of the layer (an unknown one: 422); ``hazard=flood_depth``
    (and/or ``landslide_hazard``) those in a hazard zone of the current raster, ``elev_min`` /
    ``elev_max`` those whose ground elevation lies between (``portal.web.raster_values``); a
    filtered answer is never clustered either.
    """
    from layers import get_layer

    layer = get_layer(layer_id)
    scope = None if layer.records_public else restricted_scope(current_user, layer.id)
    if scope is None:
        _require_public(layer)
    as_of, bbox = params.as_of(), params.bbox()
    settings = _settings()
    limit = params.integer("limit", settings.max_features_page, 1, settings.max_features_page)
    offset = params.integer("offset", 0, 0, 10**9)
    zoom = params.integer("zoom", 10, 0, 22)
    incomplete, statuses, wanted = params.incomplete(), params.statuses(layer), read_filter()
    clustering = request.args.get("cluster", "false") == "auto" and not (
        incomplete or statuses or wanted)
    matches = matching_ids(layer.id, as_of, wanted, scope=scope,
                           public_only=not signed_in(current_user)) if wanted else None
    if scope is not None:
        return _restricted_features(layer, scope, as_of, bbox, limit, offset, incomplete,
                                    statuses, matches.ids if matches else None)

    def compute() -> dict[str, Any] | bytes:
        ids = _ids_in_view(layer, as_of, bbox, zoom, clustering, (incomplete, statuses))
        if ids is not None and matches is not None:
            ids = [i for i in ids if i in matches.ids]
        if ids is None:
            return _clusters(_point_index(layer, as_of), as_of, bbox or WHOLE_WORLD, zoom)
        return _features_page(layer, as_of, ids, limit, offset)

    key = ("features", layer.id, as_of, bbox, limit, offset, zoom, clustering, incomplete,
           statuses, wanted, matches and matches.rasters, current_locale())
    return cached_json(key, compute, view=bbox is not None)


# About 50 m: invisible at the zooms that show whole communes, and it keeps /api/areas small.
DISPLAY_TOLERANCE_DEG = 0.0005
#: How close to the true pole of inaccessibility an area's label point is sought (about 100 m).
LABEL_TOLERANCE_DEG = 0.001


def display_geometries(areas: list[Area]) -> list[shapely.Geometry]:
    """Simplify a level's areas together, so neighbours keep one shared edge, to 1 m precision."""
    geoms = shapely.coverage_simplify(
        [shapely.from_wkb(a.geom) for a in areas], DISPLAY_TOLERANCE_DEG
    )
    return [shapely.transform(g, lambda coords: np.round(coords, 5)) for g in geoms]


def label_point(geometry: shapely.Geometry) -> tuple[float, float] | None:
    """Return where an area's name goes: the point of its largest part farthest from its edges."""
    parts = [p for p in shapely.get_parts(geometry) if shapely.get_type_id(p) == 3]
    if not parts:
        return None
    largest = max(parts, key=shapely.area)
    point = polylabel(largest, tolerance=LABEL_TOLERANCE_DEG)
    return round(point.x, 5), round(point.y, 5)


#: The columns of an area that ``/api/areas`` reads.
AREA_COLUMNS = ("code", "name", "level", "unit_type", "vintage", "provenance", "source",
                "parent_code", "area_km2", "official_area_km2", "label_lon", "label_lat", "geom")


def _area_feature(area: Area, geometry: shapely.Geometry) -> dict[str, Any]:
    label = label_point(geometry) or (area.label_lon, area.label_lat)
    return {
        "type": "Feature",
        "id": area.code,
        "geometry": mapping(geometry),
        "properties": {
            "code": area.code,
            "name": area.name,
            "level": area.level,
            "unit_type": area.unit_type,
            "vintage": area.vintage,
            "provenance": area.provenance,
            "source": area.source,
            "parent_code": area.parent_code,
            "area_km2": round(area.area_km2, 2),
            "official_area_km2": area.official_area_km2,
            "label_lon": label[0],
            "label_lat": label[1],
        },
    }


@blueprint.get("/areas")
def list_areas() -> Response:
    """Return the boundaries of one level as GeoJSON, with vintage and provenance."""
    level = params.level()
    params.as_of()  # validated for a uniform contract; boundaries have one vintage per level

    def compute() -> dict[str, Any]:
        columns = [getattr(Area, name) for name in AREA_COLUMNS]  # rows, not ORM objects
        areas = list(
            get_session().execute(select(*columns).where(Area.level == level).order_by(Area.code))
        )
        features = [
            _area_feature(a, g) for a, g in zip(areas, display_geometries(areas), strict=True)
        ]
        return {"type": "FeatureCollection", "features": features}

    return cached_json(("areas", level), compute)


@blueprint.get("/progress")
def progress() -> Response:
    """Return per-area progress of a layer: count, target, done, percent, lagging.

    Counts of personal records (housing) come with small numbers hidden unless the reader may
    see the records of that area (`disclosure.shown_progress`); the cache key holds the reader's
    scope, so no signed-in answer is ever served to the public.
    """
    layer, level, as_of = params.layer_arg(), params.level(), params.as_of()
    threshold = _settings().lagging_threshold
    scope = disclosure.read_scope(current_user, layer)

    def compute() -> list[dict[str, Any]]:
        rows = area_progress(get_session(), layer, level, as_of, threshold, get_area_index())
        return [r.as_dict() for r in disclosure.shown_progress(layer, rows, current_user)]

    key = ("progress", layer.id, level, as_of, threshold, scope)
    return cached_json(key, compute, private=scope not in (("public",), ("none",)))
