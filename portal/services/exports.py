"""Exports: a layer's records or a per-area progress table, in the formats users' tools open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

import geopandas as gpd
import shapely

from geodata.writers import EXPORT_FORMATS, write_table, write_table_csv, write_table_xlsx
from layers.base import LayerSpec
from portal.store import features as feature_store
from portal.store.progress import area_progress
from portal.web.serialize import status_display

BASE_COLUMNS = (
    "record_id", "name", "status", "status_label", "progress", "updated",
    "commune_code", "commune_name", "district_code", "district_name", "illustrative",
)
TABLE_FORMATS = ("csv", "xlsx")


class UnknownFormat(ValueError):
    """An export format we do not write."""


def _labels(layer: LayerSpec, locale: str, include_restricted: bool) -> dict[str, str]:
    vi = locale != "en"
    labels = {
        "record_id": "Mã" if vi else "Record id",
        "name": "Tên" if vi else "Name",
        "status": "Mã trạng thái" if vi else "Status id",
        "status_label": "Trạng thái" if vi else "Status",
        "progress": "Tiến độ (%)" if vi else "Progress (%)",
        "updated": "Ngày cập nhật" if vi else "Updated",
        "commune_code": "Mã xã (2025)" if vi else "Commune code (2025)",
        "commune_name": "Xã/phường (2025)" if vi else "Commune (2025)",
        "district_code": "Mã huyện (trước 2025)" if vi else "District code (pre-2025)",
        "district_name": "Huyện (trước 2025)" if vi else "District (pre-2025)",
        "illustrative": "Dữ liệu minh họa" if vi else "Illustrative",
    }
    for spec in layer.fields:
        if spec.public or include_restricted:
            labels[spec.name] = spec.label_vi if vi else spec.label_en
    return labels


def _row(layer, row, communes, districts, locale, include_restricted) -> dict[str, Any]:
    status_label, _color = status_display(layer, row.status, locale)
    merged = {**(row.attributes or {}), **(row.state_attributes or {})}
    values: dict[str, Any] = {
        "record_id": row.record_id,
        "name": row.name,
        "status": row.status,
        "status_label": status_label,
        "progress": row.progress,
        "updated": row.valid_from.isoformat(),
        "commune_code": row.commune_code,
        "commune_name": communes.get(row.commune_code),
        "district_code": row.district_code,
        "district_name": districts.get(row.district_code),
        "illustrative": bool(row.illustrative),
    }
    for spec in layer.fields:
        if spec.public or include_restricted:
            value = merged.get(spec.name)
            if spec.choices and value is not None:
                value = layer.choice_label(spec.name, value, locale)
            values[spec.name] = value
    return values


def layer_frame(
    session: Session,
    layer: LayerSpec,
    as_of: dt.date,
    *,
    locale: str = "vi",
    bbox: tuple[float, float, float, float] | None = None,
    area: tuple[str, str] | None = None,
    include_restricted: bool = False,
) -> gpd.GeoDataFrame:
    """Return a layer's records on ``as_of`` (public fields unless told otherwise)."""
    rows = feature_store.read_features(session, layer.id, as_of, bbox=bbox, area=area)
    communes = feature_store.area_names(session, "commune")
    districts = feature_store.area_names(session, "district")
    records = [_row(layer, r, communes, districts, locale, include_restricted) for r in rows]
    geometry = [shapely.from_wkb(r.geom) for r in rows]
    columns = list(_labels(layer, locale, include_restricted))
    return gpd.GeoDataFrame(records, columns=columns, geometry=geometry, crs=4326)


def export_layer(
    session: Session,
    layer: LayerSpec,
    fmt: str,
    as_of: dt.date,
    *,
    locale: str = "vi",
    bbox=None,
    area=None,
    crs: str | None = None,
    include_restricted: bool = False,
) -> tuple[bytes, str, str]:
    """Write a layer's records as a file: (content, mime type, file name)."""
    if fmt not in EXPORT_FORMATS:
        raise UnknownFormat(fmt)
    frame = layer_frame(
        session, layer, as_of, locale=locale, bbox=bbox, area=area,
        include_restricted=include_restricted,
    )
    suffix = f"_{area[0]}_{area[1]}" if area else ""
    return write_table(
        frame,
        fmt,
        # An XML name (KML layers): letters, digits and underscores only.
        layer_name=f"{layer.id}{suffix}_{as_of:%Y%m%d}",
        crs=crs,
        field_labels=_labels(layer, locale, include_restricted),
    )


def progress_rows(
    session: Session, layer: LayerSpec, level: str, as_of: dt.date, locale: str = "vi",
    shown: Callable[[LayerSpec, list], list] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Return the per-area progress table and its column labels.

    ``shown`` turns the rows into what the reader may see
    (`portal.services.disclosure.shown_progress`: small counts of personal data hidden); None keeps
    them as they are (scripts, CLI).
    """
    vi = locale != "en"
    labels = {
        "code": "Mã địa bàn" if vi else "Area code",
        "name": "Địa bàn" if vi else "Area",
        "count": "Số lượng" if vi else "Records",
        "done": "Đã hoàn thành" if vi else "Done",
        "target": "Chỉ tiêu" if vi else "Target",
        "percent": "Tỷ lệ (%)" if vi else "Percent",
        "expected_percent": "Tiến độ dự kiến (%)" if vi else "Expected (%)",
        "lagging": "Chậm tiến độ" if vi else "Lagging",
        "as_of": "Số liệu đến ngày" if vi else "As of",
    }
    areas = area_progress(session, layer, level, as_of)
    if shown is not None:
        areas = shown(layer, areas)
    rows = [
        {**{k: v for k, v in r.as_dict().items() if k in labels}, "as_of": as_of.isoformat()}
        for r in areas
    ]
    return rows, labels


def export_progress(
    session: Session, layer: LayerSpec, level: str, fmt: str, as_of: dt.date, locale: str = "vi",
    shown: Callable[[LayerSpec, list], list] | None = None,
) -> tuple[bytes, str, str]:
    """Write a per-area progress table as CSV (UTF-8 with BOM) or XLSX."""
    if fmt not in TABLE_FORMATS:
        raise UnknownFormat(fmt)
    rows, labels = progress_rows(session, layer, level, as_of, locale, shown)
    name = f"progress_{layer.id}_{level}_{as_of.isoformat()}"
    if fmt == "csv":
        return write_table_csv(rows, columns=list(labels)), "text/csv", f"{name}.csv"
    content = write_table_xlsx(rows, sheet=layer.id, columns=list(labels), field_labels=labels)
    return (
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{name}.xlsx",
    )
