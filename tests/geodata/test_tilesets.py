"""Tile archives checked before a portal keeps them: what is accepted, what is refused and why."""

from __future__ import annotations

import gzip
import sqlite3

import pytest
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer

from geodata.tilesets import TilesetError, inspect_tileset, open_tileset
from tests.tilesets_data import (
    EUROPE_BOUNDS,
    metadata_json,
    png_tile,
    png_tiles,
    tile_of,
    vector_tiles,
    write_mbtiles,
    write_pmtiles,
)


def refusal(path) -> tuple[str, str]:
    with pytest.raises(TilesetError) as caught:
        inspect_tileset(path)
    return caught.value.user_msg, caught.value.user_msg_vi


@pytest.mark.parametrize("writer", [write_mbtiles, write_pmtiles])
def test_png_archives_are_read_back_byte_for_byte_by_xyz_address(tmp_path, writer):
    tiles = png_tiles()
    path = writer(tmp_path / "langson", tiles)
    info = inspect_tileset(path)
    assert (info.kind, info.format, info.min_zoom, info.max_zoom) == ("raster", "png", 8, 10)
    assert info.bounds == pytest.approx((106.0, 21.3, 107.4, 22.5))
    reader = open_tileset(path)
    for (z, x, y), data in tiles.items():
        assert reader.tile(z, x, y) == data
    z, x, y = tile_of(21.85, 106.76, 9)
    assert reader.tile(z, x + 1, y) is None
    reader.close()


def test_a_deduplicated_mbtiles_whose_tiles_is_a_view_of_its_own_tables_is_accepted(tmp_path):
    path = tmp_path / "dedup.mbtiles"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE metadata (name TEXT, value TEXT);"
        "CREATE TABLE map (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, id TEXT);"
        "CREATE TABLE images (tile_data BLOB, tile_id TEXT);"
        "CREATE VIEW tiles AS SELECT map.zoom_level AS zoom_level, map.tile_column AS "
        "tile_column, map.tile_row AS tile_row, images.tile_data AS tile_data FROM map "
        "JOIN images ON images.tile_id = map.id;")
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", [
        ("format", "png"), ("bounds", "106,21.3,107.4,22.5"), ("minzoom", "9"), ("maxzoom", "9")])
    z, x, y = tile_of(21.85, 106.76, 9)
    conn.execute("INSERT INTO map VALUES (?, ?, ?, 'a')", (z, x, (1 << z) - 1 - y))
    conn.execute("INSERT INTO images VALUES (?, 'a')", (png_tile(3),))
    conn.commit()
    conn.close()
    assert inspect_tileset(path).format == "png"
    assert open_tileset(path).tile(z, x, y) == png_tile(3)


def test_vector_archives_of_the_protomaps_schema_are_accepted(tmp_path):
    pm = write_pmtiles(tmp_path / "vn.pmtiles", vector_tiles(), TileType.MVT,
                       compression=Compression.GZIP)
    info = inspect_tileset(pm)
    assert (info.kind, info.format, info.layers) == ("vector", "mvt", ("earth", "roads", "water"))
    mb = write_mbtiles(tmp_path / "vn.mbtiles", vector_tiles(), fmt="pbf",
                       metadata=metadata_json(["earth", "water", "roads", "places"]))
    assert inspect_tileset(mb).layers == ("earth", "places", "roads", "water")


@pytest.mark.parametrize("container", ["pmtiles", "mbtiles"])
def test_vector_tiles_of_another_schema_are_refused_naming_the_missing_layers(tmp_path,
                                                                             container):
    tiles = vector_tiles(("transportation", "water", "landcover"))
    path = (write_pmtiles(tmp_path / "omt.pmtiles", tiles, TileType.MVT,
                          compression=Compression.GZIP) if container == "pmtiles"
            else write_mbtiles(tmp_path / "omt.mbtiles", tiles, fmt="pbf"))
    assert refusal(path) == (
        "The vector tiles do not follow the Protomaps basemap schema: they lack the layers "
        "earth, roads (they hold: landcover, transportation, water). Use a Protomaps build cut "
        "with `pmtiles extract`.",
        "Ô vector không theo lược đồ bản đồ nền Protomaps: thiếu các lớp earth, roads (tệp có: "
        "landcover, transportation, water). Hãy dùng bản Protomaps cắt bằng `pmtiles extract`.")


def test_a_png_renamed_mbtiles_is_neither_archive(tmp_path):
    path = tmp_path / "ban-do.mbtiles"
    path.write_bytes(png_tile(1))
    assert refusal(path) == ("The file is neither an MBTiles (SQLite) nor a PMTiles archive.",
                             "Tệp không phải MBTiles (SQLite) cũng không phải PMTiles.")


