"""Exports: a layer's records or a per-area progress table, in the formats users' tools open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session

import geopandas as gpd
import shapely

from geodata.writers import EXPORT_FORMATS, write_table, write_table_csv, write_table_xlsx
from layers.base import LayerSpec
from portal.services.public_record import label, record_properties
from portal.store import features as feature_store
from portal.store.progress import area_progress

TABLE_FORMATS = ("csv", "xlsx")
# Column -> (Vietnamese, English) header: a layer's records, then the per-area progress table.
RECORD_HEADERS: dict[str, tuple[str, str]] = {
    "record_id": ("Mã", "Record id"),
    "name": ("Tên", "Name"),
    "status": ("Mã trạng thái", "Status id"),
    "status_label": ("Trạng thái", "Status"),
    "progress": ("Tiến độ (%)", "Progress (%)"),
    "updated": ("Ngày cập nhật", "Updated"),
    "commune_code": ("Mã xã (2025)", "Commune code (2025)"),
    "commune_name": ("Xã/phường (2025)", "Commune (2025)"),
    "district_code": ("Mã huyện (trước 2025)", "District code (pre-2025)"),
    "district_name": ("Huyện (trước 2025)", "District (pre-2025)"),
    "illustrative": ("Dữ liệu minh họa", "Illustrative"),
    "incomplete": ("Thiếu", "Missing"),
    "position_approximate": ("Vị trí gần đúng (theo xã)", "Approximate position (by commune)"),
}
BASE_COLUMNS = tuple(RECORD_HEADERS)
PROGRESS_HEADERS: dict[str, tuple[str, str]] = {
    "rank": ("Thứ tự", "Rank"),
    "name": ("Địa bàn", "Area"),
    "code": ("Mã địa bàn", "Area code"),
    "count": ("Số lượng", "Records"),
    "done": ("Đã hoàn thành", "Done"),
    "target": ("Chỉ tiêu", "Target"),
    "percent": ("Tỷ lệ (%)", "Percent"),
    "over_target": ("Vượt chỉ tiêu", "Over target"),
    "expected_percent": ("Tiến độ dự kiến (%)", "Expected (%)"),
    "lagging": ("Chậm tiến độ", "Lagging"),
    "as_of": ("Số liệu đến ngày", "As of"),
}


class UnknownFormat(ValueError):
    """An export format we do not write."""


def _headers(headers: dict[str, tuple[str, str]], locale: str) -> dict[str, str]:
    """Return column -> header in ``locale`` ("en", otherwise Vietnamese)."""
    return {column: pair[1] if locale == "en" else pair[0] for column, pair in headers.items()}


def column_labels(layer: LayerSpec, locale: str, include_restricted: bool) -> dict[str, str]:
    """Return the columns of a layer's export, in order, with their headers in ``locale``."""
    labels = _headers(RECORD_HEADERS, locale)
    for spec in layer.fields:
        if spec.public or include_restricted:
            labels[spec.name] = label(spec, locale)
    return labels


def missing_labels(layer: LayerSpec, names: Sequence[str], locale: str) -> str:
    """Return the labels of a record's missing fields joined by ", " ("" when complete).

    >>> from layers import get_layer
    >>> missing_labels(get_layer("industry"), ["kind", "plan_goal"], "en")
    'Project type, 2025 plan goal'
    """
    labels = []
    for name in names:
        try:
            labels.append(label(layer.field(name), locale))
        except KeyError:
            labels.append(name)
    return ", ".join(labels)


