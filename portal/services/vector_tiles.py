"""Mapbox Vector Tiles (2.1) of a layer's records or of one level of boundaries.

Geometries go from lon/lat to tile units (``EXTENT`` across, y down) with numpy, are clipped
to the tile grown by ``BUFFER`` units, simplified by ``SIMPLIFY_UNITS`` (a fraction of a screen
pixel, so a low-zoom tile of long roads or large communes stays small) and encoded by the
``mapbox-vector-tile`` package. A record's properties are its public ones as the features API
gives them to the public (:func:`portal.services.public_record.record_properties`, nulls and
the layer-level status label and colour left out), lists as JSON text (MVT values are scalars).
A tile with nothing in it is still a tile: its layer with no feature.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import mapbox_vector_tile
import numpy as np
from sqlalchemy import Row

import shapely

from layers.base import LayerSpec
from portal.services.public_record import record_properties
from portal.store.tiles import BUFFER, EXTENT, HALF_WORLD, Tile

MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
#: Tile units one shape may stray when simplified: half a pixel of a 256-px tile.
SIMPLIFY_UNITS = EXTENT / 256 / 2
#: Properties of a record that describe its layer rather than the record (as in the API).
LAYER_LEVEL_PROPERTIES = ("status_label", "status_color")
_OPTIONS = {"extents": EXTENT, "y_coord_down": True, "quantize_bounds": None,
            "on_invalid_geometry": mapbox_vector_tile.encoder.on_invalid_geometry_make_valid}


def to_tile_units(geometries: np.ndarray, tile: Tile) -> np.ndarray:
    """Return lon/lat geometries in the tile's units: 0..EXTENT from the west and the north."""
    minx, _, _, maxy = tile.mercator_bounds()
    scale = EXTENT / (2 * HALF_WORLD / 2**tile.z)

    def project(coords: np.ndarray) -> np.ndarray:
        lon = coords[:, 0]
        lat = np.clip(coords[:, 1], -85.0511287798066, 85.0511287798066)
        mx = np.radians(lon) * 6378137.0
        my = np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * 6378137.0
        return np.column_stack(((mx - minx) * scale, (maxy - my) * scale))

    return shapely.transform(geometries, project)


def _shaped(wkbs: Sequence[bytes], tile: Tile) -> np.ndarray:
    """Return the geometries of a tile, in its units, clipped and simplified (None: outside)."""
    shapes = to_tile_units(shapely.from_wkb(np.asarray(wkbs, dtype=object)), tile)
    points = shapely.get_type_id(shapes) == 0
    other = ~points
    if other.any():
        clipped = shapely.clip_by_rect(shapes[other], -BUFFER, -BUFFER, EXTENT + BUFFER,
                                       EXTENT + BUFFER)
        shapes[other] = shapely.simplify(clipped, SIMPLIFY_UNITS, preserve_topology=True)
    if points.any():
        p = shapes[points]
        x, y = shapely.get_x(p), shapely.get_y(p)
        inside = (x >= -BUFFER) & (x <= EXTENT + BUFFER) & (y >= -BUFFER) & (y <= EXTENT + BUFFER)
        p[~inside] = None
        shapes[points] = p
    return shapes


def _scalar(value: Any) -> Any:
    """Return a property value MVT can hold: lists and mappings as JSON text (as PostGIS's).

    >>> _scalar(["village", "households"])
    '["village", "households"]'
    """
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def public_properties(layer: LayerSpec, row: Row, communes: Mapping[str, str],
                      districts: Mapping[str, str]) -> dict[str, Any]:
    """Return a record's properties in a tile: the public ones the features API answers."""
    values = record_properties(layer, row, communes, districts, "vi")
    return {key: _scalar(value) for key, value in values.items()
            if value is not None and key not in LAYER_LEVEL_PROPERTIES}


class _Encoder(mapbox_vector_tile.encoder.VectorTile):
    """The package's encoder, a feature's tags added at once (the same bytes, twice as fast)."""

    def _handle_attr(self, layer, feature, props) -> None:
        tags: list[int] = []
        keys = self.seen_keys_idx
        for key, value in props.items():
            if not self._can_handle_attr(key, value):
                continue
            key_index = keys.get(key)
            if key_index is None:
                layer.keys.append(key)
                key_index = keys[key] = self.key_idx
                self.key_idx += 1
            tags.append(key_index)
            tags.append(self._value_index(layer, value))
        feature.tags.extend(tags)

    def _value_index(self, layer, value: Any) -> int:
        table = self.seen_values_bool_idx if isinstance(value, bool) else self.seen_values_idx
        index = table.get(value)
        if index is None:
            index = table[value] = self.val_idx
            self.val_idx += 1
            stored = layer.values.add()
            if isinstance(value, bool):
                stored.bool_value = value
            elif isinstance(value, str):
                stored.string_value = value
            elif isinstance(value, int):
                stored.int_value = value
            else:
                stored.double_value = value
        return index


def encode_layer(name: str, tile: Tile, features: Iterable[tuple[int, bytes, dict]]) -> bytes:
    """Return a tile of one layer ``name`` from (id, lon/lat WKB, properties) triples."""
    features = list(features)
    shapes = _shaped([wkb for _, wkb, _ in features], tile) if features else []
    encoder = _Encoder(default_options=_OPTIONS)
    encoder.add_layer(name, [
        {"id": fid, "geometry": shape, "properties": props}
        for (fid, _, props), shape in zip(features, shapes, strict=True)
        if shape is not None and not shape.is_empty
    ])
    return encoder.tile.SerializeToString()


def records_tile(layer: LayerSpec, tile: Tile, rows: Sequence[Row], communes: Mapping[str, str],
                 districts: Mapping[str, str]) -> bytes:
    """Return the tile of a public layer's records (rows of ``portal.store.tiles``)."""
    return encode_layer(layer.id, tile, (
        (row.id, row.geom, public_properties(layer, row, communes, districts)) for row in rows
    ))


def areas_tile(level: str, tile: Tile, rows: Sequence[Row]) -> bytes:
    """Return the tile of one level of boundaries: code, name and level of each area."""
    return encode_layer(level, tile, (
        (int(row.code) if row.code.isdigit() else None, row.geom,
         {"code": row.code, "name": row.name, "level": row.level})
        for row in rows
    ))
