"""Checks of an uploaded GeoTIFF before anything is kept: format, CRS, place, size, readable cells.

A raster file is opened by GDAL's GTiff driver only, inside an environment that forbids every
network access and every side file (no ``.aux.xml``, ``.ovr`` or directory listing), so a VRT or
any XML renamed ``.tif`` that points at a URL or a local file such as ``/etc/passwd`` is refused
before GDAL follows anything. The declared size is checked from the header alone, before any
cell is read; the cells are then read once, block window by block window, so memory stays
bounded and a truncated file or a broken block is found. Every refusal is a
:class:`RasterRejected` with an English and a Vietnamese message.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import rasterio
import shapely
from rasterio.errors import RasterioError
from rasterio.warp import transform_bounds
from rasterio.windows import Window
from shapely.geometry.base import BaseGeometry

from geodata.errors import BilingualError

#: Cells (width x height x bands) a raster may declare, by default: 400 million.
DEFAULT_MAX_CELLS = 400_000_000
#: Rows of cells read at once when a file is read through (times its width: bounded memory).
READ_CELLS = 4_000_000

#: GDAL settings under which every raster is opened: no network, no side file, no other driver.
SAFE_GDAL_OPTIONS: dict[str, Any] = {
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_PAM_ENABLED": "NO",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".none-allowed",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_PROXY": "http://127.0.0.1:9",
    "CPL_CURL_ENABLE_VSIMEM": "NO",
    "GDAL_ENABLE_DEPRECATED_DRIVER_DODS": "NO",
    "GDAL_ENABLE_DEPRECATED_DRIVER_OGR_DODS": "NO",
    "GTIFF_REPORT_COMPD_CS": "NO",
    "GDAL_VRT_ENABLE_PYTHON": "NO",
    # GDAL's block cache (MB): bounded whatever the machine's memory (its default is 5 %)
    "GDAL_CACHEMAX": 128,
}
#: The first bytes of a classic (II*, MM*) or Big (II+, MM+) TIFF.
_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


class RasterRejected(BilingualError):
    """An uploaded raster that cannot be kept; ``user_msg`` / ``user_msg_vi`` say why."""


@dataclass(frozen=True)
class RasterFacts:
    """What the checks learnt of a raster: its grid and where it lies."""

    width: int
    height: int
    band_count: int
    dtype: str
    nodata: float | None
    crs_wkt: str
    bounds_wgs84: tuple[float, float, float, float]


@contextlib.contextmanager
def safe_env() -> Iterator[None]:
    """Run GDAL with no network, no side file and no driver but the ones asked for."""
    with rasterio.Env(**SAFE_GDAL_OPTIONS):
        yield


def open_geotiff(path: str | Path):
    """Open ``path`` with the GTiff driver only (call inside :func:`safe_env`)."""
    return rasterio.open(Path(path), driver="GTiff")


def _refuse_not_tiff(path: Path) -> None:
    with path.open("rb") as handle:
        head = handle.read(4)
    if head not in _TIFF_MAGIC:
        raise RasterRejected(
            "The file is not a GeoTIFF (.tif): save the raster as GeoTIFF and upload it again.",
            "Tệp không phải GeoTIFF (.tif): hãy lưu lớp raster dạng GeoTIFF rồi tải lên lại.",
        )


def _bytes_per_cell(dtypes: tuple[str, ...]) -> int:
    return max(np.dtype(d).itemsize for d in dtypes)


def _check_size(dataset, max_cells: int) -> None:
    cells = dataset.width * dataset.height * dataset.count
    declared_bytes = cells * _bytes_per_cell(dataset.dtypes)
    if cells > max_cells:
        raise RasterRejected(
            f"The raster declares {dataset.width:,} x {dataset.height:,} cells x "
            f"{dataset.count} band(s) = {cells:,} cells ({declared_bytes / 1e6:,.0f} MB), more "
            f"than the limit of {max_cells:,} cells. Cut it into smaller tiles or coarsen it.",
            f"Lớp raster khai báo {dataset.width:,} x {dataset.height:,} ô x {dataset.count} "
            f"kênh = {cells:,} ô ({declared_bytes / 1e6:,.0f} MB), vượt giới hạn {max_cells:,} "
            "ô. Hãy cắt thành các mảnh nhỏ hơn hoặc giảm độ phân giải.",
        )


def _check_crs(dataset) -> str:
    if dataset.crs is None or not dataset.crs.to_wkt():
        raise RasterRejected(
            "The raster has no coordinate system: save it with its CRS (VN-2000 or WGS 84), "
            "e.g. as a GeoTIFF with its projection written in.",
            "Lớp raster không có hệ tọa độ: hãy lưu kèm hệ tọa độ (VN-2000 hoặc WGS 84), ví dụ "
            "GeoTIFF có ghi phép chiếu.",
            field="crs",
        )
    return dataset.crs.to_wkt()


def wgs84_bounds(dataset) -> tuple[float, float, float, float]:
    """Return a dataset's bounds in WGS 84 degrees (west, south, east, north)."""
    west, south, east, north = transform_bounds(dataset.crs, "EPSG:4326", *dataset.bounds,
                                                densify_pts=21)
    return (float(west), float(south), float(east), float(north))