def layer_frame(
    session: Session,
    layer: LayerSpec,
    as_of: dt.date,
    *,
    locale: str = "vi",
    bbox: tuple[float, float, float, float] | None = None,
    area: tuple[str, str] | None = None,
    include_restricted: bool = False,
    areas: Sequence[str] | None = None,
    incomplete: bool = False,
    statuses: Sequence[str] = (),
    ids: Sequence[int] | None = None,
) -> gpd.GeoDataFrame:
    """Return a layer's records on ``as_of`` (public fields unless told otherwise).

    ``areas`` limits the records to a reader's areas (commune or district codes; empty: all);
    ``incomplete`` keeps the records missing some required fields, ``statuses`` (status ids;
    empty: all) those in one of them on ``as_of``, as the map's filters do; ``ids`` only these
    records (the map's raster filter; None: all).
    """
    rows = feature_store.read_features(
        session, layer.id, as_of, bbox=bbox, area=area, areas=areas, incomplete=incomplete,
        statuses=statuses, ids=ids,
    )
    communes = feature_store.area_names(session, "commune")
    districts = feature_store.area_names(session, "district")
    records = [
        record_properties(layer, r, communes, districts, locale,
                          include_restricted=include_restricted, choice_labels=True)
        for r in rows
    ]  # fmt: skip
    for record in records:
        record["incomplete"] = missing_labels(layer, record["incomplete"], locale)
    geometry = [shapely.from_wkb(r.geom) for r in rows]
    columns = list(column_labels(layer, locale, include_restricted))  # drops "id", "status_color"
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
    areas: Sequence[str] | None = None,
    incomplete: bool = False,
    statuses: Sequence[str] = (),
    ids: Sequence[int] | None = None,
) -> tuple[bytes, str, str]:
    """Write a layer's records as a file: (content, mime type, file name).

    ``incomplete``, ``statuses`` and ``ids`` filter the records as in `layer_frame`.
    """
    if fmt not in EXPORT_FORMATS:
        raise UnknownFormat(fmt)
    frame = layer_frame(
        session, layer, as_of, locale=locale, bbox=bbox, area=area,
        include_restricted=include_restricted, areas=areas, incomplete=incomplete,
        statuses=statuses, ids=ids,
    )
    suffix = f"_{area[0]}_{area[1]}" if area else ""
    return write_table(
        frame,
        fmt,
        # An XML name (KML layers): letters, digits and underscores only.
        layer_name=f"{layer.id}{suffix}_{as_of:%Y%m%d}",
        crs=crs,
        field_labels=column_labels(layer, locale, include_restricted),
    )


def progress_rows(
    session: Session, layer: LayerSpec, level: str, as_of: dt.date, locale: str = "vi",
    shown: Callable[[LayerSpec, list], list] | None = None, *, order: str = "rank",
    lagging_only: bool = False,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Return the per-area progress table and its column labels, rows as a page shows them.

    ``shown`` turns the rows into what the reader may see
    (`portal.services.disclosure.shown_progress`: small counts of personal data hidden); None keeps
    them as they are (scripts, CLI). ``order`` is the page's: "rank" (planning: furthest behind
    first, areas without a target left out) or "left" (telecom: most records still to do first,
    areas without any record left out); ``lagging_only`` keeps the lagging areas alone.
    """
    labels = _headers(PROGRESS_HEADERS, locale)
    areas = area_progress(session, layer, level, as_of)
    if shown is not None:
        areas = shown(layer, areas)
    areas = ranked(areas) if order == "rank" else most_left(areas)
    if lagging_only:
        areas = [r for r in areas if r.lagging]
    rows = [
        {"rank": rank, **{k: v for k, v in r.as_dict().items() if k in labels},
         "as_of": as_of.isoformat()}
        for rank, r in enumerate(areas, start=1)
    ]
    return rows, labels


def ranked(rows: Sequence[Any]) -> list[Any]:
    """Order a level's progress rows as the planning page shows them.

    Areas with a target come first, furthest behind the straight line first (then by name);
    areas whose percent is hidden (small counts) come last; areas without a target are left out.
    """
    with_target = [r for r in rows if r.percent is not None]
    hidden = [
        r for r in rows
        if r.percent is None and (isinstance(r.done, str) or isinstance(r.target, str))
    ]
    return sorted(with_target, key=lambda r: (r.percent - r.expected_percent, r.name)) + hidden


def most_left(rows: Sequence[Any]) -> list[Any]:
    """Order the areas holding records as the telecom page does: most still to do first."""
    return sorted((r for r in rows if r.count), key=lambda r: (-(r.count - r.done), r.name))


def export_progress(
    session: Session, layer: LayerSpec, level: str, fmt: str, as_of: dt.date, locale: str = "vi",
    shown: Callable[[LayerSpec, list], list] | None = None, *, order: str = "rank",
    lagging_only: bool = False,
) -> tuple[bytes, str, str]:
    """Write a per-area progress table as CSV (UTF-8 with BOM) or XLSX, headers in ``locale``."""
    if fmt not in TABLE_FORMATS:
        raise UnknownFormat(fmt)
    rows, labels = progress_rows(session, layer, level, as_of, locale, shown, order=order,
                                 lagging_only=lagging_only)
    name = f"progress_{layer.id}_{level}_{as_of.isoformat()}"
    titled = [{labels[k]: v for k, v in row.items()} for row in rows]
    if fmt == "csv":
        return write_table_csv(titled, columns=list(labels.values())), "text/csv", f"{name}.csv"
    content = write_table_xlsx(titled, sheet=layer.id, columns=list(labels.values()))
    return (
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{name}.xlsx",
    )
