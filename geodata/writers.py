"""Give data back in the formats the users' tools open: GIS software, Excel, Google Earth.

Every export is written into a temporary directory and returned as bytes with its MIME type
and a file name. Spreadsheet helpers for plain tables live in :mod:`geodata.writers_office`.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import unicodedata
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

import geopandas as gpd
import pyogrio
import pyproj
import shapely

from geodata.crs import resolve_crs
from geodata.errors import GeodataError, InvalidCRS
from geodata.rawtable import format_value, user_error
from geodata.writers_office import (
    CSV_MIME,
    XLSX_MIME,
    plain_value,
    safe_cell,
    write_table_csv,
    write_table_xlsx,
)

__all__ = [
    "EXPORT_FORMATS",
    "safe_cell",
    "short_field_names",
    "table_rows",
    "write_table",
    "write_table_csv",
    "write_table_xlsx",
]

EXPORT_FORMATS = ("geojson", "csv", "xlsx", "gpkg", "shapefile", "kml")
WGS84 = pyproj.CRS.from_epsg(4326)
_MIMES = {
    "geojson": "application/geo+json",
    "csv": CSV_MIME,
    "xlsx": XLSX_MIME,
    "gpkg": "application/geopackage+sqlite3",
    "shapefile": "application/zip",
    "kml": "application/vnd.google-earth.kml+xml",
}
_SUFFIXES = {"shapefile": "zip"}
# RFC 7946 §11.2: 7 decimals of a degree are about 1 cm, finer than any survey we hold.
_DEGREE_DECIMALS = 7
_METRE_DECIMALS = 3
_DBF_NAME_BYTES = 10
_DBF_TEXT_BYTES = 254
_NAME_FIELDS = ("Name", "name", "ten", "ten_du_an", "ten_xa", "title")


def write_table(
    frame: gpd.GeoDataFrame,
    fmt: str,
    *,
    layer_name: str,
    crs: pyproj.CRS | str | None = None,
    field_labels: Mapping[str, str] | None = None,
) -> tuple[bytes, str, str]:
    """Export ``frame`` as one file of ``fmt``.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Features with a CRS; attributes become fields/columns in their order.
    fmt : str
        One of :data:`EXPORT_FORMATS`.
    layer_name : str
        Layer name inside the file and the file's name (made ASCII-safe).
    crs : pyproj.CRS or str, optional
        Output CRS for GeoPackage, Shapefile, CSV and XLSX, e.g. ``"vn2000-langson"`` (text is
        read by :func:`geodata.crs.resolve_crs`); WGS 84 if not given. GeoJSON and KML are
        WGS 84 by their standards.
    field_labels : mapping, optional
        Field name to human label, listed in the Shapefile's ``fields.csv`` and on the XLSX
        ``fields`` sheet.

    Returns
    -------
    tuple
        ``(content, mime type, file name)``.

    Raises
    ------
    GeodataError
        Unknown format, or geometry a format cannot hold (mixed types in a Shapefile).
    InvalidCRS
        ``frame`` has no CRS, or a CRS was asked of GeoJSON/KML that is not WGS 84.
    """
    if fmt not in EXPORT_FORMATS:
        known = ", ".join(EXPORT_FORMATS)
        raise user_error(
            GeodataError,
            f"Unknown export format {fmt!r}; use one of {known}.",
            f"Không có định dạng xuất {fmt!r}; hãy dùng một trong {known}.",
        )
    target = _target_crs(frame, fmt, crs)
    name = safe_file_name(layer_name)
    projected = frame.to_crs(target)
    file_name = f"{name}.{_SUFFIXES.get(fmt, fmt)}"
    if fmt == "csv":
        columns, rows = table_rows(projected)
        return write_table_csv(rows, columns=columns), _MIMES[fmt], file_name
    if fmt == "xlsx":
        columns, rows = table_rows(projected)
        content = write_table_xlsx(rows, name, columns=columns, field_labels=field_labels)
        return content, _MIMES[fmt], file_name
    with tempfile.TemporaryDirectory(prefix="export-") as folder:
        path = Path(folder) / f"{name}.{fmt}"
        if fmt == "shapefile":
            content = _write_shapefile(projected, Path(folder), name, field_labels or {})
        else:
            _write_gis(projected, path, fmt, name)
            content = path.read_bytes()
    return content, _MIMES[fmt], file_name


def safe_file_name(name: str) -> str:
    """Return ``name`` as an ASCII file and layer name.

    >>> safe_file_name("Điểm lõm sóng / 2025")
    'Diem_lom_song_2025'
    """
    folded = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    kept = (
        ch if ch.isascii() and (ch.isalnum() or ch in "-_") else " "
        for ch in folded
        if not unicodedata.combining(ch)
    )
    return "_".join("".join(kept).split()) or "layer"


def _target_crs(frame: gpd.GeoDataFrame, fmt: str, crs: pyproj.CRS | str | None) -> pyproj.CRS:
    if frame.crs is None:
        raise user_error(
            InvalidCRS,
            "The data has no coordinate system, so it cannot be exported.",
            "Dữ liệu không có hệ tọa độ nên không xuất được.",
        )
    if isinstance(crs, str):
        crs = resolve_crs(crs)
    target = crs if crs is not None else WGS84
    if fmt in ("geojson", "kml") and not target.equals(WGS84, ignore_axis_order=True):
        raise user_error(
            InvalidCRS,
            f"{fmt.upper()} files are always in WGS 84; choose GeoPackage or Shapefile for "
            f"{target.name}.",
            f"Tệp {fmt.upper()} luôn dùng WGS 84; hãy chọn GeoPackage hoặc Shapefile cho "
            f"{target.name}.",
        )
    return target


def table_rows(frame: gpd.GeoDataFrame) -> tuple[list[str], list[dict[str, Any]]]:
    """Return column names and rows of ``frame`` with its geometry as coordinate columns.

    Points give ``lon``/``lat`` (``x``/``y`` in a projected CRS); other geometries give ``wkt``.
    Coordinates are rounded to 7 decimals of a degree or to the millimetre. An attribute with
    the same name as a coordinate column is replaced by it.
    """
    geometry = frame.geometry
    geographic = frame.crs is None or frame.crs.is_geographic
    decimals = _DEGREE_DECIMALS if geographic else _METRE_DECIMALS
    present = geometry[geometry.notna() & ~geometry.is_empty]
    if bool((present.geom_type == "Point").all()):
        x_name, y_name = ("lon", "lat") if geographic else ("x", "y")
        coordinates = {
            x_name: [None if _missing(g) else round(g.x, decimals) for g in geometry],
            y_name: [None if _missing(g) else round(g.y, decimals) for g in geometry],
        }
    else:
        coordinates = {
            "wkt": [None if g is None else shapely.to_wkt(g, rounding_precision=decimals)
                    for g in geometry]
        }
    attributes = [c for c in frame.columns if c != geometry.name and c not in coordinates]
    columns = attributes + list(coordinates)
    values = {c: list(frame[c]) for c in attributes} | coordinates
    rows = [{c: values[c][i] for c in columns} for i in range(len(frame))]
    return columns, rows


def _missing(geometry: Any) -> bool:
    return geometry is None or geometry.is_empty


def _prepare_fields(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Turn object columns holding dates, numbers mixed with text and so on into text."""
    prepared = frame.copy()
    for column in frame.columns:
        if column == frame.geometry.name:
            continue
        values = frame[column]
        if pd.api.types.is_object_dtype(values) or isinstance(values.dtype, pd.StringDtype):
            if not all(isinstance(v, str) or plain_value(v) is None for v in values):
                prepared[column] = [
                    None if plain_value(v) is None else format_value(plain_value(v))
                    for v in values
                ]
    return prepared