def _check_place(dataset, outline: BaseGeometry | None) -> tuple[float, float, float, float]:
    try:
        bounds = wgs84_bounds(dataset)
    except (RasterioError, ValueError) as exc:
        raise RasterRejected(
            "The raster's coordinate system cannot be converted to WGS 84.",
            "Không chuyển được hệ tọa độ của lớp raster sang WGS 84.",
            field="crs",
        ) from exc
    if not all(math.isfinite(v) for v in bounds):
        raise RasterRejected(
            "The raster's corners are not real coordinates in its coordinate system.",
            "Các góc của lớp raster không phải tọa độ hợp lệ trong hệ tọa độ của nó.",
            field="crs",
        )
    if outline is not None and not shapely.box(*bounds).intersects(outline):
        west, south, east, north = bounds
        box = f"{west:.3f}, {south:.3f} - {east:.3f}, {north:.3f}"
        raise RasterRejected(
            f"The raster ({box}, longitude/latitude) does not overlap Lạng Sơn province: check "
            "its coordinate system (VN-2000 zone, or WGS 84).",
            f"Lớp raster ({box}, kinh độ/vĩ độ) không nằm trên tỉnh Lạng Sơn: hãy kiểm tra hệ "
            "tọa độ (múi VN-2000, hoặc WGS 84).",
            field="crs",
        )
    return bounds


def _first_bad_row(dataset, top: int, rows: int, step: int) -> int:
    """Return the first row of the first block row from ``top`` that cannot be read."""
    for start in range(top, min(dataset.height, top + rows), step):
        try:
            dataset.read(window=Window(0, start, dataset.width,
                                       min(step, dataset.height - start)))
        except RasterioError:
            return start
    return top


def read_through(dataset) -> None:
    """Read every cell once in windows of whole rows; a damaged block raises RasterRejected."""
    block_rows = max(1, dataset.block_shapes[0][0] if dataset.block_shapes else 1)
    rows = max(1, READ_CELLS // max(1, dataset.width * dataset.count))
    rows = max(block_rows, rows - rows % block_rows)
    for top in range(0, dataset.height, rows):
        window = Window(0, top, dataset.width, min(rows, dataset.height - top))
        try:
            dataset.read(window=window)
        except RasterioError as exc:
            bad = _first_bad_row(dataset, top, rows, block_rows) + 1
            raise RasterRejected(
                f"The raster is damaged or truncated: its cells from row {bad:,} (of "
                f"{dataset.height:,}) cannot be read. Export it again and upload the whole file.",
                f"Lớp raster bị hỏng hoặc bị cắt cụt: không đọc được các ô từ hàng {bad:,} (trên "
                f"{dataset.height:,} hàng). Hãy xuất lại và tải lên toàn bộ tệp.",
            ) from exc


def check_raster(
    path: str | Path,
    *,
    outline: BaseGeometry | None,
    max_cells: int = DEFAULT_MAX_CELLS,
    max_bytes: int | None = None,
    read_cells: bool = True,
) -> RasterFacts:
    """Check an uploaded GeoTIFF and return its facts, or raise :class:`RasterRejected`.

    Parameters
    ----------
    path
        The uploaded file, alone in a folder of its own.
    outline
        The province in WGS 84 degrees; the raster must overlap it (None: not checked).
    max_cells
        The most cells (width x height x bands) a raster may declare.
    max_bytes
        The largest file accepted (None: no limit).
    read_cells
        Read every cell once (a truncated file or a broken block is refused).
    """
    path = Path(path)
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise RasterRejected(
            f"The file is {size / 1e6:,.1f} MB, more than the limit of {max_bytes / 1e6:,.1f} MB.",
            f"Tệp nặng {size / 1e6:,.1f} MB, vượt giới hạn {max_bytes / 1e6:,.1f} MB.",
        )
    _refuse_not_tiff(path)
    with safe_env():
        try:
            dataset = open_geotiff(path)
        except RasterioError as exc:
            raise RasterRejected(
                "The file cannot be read as a GeoTIFF: it is damaged, truncated or not a TIFF.",
                "Không đọc được tệp dạng GeoTIFF: tệp bị hỏng, bị cắt cụt hoặc không phải TIFF.",
            ) from exc
        with dataset:
            _check_size(dataset, max_cells)
            crs_wkt = _check_crs(dataset)
            bounds = _check_place(dataset, outline)
            if read_cells:
                read_through(dataset)
            return RasterFacts(
                width=dataset.width, height=dataset.height, band_count=dataset.count,
                dtype=dataset.dtypes[0],
                nodata=None if dataset.nodata is None else float(dataset.nodata),
                crs_wkt=crs_wkt, bounds_wgs84=bounds,
            )
