"""Regenerate the official-boundary fixtures: ``python tests/data/make_boundary_fixtures.py``.

No official boundary file may be committed here, so these files re-label the project's own
approximate boundaries (:func:`geodata.boundaries.build_approximate_boundaries`, about 20 s) as
if a department had sent them: simplified as a coverage (shared edges stay shared), with the
column names such files use. The VN-2000 GeoPackage is reprojected by GDAL's own ``ogr2ogr``
(Debian gdal-bin), not by our code, so the import is checked against a second implementation.
TCVN3 bytes come from :func:`geodata.encodings.encode_legacy`. Everything is CC0.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import tempfile
import zipfile
from pathlib import Path

import numpy as np

import geopandas as gpd
import pyogrio
import shapely

from geodata.admin_units import load_admin_units
from geodata.boundaries import build_approximate_boundaries
from geodata.encodings import encode_legacy
from geodata.generators import EQUAL_AREA_CRS

HERE = Path(__file__).parent
# VN-2000 / TM-3 107-15: PROJ 9 goes from WGS 84 through EPSG:6960, the shift geodata.crs uses.
VN2000_TM3 = "EPSG:9215"
COMMUNE_SIMPLIFY_M, DISTRICT_SIMPLIFY_M, LEGACY_SIMPLIFY_M, PROVINCE_SIMPLIFY_M = 250, 400, 400, 300
# The gap-and-overlap file: these two squares, in the equal-area projection of geodata.
OVERLAP_SIDE_M, GAP_SIDE_M = 600.0, 400.0
SHIFTED_COMMUNE = "06253"  # Xã Văn Quan: inland, with several neighbours
FIGURE_EIGHT_ROW, TWISTED_ROW = 8, 3  # 1-based rows of boundary_self_intersecting.geojson
# The file made before 1 July 2025 still calls the Đồng Đăng commune by its town's name.
OLD_NAMES = {"06184": "Thị trấn Đồng Đăng"}


def simplified(frame: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """Return ``frame`` simplified as a coverage in metres, back in WGS 84."""
    metres = frame.to_crs(EQUAL_AREA_CRS)
    geometry = shapely.coverage_simplify(metres.geometry.to_numpy(), tolerance_m)
    return metres.set_geometry(geometry).to_crs("EPSG:4326").reset_index(drop=True)


def write_geojson(frame: gpd.GeoDataFrame, name: str) -> None:
    """Write RFC 7946 GeoJSON with 6 decimals (about 0.1 m)."""
    (HERE / name).unlink(missing_ok=True)
    pyogrio.write_dataframe(frame, HERE / name, driver="GeoJSON",
                            layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": "6"})


def zip_folder(folder: Path, target: Path) -> None:
    """Zip every file of ``folder`` into ``target``, dated 1 July 2025 so reruns match."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
        for part in sorted(folder.iterdir()):
            info = zipfile.ZipInfo(part.name, date_time=(2025, 7, 1, 0, 0, 0))
            bundle.writestr(info, part.read_bytes(), zipfile.ZIP_DEFLATED)


def write_official_like(communes: gpd.GeoDataFrame) -> None:
    """The 65 communes with Vietnamese headers, in VN-2000 TM-3 107°15′ by ogr2ogr."""
    frame = gpd.GeoDataFrame(
        {"Mã xã": communes["code"], "Tên xã": communes["name"], "Loại": communes["unit_type"]},
        geometry=communes.geometry, crs="EPSG:4326",
    )
    target = HERE / "communes_2025_official_like.gpkg"
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "wgs84.geojson"
        pyogrio.write_dataframe(frame, source, driver="GeoJSON")
        # No spatial index: it would double the file for 65 features.
        subprocess.run(["ogr2ogr", "-f", "GPKG", "-t_srs", VN2000_TM3, "-nln", "ranh_gioi_xa",
                        "-lco", "SPATIAL_INDEX=NO", "--config", "OGR_CURRENT_DATE",
                        "2025-07-01T00:00:00Z", str(target), str(source)], check=True)
    # GDAL's 4 KiB pages leave the file two-thirds empty; 1 KiB pages keep it near 100 KB.
    connection = sqlite3.connect(target)
    try:
        connection.execute("PRAGMA page_size=1024")
        connection.execute("VACUUM")
    finally:
        connection.close()
    write_geojson(
        gpd.GeoDataFrame({"ma": communes["code"], "ten": communes["name"]},
                         geometry=communes.geometry, crs="EPSG:4326"),
        "communes_2025_wgs84.geojson",
    )


