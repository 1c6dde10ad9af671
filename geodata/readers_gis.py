"""GeoJSON, GeoPackage and KML readers through pyogrio, and helpers the Shapefile reader shares."""

from __future__ import annotations

import json
import logging
import mmap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import geopandas as gpd
import pyogrio
import pyproj
from pyogrio.errors import DataLayerError, DataSourceError

from geodata.crs import NonStandardTowgs84Warning, crs_from_prj
from geodata.errors import GeodataError
from geodata.rawtable import RawTable, frame_as_text, user_error

logger = logging.getLogger(__name__)

_DRIVERS = {
    "geojson": ("GeoJSON",),
    "gpkg": ("GPKG",),
    "kml": ("LIBKML", "KML"),
    "shapefile": ("ESRI Shapefile",),
}
# LIBKML adds these columns to every placemark; dropped when they carry nothing but defaults.
_KML_DEFAULTS: dict[str, object] = {
    "description": None,
    "timestamp": None,
    "begin": None,
    "end": None,
    "altitudeMode": None,
    "tessellate": -1,
    "extrude": 0,
    "visibility": -1,
    "drawOrder": None,
    "icon": None,
}
# DataLayerError is the base of pyogrio's CRSError, FeatureError, FieldError and GeometryError.
_READ_ERRORS = (DataLayerError, DataSourceError, UnicodeDecodeError)


def read_gis_table(
    path: Path, source_format: str, *, crs: pyproj.CRS | None, layer: str | None
) -> RawTable:
    """Read a GeoJSON, GeoPackage or KML layer with its geometry."""
    if source_format == "geojson":
        refuse_linked_crs(path)
    name = _pick_layer(path, layer, source_format)
    frame = read_frame(path, name, source_format, encoding=None)
    notes: list[str] = []
    if source_format in ("geojson", "kml") and frame.crs is None:
        file_crs = pyproj.CRS.from_epsg(4326)  # RFC 7946 and KML 2.2: always WGS 84 lon/lat
    elif frame.crs is not None and pyproj.CRS.from_user_input(frame.crs).to_epsg() == 4326:
        file_crs = pyproj.CRS.from_epsg(4326)
    elif frame.crs is not None:
        # A GeoPackage's VN-2000 system gets the same standard shift to WGS 84 as a .prj does.
        file_crs = standard_crs(pyproj.CRS.from_user_input(frame.crs).to_wkt(), notes)
    else:
        file_crs = None
    if source_format == "kml":
        frame = _drop_kml_defaults(frame, name)
    return make_table(frame, chosen_crs(crs, file_crs, notes), source_format, "utf-8", notes)


def _linked_crs(node: object) -> str | None:
    """Return the address of the first ``"crs": {"type": "link"}`` member in a JSON tree."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            crs = item.get("crs")
            if isinstance(crs, dict) and str(crs.get("type", "")).lower() == "link":
                return str((crs.get("properties") or {}).get("href", ""))[:80]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def refuse_linked_crs(path: Path) -> None:
    """Refuse a GeoJSON whose ``crs`` links to an address: GDAL would fetch it from the network.

    GeoJSON of 2008 allowed ``"crs": {"type": "link", "properties": {"href": ...}}``; GDAL
    resolves such a link while opening the file, so an upload could make the server send
    requests (blind SSRF). Named systems (``"type": "name"``, as QGIS writes) stay accepted.
    """
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data.find(b'"link"') < 0 and data.find(b"'link'") < 0:
            return
    try:
        address = _linked_crs(json.loads(path.read_bytes()))
    except (ValueError, UnicodeDecodeError):
        return  # not JSON at all: GDAL refuses it as damaged, without following anything
    if address is not None:
        raise user_error(
            GeodataError,
            f"{path.name}: its \"crs\" links to an address ({address}); uploaded files never make "
            "the server fetch anything. Remove the crs member or choose the coordinate system "
            "on upload.",
            f"{path.name}: mục \"crs\" trỏ tới một địa chỉ mạng ({address}); máy chủ không bao giờ "
            "tải gì theo tệp tải lên. Hãy bỏ mục crs hoặc chọn hệ tọa độ khi tải lên.",
            field="crs",
        )


def standard_crs(wkt: str, notes: list[str]) -> pyproj.CRS:
    """Read WKT with :func:`geodata.crs.crs_from_prj`, turning its VN-2000 warnings into notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        crs = crs_from_prj(wkt)
    for warning in caught:
        if issubclass(warning.category, NonStandardTowgs84Warning):
            notes.append(str(warning.message))
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)
    return crs


