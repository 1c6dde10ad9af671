"""Turning stored rows into JSON/GeoJSON with public fields only, in the request's language.

The record itself is serialised by :mod:`portal.services.public_record` (shared with the
exports); this module adds the request's locale and the GeoJSON wrapping.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import Row

import shapely
from shapely.geometry import mapping

from layers.base import LayerSpec
from portal.services.public_record import label, record_properties
from portal.web.i18n import current_locale


def layer_json(layer: LayerSpec, locale: str) -> dict[str, Any]:
    """Describe a layer for the catalogue and the map client (public fields only)."""
    return {
        "id": layer.id,
        "name": layer.name(locale),
        "names": {"vi": layer.name_vi, "en": layer.name_en},
        "description": layer.description_en if locale == "en" else layer.description_vi,
        "geometryTypes": list(layer.geometry_types),
        "color": layer.style.color,
        "icon": layer.style.icon,
        "cluster": layer.style.cluster,
        "recordsPublic": layer.records_public,
        "workflow": layer.workflow,
        "deadline": layer.deadline.isoformat(),
        "target": layer.target_label_en if locale == "en" else layer.target_label_vi,
        "progressRule": (
            layer.progress_rule.description_en
            if locale == "en"
            else layer.progress_rule.description_vi
        ),
        "statuses": [
            {"id": s.id, "label": label(s, locale), "color": s.color, "done": s.done}
            for s in layer.statuses
        ],
        "fields": [_field_json(layer, f.name, locale) for f in layer.public_fields],
        "popupFields": [_field_json(layer, f, locale) for f in layer.popup_fields],
        # Every field's label (a record's ``incomplete`` list names fields by id).
        "fieldLabels": {f.name: label(f, locale) for f in layer.fields},
    }


def _field_json(layer: LayerSpec, name: str, locale: str) -> dict[str, Any]:
    spec = layer.field(name)
    described: dict[str, Any] = {"name": name, "label": label(spec, locale), "type": spec.type}
    if spec.choices:
        described["choices"] = layer.choice_labels(name, locale)
    return described


#: Decimal places kept in a record's coordinates: 6 is about 0.1 m, finer than any survey here.
COORD_DECIMALS = 6
#: Properties the map reads from ``/api/layers`` (a status's label and colour), not per record.
LAYER_LEVEL_PROPERTIES = ("status_label", "status_color")


def lean_geometry(wkb: bytes) -> dict[str, Any]:
    """Return a stored geometry as GeoJSON with coordinates rounded to `COORD_DECIMALS`.

    >>> lean_geometry(shapely.to_wkb(shapely.Point(106.123456789, 21.987654321)))
    {'type': 'Point', 'coordinates': [106.123457, 21.987654]}
    """
    geom = shapely.from_wkb(wkb)
    if shapely.get_type_id(geom) == 0:  # a point: most records, so skip the generic path
        return {"type": "Point", "coordinates": [round(geom.x, COORD_DECIMALS),
                                                 round(geom.y, COORD_DECIMALS)]}
    rounded = shapely.transform(geom, lambda coords: np.round(coords, COORD_DECIMALS))
    return mapping(rounded)


def feature_json(
    layer: LayerSpec,
    row: Row,
    communes: dict[str, str],
    districts: dict[str, str],
    include_restricted: bool = False,
) -> dict[str, Any]:
    """Return one record as a lean GeoJSON Feature: public fields, restricted ones only if told.

    Lean: coordinates to 6 decimals, no property that is null, and no status label or colour
    (the client takes them from the layer's ``statuses`` in ``/api/layers``).
    """
    properties = record_properties(
        layer, row, communes, districts, current_locale(), include_restricted=include_restricted,
    )
    return {
        "type": "Feature",
        "id": row.id,
        "geometry": lean_geometry(row.geom),
        "properties": {
            key: value for key, value in properties.items()
            if value is not None and key not in LAYER_LEVEL_PROPERTIES
        },
    }


def cluster_json(cluster: dict[str, Any]) -> dict[str, Any]:
    """Return a grid cluster as a GeoJSON Feature."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [cluster["lon"], cluster["lat"]]},
        "properties": {
            "cluster": True,
            "count": cluster["count"],
            "done": cluster["done"],
            "bbox": cluster["bbox"],
        },
    }
