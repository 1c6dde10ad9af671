"""Build the approximate boundaries and print how well the 2025 communes match official areas.

Run as ``.venv/bin/python scripts/report_boundary_accuracy.py``. Prints the build time, the
median and worst relative area error of the 64 communes with an official area, the five worst
communes and the centroid checks, next to a baseline for scale: plain Voronoi cells of the 65
official 2025 centroids, clipped to the same province.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

import geopandas as gpd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geodata.admin_units import load_admin_units  # noqa: E402
from geodata.boundaries import (  # noqa: E402
    area_accuracy,
    build_approximate_boundaries,
    summarise_area_error,
    vietnam_outline,
)
from geodata.generators import EQUAL_AREA_CRS, check_centroids  # noqa: E402


def main() -> int:
    """Print the report; return the process exit code."""
    start = time.perf_counter()
    boundaries = build_approximate_boundaries()
    seconds = time.perf_counter() - start
    accuracy = area_accuracy(boundaries)
    summary = summarise_area_error(accuracy)
    print(f"build: {seconds:.1f} s")
    print(
        f"2025 communes vs official area ({summary.count} known): "
        f"median {summary.median:.1%}, worst {summary.worst:.1%} ({summary.worst_code})"
    )
    print("five worst:")
    for row in accuracy.head(5).itertuples():
        print(
            f"  {row.code} {row.name:<22} {row.area_km2:8.1f} km² "
            f"vs {row.official_area_km2:8.1f} km²  {row.rel_error:+.1%}"
        )
    print(f"baseline, plain Voronoi of the 2025 centroids: {_baseline(boundaries)}")
    print(f"province: {boundaries.province['area_km2'].iloc[0]:.0f} km² (official about 8,310)")
    multipart = (boundaries.communes.geom_type == "MultiPolygon").sum()
    print(f"2025 communes in more than one piece: {multipart} of {len(boundaries.communes)}")
    _print_centroid_checks(boundaries)
    return 0


def _baseline(boundaries) -> str:
    """Return the area error of plain Voronoi cells of the 2025 centroids, for comparison."""
    units = load_admin_units()
    province = boundaries.province.to_crs(EQUAL_AREA_CRS).geometry.iloc[0]
    centroids = gpd.GeoSeries(
        gpd.points_from_xy(units.communes["lon"], units.communes["lat"]), crs="EPSG:4326"
    ).to_crs(EQUAL_AREA_CRS)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.union_all(centroids.to_numpy())))
    area = np.zeros(len(centroids))
    for i, point in enumerate(centroids):
        cell = cells[shapely.contains(cells, point)]
        area[i] = shapely.area(shapely.intersection(cell[0], province)) / 1e6
    official = units.communes["official_area_km2"].astype(float).to_numpy()
    error = np.abs(area - official) / official
    return f"median {np.nanmedian(error):.1%}, worst {np.nanmax(error):.1%}"


def _print_centroid_checks(boundaries) -> None:
    """Print how many official centroids fall in their own derived unit."""
    units = load_admin_units()
    positions, doubtful = check_centroids(units)
    legacy = shapely.points(units.legacy_communes["lon"], units.legacy_communes["lat"])
    inside = shapely.contains(boundaries.legacy_communes.geometry.to_numpy(), legacy)
    abroad = ~shapely.contains(vietnam_outline(), legacy)
    print(
        f"legacy centroids in their own cell: {inside.sum()} of {len(inside)} "
        f"({abroad.sum()} lie outside Natural Earth's Vietnam, "
        f"{(positions['reason'] != '').sum()} were repaired)"
    )
    for row in positions[positions["reason"] != ""].itertuples():
        print(f"  repaired {row.code} {row.name}: {row.reason}")
    communes = boundaries.communes.set_index("code").loc[units.communes["code"]]
    points = shapely.points(units.communes["lon"], units.communes["lat"])
    inside = shapely.contains(communes.geometry.to_numpy(), points)
    print(
        f"2025 centroids in their commune: {inside.sum()} of {len(inside)} "
        f"(doubtful official centroids: {', '.join(doubtful) or 'none'})"
    )


if __name__ == "__main__":
    raise SystemExit(main())