def district_frame(districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The 11 districts with ``ma_huyen`` and ``ten_huyen``."""
    return gpd.GeoDataFrame(
        {"ma_huyen": districts["code"], "ten_huyen": districts["name"]},
        geometry=districts.geometry, crs="EPSG:4326",
    )


def write_districts_zip(districts: gpd.GeoDataFrame) -> None:
    """A zipped Shapefile with integer codes, UTF-8 names, a WGS 84 .prj and a .cpg."""
    frame = gpd.GeoDataFrame(
        {"MA_HUYEN": districts["code"].astype(int), "TEN_HUYEN": districts["name"]},
        geometry=districts.geometry, crs="EPSG:4326",
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pyogrio.write_dataframe(frame, folder / "ranh_gioi_huyen.shp", encoding="UTF-8")
        assert {p.suffix for p in folder.iterdir()} >= {".cpg", ".prj"}
        zip_folder(folder, HERE / "districts_2019.zip")


def twisted(polygon: shapely.Polygon, half_m: float = 25.0, offset_m: float = 10.0
            ) -> shapely.Polygon:
    """Tie a small bow-tie into the middle M of the shell's longest edge P-Q.

    The edge becomes P, E, X, Y, Z, W, F, Q: E and F on the edge ``2 * half_m`` before and
    after M, X and W ``half_m`` before M, Y and Z after it, X and Z ``offset_m`` to one side,
    Y and W to the other, so X-Y and Z-W cross at M, as a digitising slip does.
    """
    ring = np.asarray(polygon.exterior.coords)
    steps = np.hypot(*np.diff(ring, axis=0).T)
    i = int(np.argmax(steps))
    p, q = ring[i], ring[i + 1]
    metre = (q - p) / np.hypot(*(q - p)) / 111_000.0  # along the edge, roughly, in degrees
    a, s = metre * half_m, np.array([-metre[1], metre[0]]) * offset_m
    m = (p + q) / 2
    bow = [m - 2 * a, m - a + s, m + a - s, m + a + s, m - a - s, m + 2 * a]
    shell = np.vstack([ring[: i + 1], bow, ring[i + 1 :]])
    return shapely.Polygon(shell, [r.coords for r in polygon.interiors])


def figure_eight(geometry: shapely.Geometry) -> shapely.Polygon:
    """A ring across the unit's box that crosses itself in the middle (lobes of equal area)."""
    minx, miny, maxx, maxy = geometry.bounds
    return shapely.Polygon([(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy)])


def write_district_defects(districts: gpd.GeoDataFrame) -> None:
    """Self-intersecting rings, an unknown code, no code column, a duplicated code."""
    frame = district_frame(districts)
    broken = frame.copy()
    parts = shapely.get_parts(broken.geometry.iloc[TWISTED_ROW - 1])
    largest = max(parts, key=lambda p: p.area)
    others = [p for p in parts if p is not largest]
    twisted_geometry = twisted(largest)
    broken.loc[TWISTED_ROW - 1, "geometry"] = (
        shapely.MultiPolygon([twisted_geometry, *others]) if others else twisted_geometry
    )
    broken.loc[FIGURE_EIGHT_ROW - 1, "geometry"] = figure_eight(
        broken.geometry.iloc[FIGURE_EIGHT_ROW - 1]
    )
    write_geojson(broken, "boundary_self_intersecting.geojson")
    unknown = frame.copy()
    unknown.loc[7, "ma_huyen"] = "1860"  # a typo of 186, Hữu Lũng
    write_geojson(unknown, "boundary_unknown_code.geojson")
    no_code = frame.drop(columns="ma_huyen").assign(dien_tich_km2=districts["area_km2"].round(1))
    write_geojson(no_code, "boundary_missing_code_column.geojson")
    duplicate = gpd.GeoDataFrame(
        [*frame.to_dict("records"), frame.iloc[2].to_dict()], geometry="geometry", crs="EPSG:4326"
    )
    write_geojson(duplicate, "boundary_duplicate_code.geojson")


def _square_on_shared_edge(a, b, others, side: float) -> shapely.Polygon:
    """A square of ``side`` metres centred on the edge of ``a`` and ``b``, inside both."""
    edge = shapely.line_merge(shapely.intersection(a.boundary, b.boundary))
    both = shapely.union_all([a, b])
    for fraction in np.linspace(0.5, 0.05, 10):
        centre = shapely.line_interpolate_point(edge, fraction, normalized=True)
        square = shapely.box(centre.x - side / 2, centre.y - side / 2,
                             centre.x + side / 2, centre.y + side / 2)
        if square.within(both) and all(square.distance(o) > side for o in others):
            return square
    raise RuntimeError("no square fits on the shared edge")


def write_gap_and_overlap(communes: gpd.GeoDataFrame) -> dict[str, object]:
    """Two neighbours both claim a square; a square on another edge is claimed by no one."""
    metres = communes.to_crs(EQUAL_AREA_CRS)
    cells = dict(zip(metres["code"], metres.geometry, strict=True))
    shifted = cells[SHIFTED_COMMUNE]
    shared = {
        code: shapely.length(shapely.intersection(shifted.boundary, cell.boundary))
        for code, cell in cells.items()
        if code != SHIFTED_COMMUNE
    }
    over, gap = sorted(shared, key=shared.get, reverse=True)[:2]
    far = [cells[c] for c in cells if c not in (SHIFTED_COMMUNE, over, gap)]
    claimed = _square_on_shared_edge(shifted, cells[over], far, OVERLAP_SIDE_M)
    empty = _square_on_shared_edge(shifted, cells[gap], far, GAP_SIDE_M)
    cells[SHIFTED_COMMUNE] = shifted.union(claimed).difference(empty)
    cells[over] = cells[over].union(claimed)
    cells[gap] = cells[gap].difference(empty)
    frame = gpd.GeoDataFrame(
        {"ma_xa": list(cells), "ten_xa": communes["name"].to_list()},
        geometry=list(cells.values()), crs=EQUAL_AREA_CRS,
    ).to_crs("EPSG:4326")
    write_geojson(frame, "boundary_with_gap_and_overlap.geojson")
    return {"shifted": SHIFTED_COMMUNE, "overlap_with": over, "gap_with": gap,
            "overlap_ha": claimed.area / 1e4, "gap_ha": empty.area / 1e4}


def write_tcvn3_zip(communes: gpd.GeoDataFrame) -> None:
    """Integer codes and TCVN3 names (wards by their short names), a .prj and no .cpg."""
    names = [
        OLD_NAMES.get(code, short if kind == "Phường" else name)
        for code, name, short, kind in zip(communes["code"], communes["name"],
                                           communes["short_name"], communes["unit_type"],
                                           strict=True)
    ]
    frame = gpd.GeoDataFrame(
        {"MaXa": communes["code"].astype(int),
         "TenXa": [encode_legacy(n, "tcvn3").decode("latin-1") for n in names]},
        geometry=communes.geometry, crs="EPSG:4326",
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pyogrio.write_dataframe(frame, folder / "xa.shp", encoding="ISO-8859-1")
        (folder / "xa.cpg").unlink()
        zip_folder(folder, HERE / "communes_tcvn3_names.zip")


def write_other_levels(legacy: gpd.GeoDataFrame, province: gpd.GeoDataFrame) -> None:
    """The 194 pre-2025 communes with their district's code; the province without a code."""
    write_geojson(
        gpd.GeoDataFrame({"ma_xa": legacy["code"], "ten_xa": legacy["name"],
                          "ma_huyen": legacy["parent_code"]},
                         geometry=legacy.geometry, crs="EPSG:4326"),
        "legacy_communes_2019.geojson",
    )
    write_geojson(
        gpd.GeoDataFrame({"ten_tinh": ["Lạng Sơn"]}, geometry=province.geometry, crs="EPSG:4326"),
        "province_without_code.geojson",
    )


def main() -> None:
    """Build the approximate boundaries once and write every boundary fixture."""
    boundaries = build_approximate_boundaries()
    communes = simplified(boundaries.communes, COMMUNE_SIMPLIFY_M)
    short = load_admin_units().communes.set_index("code")["short_name"]
    communes["short_name"] = communes["code"].map(short)
    districts = simplified(boundaries.districts, DISTRICT_SIMPLIFY_M)
    write_other_levels(simplified(boundaries.legacy_communes, LEGACY_SIMPLIFY_M),
                       simplified(boundaries.province, PROVINCE_SIMPLIFY_M))
    write_official_like(communes)
    write_districts_zip(districts)
    write_district_defects(districts)
    constructed = write_gap_and_overlap(communes)
    write_tcvn3_zip(communes)
    print(json.dumps(constructed, indent=1))


if __name__ == "__main__":
    main()