def chosen_crs(
    given: pyproj.CRS | None, found: pyproj.CRS | None, notes: list[str]
) -> pyproj.CRS | None:
    """Return the caller's CRS if given (noting when it replaces the file's), else the file's."""
    if given is not None and found is not None and not given.equals(found):
        notes.append(f"the given coordinate system {given.name} replaced the file's {found.name}")
    return given or found


def _pick_layer(path: Path, layer: str | None, source_format: str) -> str:
    try:
        layers = pyogrio.list_layers(path)
    except _READ_ERRORS as exc:
        raise _unreadable(path, source_format, exc) from None
    names = [str(name) for name, _ in layers]
    listed = ", ".join(names)
    if layer is not None:
        if layer in names:
            return layer
        raise user_error(
            GeodataError,
            f"{path.name} has no layer named {layer!r}; its layers are: {listed}.",
            f"{path.name} không có lớp tên {layer!r}; các lớp: {listed}.",
            field=layer,
        )
    spatial = [str(name) for name, geometry_type in layers if geometry_type is not None]
    if len(names) == 1 or len(spatial) == 1:
        return names[0] if len(names) == 1 else spatial[0]
    raise user_error(
        GeodataError,
        f"{path.name} holds several layers ({listed}); choose one with --layer.",
        f"{path.name} có nhiều lớp ({listed}); hãy chọn một lớp bằng --layer.",
    )


def read_frame(
    path: Path, layer: str | None, source_format: str, *, encoding: str | None
) -> gpd.GeoDataFrame:
    """Read one layer with pyogrio, refusing files GDAL opens with an unexpected driver."""
    try:
        driver = pyogrio.read_info(path, layer=layer)["driver"]
        if driver not in _DRIVERS[source_format]:
            raise DataSourceError(f"opened by GDAL driver {driver}")
        # A ring left open is a row problem for the importer, not a crash: GDAL gives an empty
        # geometry for it, and pyogrio turns any other unreadable geometry into None.
        # ref: https://gdal.org/user/configoptions.html (OGR_GEOMETRY_ACCEPT_UNCLOSED_RING)
        pyogrio.set_gdal_config_options({"OGR_GEOMETRY_ACCEPT_UNCLOSED_RING": "NO"})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = pyogrio.read_dataframe(
                path, layer=layer, encoding=encoding, on_invalid="ignore"
            )
    except _READ_ERRORS as exc:
        raise _unreadable(path, source_format, exc) from None
    if not isinstance(frame, gpd.GeoDataFrame):
        frame = gpd.GeoDataFrame(frame, geometry=[None] * len(frame))
    return frame


def _unreadable(path: Path, source_format: str, exc: Exception) -> GeodataError:
    logger.warning("cannot read %s as %s: %r", path, source_format, exc)
    kind = {"geojson": "GeoJSON", "gpkg": "GeoPackage", "kml": "KML"}.get(
        source_format, "Shapefile"
    )
    return user_error(
        GeodataError,
        f"{path.name} could not be read as {kind}: the file is damaged, cut short or of "
        "another kind.",
        f"Không đọc được {path.name} dưới dạng {kind}: tệp bị hỏng, thiếu phần cuối hoặc "
        "không đúng loại.",
    )


def _drop_kml_defaults(frame: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    """Drop LIBKML's per-placemark columns when they hold only defaults or generated ids."""
    empty = []
    for column, default in _KML_DEFAULTS.items():
        if column in frame.columns:
            values = frame[column]
            if bool((values.isna() | (values == default)).all()):
                empty.append(column)
    generated = [f"{layer}.{number}" for number in range(1, len(frame) + 1)]
    if "id" in frame.columns and list(frame["id"]) == generated:
        empty.append("id")
    return frame.drop(columns=empty)


def make_table(
    frame: gpd.GeoDataFrame,
    crs: pyproj.CRS | None,
    source_format: str,
    encoding: str,
    notes: list[str],
) -> RawTable:
    """Build the :class:`RawTable` of a GIS layer: text values, geometry tagged (not moved)."""
    count = len(frame)
    geometry = gpd.GeoSeries(np.asarray(frame.geometry.array), crs=crs, index=range(count))
    attributes = frame_as_text(pd.DataFrame(frame.drop(columns=frame.geometry.name)))
    attributes.index = pd.RangeIndex(count)
    return RawTable(
        frame=attributes,
        geometry=geometry,
        crs=crs,
        row_numbers=list(range(1, count + 1)),
        source_format=source_format,
        encoding=encoding,
        sheet=None,
        notes=tuple(notes),
    )