@pytest.mark.parametrize("writer", [write_mbtiles, write_pmtiles])
def test_a_truncated_archive_is_refused_as_damaged(tmp_path, writer):
    path = writer(tmp_path / "whole", png_tiles())
    cut = tmp_path / "cut"
    cut.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 3])
    message_en, message_vi = refusal(cut)
    assert message_en.startswith("The file is damaged or cut short (")
    assert message_vi.startswith("Tệp bị hỏng hoặc bị cắt cụt (")


def test_an_archive_whose_bounds_are_in_europe_is_refused(tmp_path):
    path = write_mbtiles(tmp_path / "paris.mbtiles", png_tiles(), bounds=EUROPE_BOUNDS)
    assert refusal(path) == (
        "The file covers 2.2, 48.8, 2.5, 48.9 (west, south, east, north), which does not reach "
        "Lạng Sơn province (106.0, 21.3, 107.4, 22.5).",
        "Tệp phủ vùng 2.2, 48.8, 2.5, 48.9 (tây, nam, đông, bắc), không chạm tỉnh Lạng Sơn "
        "(106.0, 21.3, 107.4, 22.5).")


def test_jpeg_and_other_types(tmp_path):
    assert inspect_tileset(write_mbtiles(tmp_path / "a.mbtiles", png_tiles(), fmt="jpeg")
                           ).format == "jpg"
    assert refusal(write_mbtiles(tmp_path / "b.mbtiles", png_tiles(), fmt="tiff")) == (
        "Tiles of type 'tiff' cannot be a basemap: use png, jpg or webp images, or mvt/pbf "
        "vector tiles.",
        "Ô bản đồ loại 'tiff' không dùng làm nền được: cần ảnh png, jpg, webp hoặc ô vector "
        "mvt/pbf.")


def test_an_mbtiles_with_a_trigger_is_refused(tmp_path):
    path = write_mbtiles(tmp_path / "t.mbtiles", png_tiles(), extra_sql=(
        "CREATE TRIGGER wipe AFTER INSERT ON tiles BEGIN DELETE FROM metadata; END;"))
    assert refusal(path) == (
        "The MBTiles holds triggers (wipe); a tile archive has none.",
        "Tệp MBTiles có trigger (wipe); tệp ô bản đồ không có trigger.")


@pytest.mark.parametrize("view", [
    # the paths of the databases the connection has open: outside the archive
    "SELECT 9 AS zoom_level, 0 AS tile_column, 0 AS tile_row, file AS tile_data "
    "FROM pragma_database_list",
    # a 2 GB tile made up on every read
    "SELECT 9 AS zoom_level, 0 AS tile_column, 0 AS tile_row, zeroblob(2000000000) AS tile_data",
])
def test_an_mbtiles_whose_tiles_view_points_elsewhere_is_refused(tmp_path, view):
    path = write_mbtiles(tmp_path / "v.mbtiles", png_tiles(),
                         extra_sql=f"DROP TABLE tiles; CREATE VIEW tiles AS {view};")
    assert refusal(path) == (
        "The MBTiles has a view that reads or makes data beyond its own tables (it points "
        "elsewhere); the portal does not keep such a file.",
        "Tệp MBTiles có view đọc hoặc tạo dữ liệu ngoài các bảng của chính nó (trỏ ra ngoài); "
        "cổng không giữ tệp như vậy.")


def test_a_gzip_bomb_vector_tile_is_refused_by_its_unpacked_size(tmp_path):
    bomb = gzip.compress(b"\x00" * (17 * 1024 * 1024))  # 17 MB of nothing in ~17 KB
    z, x, y = tile_of(21.85, 106.76, 9)
    path = write_mbtiles(tmp_path / "bomb.mbtiles", {(z, x, y): bomb}, fmt="pbf")
    message_en, _vi = refusal(path)
    assert message_en.startswith("A tile declares 16,777,216 bytes, more than the 16,777,216")


def test_a_pmtiles_entry_declaring_a_huge_tile_is_refused(tmp_path):
    path = tmp_path / "huge.pmtiles"
    z, x, y = tile_of(21.85, 106.76, 9)
    with open(path, "wb") as handle:
        writer = Writer(handle)
        writer.write_tile(zxy_to_tileid(z, x, y), png_tile(1))
        writer.tile_entries[0].length = 3 * 1024**3  # the directory claims a 3 GB tile
        writer.finalize({"tile_type": TileType.PNG, "tile_compression": Compression.NONE,
                         "min_zoom": 9, "max_zoom": 9, "min_lon_e7": 1060000000,
                         "min_lat_e7": 213000000, "max_lon_e7": 1074000000,
                         "max_lat_e7": 225000000, "center_zoom": 9, "center_lon_e7": 0,
                         "center_lat_e7": 0}, {})
    assert refusal(path) == (
        "A tile declares 3,221,225,472 bytes, more than the 16,777,216 a map tile can hold: the "
        "file is damaged or made to exhaust the server.",
        "Một ô bản đồ khai báo 3,221,225,472 byte, quá 16,777,216 byte của một ô: tệp bị hỏng "
        "hoặc được làm để làm cạn máy chủ.")
