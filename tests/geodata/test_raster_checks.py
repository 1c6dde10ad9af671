"""Checks of an uploaded GeoTIFF: each refusal with its bilingual message, nothing fetched."""

from __future__ import annotations

import http.server
import os
import shutil
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import shapely
from rasterio.errors import RasterioIOError
from rasterio.transform import from_origin

from geodata.crs import LANGSON_BBOX
from geodata.raster_checks import RasterRejected, check_raster, open_geotiff, safe_env

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from raster_files import NODATA, elevation_vn2000, rgb_wgs84, write_tif  # noqa: E402

PROVINCE = shapely.box(*LANGSON_BBOX)


def test_a_vn2000_elevation_grid_is_accepted_with_its_bounds_in_degrees(tmp_path):
    facts = check_raster(elevation_vn2000(tmp_path / "dem.tif"), outline=PROVINCE)
    assert (facts.width, facts.height, facts.band_count, facts.dtype) == (200, 200, 1, "float32")
    assert facts.nodata == NODATA
    assert "VN-2000 / TM-3 107-15" in facts.crs_wkt
    west, south, east, north = facts.bounds_wgs84
    assert 106.72 < west < 106.74 and 21.87 < north < 21.89
    assert east - west == pytest.approx(200 * 30 / 104_000, rel=0.05)


def test_a_three_band_wgs84_image_is_accepted(tmp_path):
    facts = check_raster(rgb_wgs84(tmp_path / "rgb.tif"), outline=PROVINCE)
    assert (facts.band_count, facts.dtype, facts.nodata) == (3, "uint8", 0.0)


def test_a_raster_without_a_crs_is_refused(tmp_path):
    path = write_tif(tmp_path / "nocrs.tif", np.ones((1, 10, 10), "float32"), None,
                     from_origin(0, 10, 1, 1))
    with pytest.raises(RasterRejected) as refused:
        check_raster(path, outline=PROVINCE)
    assert refused.value.field == "crs"
    assert refused.value.user_msg.startswith("The raster has no coordinate system")
    assert refused.value.user_msg_vi.startswith("Lớp raster không có hệ tọa độ")


def test_a_raster_in_europe_is_refused_naming_where_it_lies(tmp_path):
    path = write_tif(tmp_path / "europe.tif", np.ones((1, 10, 10), "float32"), "EPSG:4326",
                     from_origin(10.0, 50.0, 0.01, 0.01))
    with pytest.raises(RasterRejected) as refused:
        check_raster(path, outline=PROVINCE)
    assert refused.value.user_msg == (
        "The raster (10.000, 49.900 - 10.100, 50.000, longitude/latitude) does not overlap "
        "Lạng Sơn province: check its coordinate system (VN-2000 zone, or WGS 84).")
    assert "không nằm trên tỉnh Lạng Sơn" in refused.value.user_msg_vi


def test_a_truncated_file_is_refused_naming_the_first_row_it_cannot_read(tmp_path):
    path = elevation_vn2000(tmp_path / "dem.tif")
    os.truncate(path, path.stat().st_size // 2)
    with pytest.raises(RasterRejected) as refused:
        check_raster(path, outline=PROVINCE)
    assert refused.value.user_msg == (
        "The raster is damaged or truncated: its cells from row 91 (of 200) cannot be read. "
        "Export it again and upload the whole file.")
    assert refused.value.user_msg_vi.startswith("Lớp raster bị hỏng hoặc bị cắt cụt")


def test_a_header_declaring_100000_by_100000_cells_is_refused_before_any_cell_is_read(tmp_path):
    path = tmp_path / "huge.tif"
    import rasterio

    with rasterio.open(path, "w", driver="GTiff", width=100_000, height=100_000, count=1,
                       dtype="float32", crs="EPSG:4326", tiled=True, sparse_ok=True,
                           blockxsize=4096, blockysize=4096,
                       compress="deflate",
                       transform=from_origin(106.0, 22.5, 0.00001, 0.00001)):
        pass
    assert path.stat().st_size < 10_000  # the header only: no cell was ever written
    with pytest.raises(RasterRejected) as refused:
        check_raster(path, outline=PROVINCE, max_cells=400_000_000)
    assert refused.value.user_msg.startswith(
        "The raster declares 100,000 x 100,000 cells x 1 band(s) = 10,000,000,000 cells")
    assert "vượt giới hạn 400,000,000 ô" in refused.value.user_msg_vi


def test_a_file_over_the_upload_limit_is_refused(tmp_path):
    path = elevation_vn2000(tmp_path / "dem.tif")
    with pytest.raises(RasterRejected) as refused:
        check_raster(path, outline=PROVINCE, max_bytes=100_000)
    assert refused.value.user_msg == "The file is 0.2 MB, more than the limit of 0.1 MB."
    assert refused.value.user_msg_vi == "Tệp nặng 0.2 MB, vượt giới hạn 0.1 MB."


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).seen.append(self.path)
        self.send_response(404)
        self.end_headers()

    do_HEAD = do_GET  # noqa: N815

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    _Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.seen
    server.shutdown()
    server.server_close()


def _vrt(source: str) -> str:
    return (f'<VRTDataset rasterXSize="10" rasterYSize="10"><SRS>EPSG:4326</SRS>'
            f'<GeoTransform>106.7, 0.01, 0, 21.9, 0, -0.01</GeoTransform>'
            f'<VRTRasterBand dataType="Byte" band="1"><SimpleSource>'
            f'<SourceFilename relativeToVRT="0">{source}</SourceFilename>'
            f'<SourceBand>1</SourceBand></SimpleSource></VRTRasterBand></VRTDataset>')


@pytest.mark.parametrize("target", ["url", "/etc/passwd", "local-tif"])
def test_a_vrt_renamed_tif_is_refused_and_nothing_is_fetched(tmp_path, recorder, target):
    base, seen = recorder
    source = {"url": f"/vsicurl/{base}/x.tif", "/etc/passwd": "/etc/passwd",
              "local-tif": str(elevation_vn2000(tmp_path / "real.tif"))}[target]
    path = tmp_path / "upload" / "dem.tif"
    path.parent.mkdir()
    path.write_text(_vrt(source))
    with pytest.raises(RasterRejected) as refused:
        check_raster(path, outline=PROVINCE)
    assert refused.value.user_msg == (
        "The file is not a GeoTIFF (.tif): save the raster as GeoTIFF and upload it again.")
    # Even past the first bytes' check, GDAL opens it with the GTiff driver only.
    with safe_env(), pytest.raises(RasterioIOError):
        open_geotiff(path)
    assert seen == []


def test_http_access_is_off_in_the_safe_environment(recorder):
    base, seen = recorder
    import rasterio

    with safe_env(), pytest.raises(RasterioIOError):
        rasterio.open(f"/vsicurl/{base}/x.tif")
    assert seen == []


def test_a_copy_stays_readable_as_uploaded(tmp_path):
    path = elevation_vn2000(tmp_path / "dem.tif")
    shutil.copy(path, tmp_path / "copy.tif")
    assert check_raster(tmp_path / "copy.tif", outline=PROVINCE).width == 200
