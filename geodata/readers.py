"""Read any supported file into one table shape, :class:`RawTable`.

CSV and XLSX come through :mod:`geodata.readers_sheets`, GeoJSON, GeoPackage and KML through
:mod:`geodata.readers_gis`, zipped Shapefiles through :mod:`geodata.readers_shapefile`.
Geometry is kept as the file has it: validity, types and coordinates are the importer's checks,
and no row is ever dropped here.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pyproj

from geodata.archives import DEFAULT_MAX_UNPACKED
from geodata.crs import resolve_crs
from geodata.errors import GeodataError
from geodata.rawtable import RawTable, user_error
from geodata.readers_gis import read_gis_table
from geodata.readers_shapefile import read_shapefile_table
from geodata.readers_sheets import read_csv_table, read_xlsx_table

__all__ = ["SOURCE_FORMATS", "RawTable", "read_table", "source_format_of"]

logger = logging.getLogger(__name__)

SOURCE_FORMATS = ("csv", "xlsx", "geojson", "gpkg", "shapefile", "kml")
_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".zip": "shapefile",
    ".shp": "shapefile",
    ".kml": "kml",
    ".kmz": "kml",
}


def source_format_of(path: str | Path) -> str:
    """Return the source format a file name stands for.

    >>> source_format_of("xa.zip"), source_format_of("Diem.XLSX")
    ('shapefile', 'xlsx')
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if suffix == ".xls":
        raise user_error(
            GeodataError,
            f"{path.name} is an old Excel 97-2003 workbook; save it as .xlsx first.",
            f"{path.name} là sổ tính Excel 97-2003 cũ; hãy lưu lại dưới dạng .xlsx.",
        )
    known = ", ".join(sorted(_SUFFIXES))
    raise user_error(
        GeodataError,
        f"{path.name}: unsupported file type; use one of {known}.",
        f"{path.name}: không hỗ trợ loại tệp này; hãy dùng một trong {known}.",
    )


def read_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    crs: pyproj.CRS | str | None = None,
    layer: str | None = None,
    max_unpacked: int = DEFAULT_MAX_UNPACKED,
) -> RawTable:
    """Read a CSV, XLSX, GeoJSON, GeoPackage, zipped Shapefile or KML file.

    Parameters
    ----------
    path : str or Path
        The file; its suffix decides the format (``.zip`` holds one Shapefile).
    sheet : str, optional
        XLSX worksheet by name; the first worksheet if not given.
    crs : pyproj.CRS or str, optional
        Coordinate system of the file's coordinates, overriding the file's own (a ``.prj``
        known to be wrong) or supplying a missing one; text is read by
        :func:`geodata.crs.resolve_crs` (``"vn2000-langson"``, ``"EPSG:4326"``). Coordinates
        are not transformed.
    layer : str, optional
        GeoPackage/KML layer by name; the only (spatial) layer if not given.
    max_unpacked : int, optional
        Most bytes a zipped Shapefile may unpack to (`geodata.archives`).

    Returns
    -------
    RawTable
        Text values, row numbers as the user sees them, geometry and CRS when the file has them.

    Raises
    ------
    InvalidCRS
        A Shapefile without ``.prj`` and no ``crs`` given.
    GeodataError
        The file is missing, empty, damaged or ambiguous (several layers, unknown sheet); the
        error's ``user_msg`` (English) and ``user_msg_vi`` say what to do.
    """
    path = Path(path)
    source_format = source_format_of(path)
    if not path.is_file():
        raise user_error(
            GeodataError,
            f"{path.name} was not found.",
            f"Không tìm thấy tệp {path.name}.",
        )
    if path.stat().st_size == 0:
        raise user_error(GeodataError, f"{path.name} is empty.", f"Tệp {path.name} trống.")
    if isinstance(crs, str):
        crs = resolve_crs(crs)
    logger.debug("reading %s as %s", path, source_format)
    if source_format == "csv":
        return read_csv_table(path)
    if source_format == "xlsx":
        return read_xlsx_table(path, sheet, max_unpacked)
    if source_format == "shapefile":
        return read_shapefile_table(path, crs=crs, max_unpacked=max_unpacked)
    return read_gis_table(path, source_format, crs=crs, layer=layer)