def _write_gis(frame: gpd.GeoDataFrame, path: Path, fmt: str, name: str) -> None:
    prepared = _prepare_fields(frame)
    if fmt == "geojson":
        pyogrio.write_dataframe(
            prepared,
            path,
            driver="GeoJSON",
            layer=name,
            layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": _DEGREE_DECIMALS},
        )
    elif fmt == "gpkg":
        pyogrio.write_dataframe(prepared, path, driver="GPKG", layer=name)
    else:
        named = _with_kml_name(_dates_as_text(prepared))
        pyogrio.write_dataframe(named, path, driver="KML", layer=name)


def _with_kml_name(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add the ``Name`` column the KML driver puts in each placemark's ``<name>``."""
    if "Name" in frame.columns:
        return frame
    source = next((c for c in _NAME_FIELDS if c in frame.columns), None)
    if source is None:
        return frame
    named = frame.copy()
    named.insert(0, "Name", [None if v is None else format_value(v) for v in frame[source]])
    return named


def short_field_names(names: list[str]) -> dict[str, str]:
    """Map each field name to a unique DBF name of at most 10 ASCII characters.

    DBF compares names without case, so uniqueness is checked without case too.

    >>> short_field_names(["commune_code", "commune_copy", "tên"])
    {'commune_code': 'commune_co', 'commune_copy': 'commune__1', 'tên': 'ten'}
    """
    taken: set[str] = set()
    shorts: dict[str, str] = {}
    for name in names:
        base = safe_file_name(name)[:_DBF_NAME_BYTES] or "field"
        short, number = base, 0
        while short.lower() in taken:
            number += 1
            suffix = f"_{number}"
            short = base[: _DBF_NAME_BYTES - len(suffix)] + suffix
        taken.add(short.lower())
        shorts[name] = short
    return shorts


def _write_shapefile(
    frame: gpd.GeoDataFrame, folder: Path, name: str, labels: Mapping[str, str]
) -> bytes:
    _check_one_geometry_family(frame)
    attributes = [c for c in frame.columns if c != frame.geometry.name]
    shorts = short_field_names(attributes)
    prepared, truncated = _fit_dbf_text(_dates_as_text(_prepare_fields(frame)))
    prepared = prepared.rename(columns=shorts)
    shp = folder / "out" / f"{name}.shp"
    shp.parent.mkdir()
    pyogrio.write_dataframe(prepared, shp, driver="ESRI Shapefile", encoding="UTF-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for part in sorted(shp.parent.iterdir()):
            bundle.write(part, part.name)
        field_rows = [
            {"short_name": shorts[c], "name": c, "label": labels.get(c, "")} for c in attributes
        ]
        bundle.writestr("fields.csv", write_table_csv(field_rows))
        bundle.writestr("README.txt", _shapefile_readme(name, truncated))
    return buffer.getvalue()


def _check_one_geometry_family(frame: gpd.GeoDataFrame) -> None:
    types = frame.geometry.dropna().geom_type.str.replace("Multi", "").unique()
    if len(types) > 1:
        listed = ", ".join(sorted(types))
        raise user_error(
            GeodataError,
            f"A Shapefile holds one kind of geometry, but this layer has {listed}; "
            "export it as GeoPackage instead.",
            f"Shapefile chỉ chứa một loại hình học, nhưng lớp này có {listed}; "
            "hãy xuất dưới dạng GeoPackage.",
        )


def _dates_as_text(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Dates as ISO text: DBF and KML have no date-time field; GDAL would write ``Y/M/D h:m:s``."""
    converted = frame.copy()
    for column in frame.columns:
        if column != frame.geometry.name and pd.api.types.is_datetime64_any_dtype(frame[column]):
            converted[column] = [
                None if plain_value(v) is None else format_value(plain_value(v))
                for v in frame[column]
            ]
    return converted


def _fit_dbf_text(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Cut text to the 254 bytes a DBF field holds, at a character boundary."""
    fitted = frame.copy()
    truncated = []
    for column in frame.columns:
        values = frame[column]
        if column == frame.geometry.name or not any(isinstance(v, str) for v in values):
            continue
        if any(isinstance(v, str) and len(v.encode()) > _DBF_TEXT_BYTES for v in values):
            truncated.append(str(column))
            fitted[column] = [
                v.encode()[:_DBF_TEXT_BYTES].decode("utf-8", "ignore") if isinstance(v, str)
                else v for v in values
            ]
    return fitted, truncated


def _shapefile_readme(name: str, truncated: list[str]) -> str:
    lines = [
        f"{name}.shp - Lạng Sơn map portal export / Dữ liệu xuất từ cổng bản đồ Lạng Sơn",
        "",
        "Text is UTF-8 (see the .cpg); the coordinate system is in the .prj.",
        "Văn bản mã UTF-8 (xem tệp .cpg); hệ tọa độ ghi trong tệp .prj.",
        "",
        "DBF field names hold at most 10 characters; fields.csv maps each short name to the",
        "full field name and its label.",
        "Tên trường DBF tối đa 10 ký tự; fields.csv cho biết tên đầy đủ và nhãn của từng trường.",
    ]
    if truncated:
        listed = ", ".join(truncated)
        lines += [
            "",
            f"Text longer than 254 bytes was cut in: {listed}. Use GeoPackage for full text.",
            f"Văn bản dài hơn 254 byte đã bị cắt ở: {listed}. Dùng GeoPackage để có đủ.",
        ]
    stamp = dt.date.today().isoformat()
    return "\r\n".join([*lines, "", f"Exported / Ngày xuất: {stamp}", ""])
