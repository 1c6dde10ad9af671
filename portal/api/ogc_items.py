"""The features of ``/ogc`` collections: pages of a layer's records or of a level's areas.

A public layer's page without filters other than ``status`` is joined from each record's GeoJSON
bytes, kept per layer, date, data version, language and coordinate system (the same store of
bytes as ``/api/layers/<id>/features``, see ``portal.web.feature_pages``), so a page costs the
ids of the records in the box (the process's point index of the layer, or the spatial index
with a status) and a join. Filters on other properties, the personal layer and
the boundaries read their rows and serialise them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flask import current_app
from flask_login import current_user

import shapely
from shapely.geometry import mapping

from layers.base import LayerSpec
from portal.api.maps import _fragments, _point_index, _serialised
from portal.services.access import can_read_restricted
from portal.services.ogc import OgcCrs, matches, reproject
from portal.store import features as feature_store
from portal.store.ogc_read import read_areas
from portal.web.audit_log import personal_read
from portal.web.cache import store_version
from portal.web.database import get_session
from portal.web.feature_pages import compact_json
from portal.web.i18n import current_locale
from portal.web.serialize import COORD_DECIMALS, feature_json


@dataclass(frozen=True)
class ItemsQuery:
    """What an items request asks for, read and checked."""

    as_of: dt.date
    bbox: tuple[float, float, float, float] | None
    limit: int
    offset: int
    system: OgcCrs
    filters: dict[str, str] = field(default_factory=dict)


@dataclass
class ItemsPage:
    """One page of features: their GeoJSON bytes and how many matched in all."""

    fragments: list[bytes]
    matched: int


def _serialiser(layer: LayerSpec, as_of: dt.date, system: OgcCrs):
    plain = _serialised(layer, as_of)
    if system.target is None:
        return plain

    def serialise(ids: list[int]):
        made = list(plain(ids))
        points = [i for i, (_, f) in enumerate(made) if f["geometry"]["type"] == "Point"]
        if points:  # most records: one transform for all of them
            lons, lats = np.array([made[i][1]["geometry"]["coordinates"] for i in points]).T
            firsts, seconds = system.from_lonlat(lons, lats)
            for i, first, second in zip(points, firsts.tolist(), seconds.tolist(), strict=True):
                geometry = {"type": "Point", "coordinates": [first, second]}
                made[i] = (made[i][0], {**made[i][1], "geometry": geometry})
        for fid, feature in made:
            if feature["geometry"]["type"] != "Point":
                feature = {**feature, "geometry": reproject(feature["geometry"], system)}
            yield fid, feature
    return serialise


def _public_page(layer: LayerSpec, query: ItemsQuery) -> ItemsPage:
    """Return a page of a public layer's records filtered at most by status, from kept bytes."""
    if "status" in query.filters:
        ids = feature_store.feature_ids(get_session(), layer.id, query.as_of, query.bbox,
                                        statuses=(query.filters["status"],))
    else:  # the process's numpy index of the layer's boxes, as the map's features API
        index = _point_index(layer, query.as_of)
        ids = index.ids if query.bbox is None else index.overlapping(query.bbox)
    page = [int(i) for i in ids[query.offset: query.offset + query.limit]]
    key = (layer.id, query.as_of, store_version(), current_locale(), query.system.uri)
    fragments = _fragments().get_many(key, page, _serialiser(layer, query.as_of, query.system))
    return ItemsPage(fragments, len(ids))


def _read_rows(layer: LayerSpec, query: ItemsQuery, scope: tuple[str, ...] | None,
               ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Return every record matching the query (before paging) as GeoJSON features (lon/lat)."""
    session = get_session()
    statuses = (query.filters["status"],) if "status" in query.filters else ()
    rows = feature_store.read_features(session, layer.id, query.as_of, query.bbox,
                                       areas=scope, statuses=statuses, ids=ids)
    communes = feature_store.area_names(session, "commune")
    districts = feature_store.area_names(session, "district")
    restricted = scope is not None
    if restricted:
        rows = [r for r in rows
                if can_read_restricted(current_user, layer.id, (r.commune_code, r.district_code))]
    features = (feature_json(layer, r, communes, districts, include_restricted=restricted)
                for r in rows)
    return [f for f in features if matches(f["properties"], query.filters)]


def _in_system(features: list[dict[str, Any]], system: OgcCrs) -> list[bytes]:
    return [compact_json({**f, "geometry": reproject(f["geometry"], system)}) for f in features]


def layer_page(layer: LayerSpec, query: ItemsQuery, scope: tuple[str, ...] | None) -> ItemsPage:
    """Return a page of a layer's records; ``scope``: the areas of a reader of personal records.

    Every personal record shown is written to the audit log.
    """
    if scope is None and set(query.filters) <= {"status"}:
        return _public_page(layer, query)
    found = _read_rows(layer, query, scope)
    page = found[query.offset: query.offset + query.limit]
    if scope is not None:
        personal_read(layer.id, [f["id"] for f in page], "ogc-items")
    return ItemsPage(_in_system(page, query.system), len(found))


def layer_item(layer: LayerSpec, feature_id: int, query: ItemsQuery,
               scope: tuple[str, ...] | None) -> dict[str, Any] | None:
    """Return one record on the query's date (None when absent or outside the reader's scope)."""
    found = _read_rows(layer, query, scope, ids=[feature_id])
    if not found:
        return None
    if scope is not None:
        personal_read(layer.id, [feature_id], "ogc-item")
    return {**found[0], "geometry": reproject(found[0]["geometry"], query.system)}


def _area_feature(row, system: OgcCrs) -> dict[str, Any]:
    geometry = shapely.set_precision(shapely.from_wkb(row.geom), 10**-COORD_DECIMALS)
    properties = {"code": row.code, "name": row.name, "level": row.level,
                  "unit_type": row.unit_type, "vintage": row.vintage,
                  "provenance": row.provenance, "parent_code": row.parent_code,
                  "area_km2": round(row.area_km2, 2)}
    return {"type": "Feature", "id": row.code,
            "geometry": reproject(_plain(mapping(geometry)), system),
            "properties": {k: v for k, v in properties.items() if v is not None}}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def area_page(level: str, query: ItemsQuery) -> ItemsPage:
    """Return a page of the stored areas of ``level``, kept per data version and system."""
    rows = [r for r in read_areas(get_session(), level, query.bbox)
            if matches({"code": r.code, "parent_code": r.parent_code}, query.filters)]
    page = rows[query.offset: query.offset + query.limit]
    cache = _area_bytes()
    key = (level, query.system.uri, store_version())
    kept = cache.setdefault(key, {})
    if len(cache) > 8:
        cache.pop(next(iter(cache)))
    for row in page:
        if row.code not in kept:
            kept[row.code] = compact_json(_area_feature(row, query.system))
    return ItemsPage([kept[r.code] for r in page], len(rows))


def _area_bytes() -> dict:
    found = current_app.extensions.get("portal_ogc_areas")
    if found is None:
        found = current_app.extensions.setdefault("portal_ogc_areas", {})
    return found


def area_item(level: str, code: str, system: OgcCrs) -> dict[str, Any] | None:
    """Return one stored area of ``level`` by code (None when there is none)."""
    rows = read_areas(get_session(), level, code=code)
    return _area_feature(rows[0], system) if rows else None
