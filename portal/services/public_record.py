"""A stored record as the outside world sees it: the one serialiser of the API and the exports.

:func:`record_properties` turns a row of :func:`portal.store.features.read_features` into its
properties in a language: status label and colour, area names, and the public fields (the
restricted ones too when the caller may show them). The API's GeoJSON
(:func:`portal.web.serialize.feature_json`) and the file exports (:mod:`portal.services.exports`)
both build on it, so a field never reaches one and not the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row

from layers.base import LayerSpec

UNKNOWN_STATUS_COLOR = "#6c757d"


def label(obj: Any, locale: str) -> str:
    """Return the vi/en label of a spec object (a field, a status)."""
    return obj.label_en if locale == "en" else obj.label_vi


def status_display(layer: LayerSpec, status_id: str, locale: str) -> tuple[str, str]:
    """Return a status's label in ``locale`` and its colour (grey for an unknown status)."""
    try:
        status = layer.status(status_id)
    except KeyError:
        return status_id, UNKNOWN_STATUS_COLOR
    return label(status, locale), status.color


def record_properties(
    layer: LayerSpec,
    row: Row,
    communes: Mapping[str, str],
    districts: Mapping[str, str],
    locale: str,
    *,
    include_restricted: bool = False,
    choice_labels: bool = False,
) -> dict[str, Any]:
    """Return a record's properties: identity, state, areas and its fields' values.

    Parameters
    ----------
    layer : LayerSpec
        The record's layer.
    row : sqlalchemy.Row
        A row of :func:`portal.store.features.read_features`.
    communes, districts : mapping
        Area code -> name, for the record's 2025 commune and pre-2025 district.
    locale : str
        The language of the status label (and of choice labels).
    include_restricted : bool
        Add the restricted fields (only for a reader allowed to see them).
    choice_labels : bool
        Give a choice field's label rather than its value (a file for people to read).

    Returns
    -------
    dict
        ``id``, ``record_id``, ``name``, ``status`` with its ``status_label`` and
        ``status_color``, ``progress``, ``updated``, the commune and district codes and names,
        ``illustrative``, ``incomplete`` (the ids of the required fields the record lacks, []
        when complete) and ``position_approximate`` (placed at its commune), then the fields (a
        field's value wins over an area name of the same key), state attributes over the
        record's own.
    """
    status_label, status_color = status_display(layer, row.status, locale)
    values: dict[str, Any] = {
        "id": row.id,
        "record_id": row.record_id,
        "name": row.name,
        "status": row.status,
        "status_label": status_label,
        "status_color": status_color,
        "progress": row.progress,
        "updated": row.valid_from.isoformat(),
        "commune_code": row.commune_code,
        "commune_name": communes.get(row.commune_code),
        "district_code": row.district_code,
        "district_name": districts.get(row.district_code),
        "illustrative": bool(row.illustrative),
        "incomplete": list((row.attributes or {}).get("incomplete") or []),
        "position_approximate": bool((row.attributes or {}).get("position_approximate")),
    }
    merged = {**(row.attributes or {}), **(row.state_attributes or {})}
    for spec in layer.fields if include_restricted else layer.public_fields:
        value = merged.get(spec.name)
        if choice_labels and spec.choices and value is not None:
            value = layer.choice_label(spec.name, value, locale)
        values[spec.name] = value
    return values
