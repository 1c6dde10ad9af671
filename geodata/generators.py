"""The generators of the approximate boundaries: repaired centroids, allowed boxes, groups.

The package's centroids and boxes come from a geocoder. Many boxes are just a point's (a few
hundred metres wide) and some centroids are plainly someone else's: the district's, or a
namesake's. This module keeps what is credible, repairs what can be repaired from the 2025
data, and turns the rest into :class:`geodata.voronoi_grid.Sites` for the diagram.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from pyproj import Transformer

from geodata.admin_units import BOUNDS_COLUMNS, AdminUnits, load_admin_units
from geodata.neighbour_units import load_neighbour_legacy_communes
from geodata.voronoi_grid import Sites

# An equal-area projection centred on the province: areas are exact and distances true to
# well under 1 % across the province's 130 km, as the weighted Voronoi diagram needs.
EQUAL_AREA_CRS = "+proj=laea +lat_0=21.9 +lon_0=106.73 +datum=WGS84 +units=m +no_defs"

MARGIN_M = 12_000.0  # the grid reaches this far beyond the province's box
_NEIGHBOUR_REACH_M = 25_000.0  # neighbours' centroids this far beyond the grid still compete
_BOX_SLACK_M = 400.0  # boxes come from geocoders: allow for their generalisation
_REAL_BOX_KM2 = 1.5  # smaller boxes are point geocodes, not a unit's extent
Extent = tuple[float, float, float, float]
# Centroid checks, in units of the square root of the 2025 commune's official area.
_FAR_FROM_COMMUNE, _COMMUNE_CENTROID_ASTRAY, _BIG_BOX = 1.25, 1.5, 3.0


def project(
    transformer: Transformer, lon: ArrayLike, lat: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinate arrays with ``transformer`` into float arrays."""
    x, y = transformer.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, float), np.asarray(y, float)


def project_boxes(frame: pd.DataFrame, to_m: Transformer, prefix: str = "") -> np.ndarray:
    """Project lon/lat boxes to ``(n, 4)`` metres (corners only: fine at this scale)."""
    minx, miny, maxx, maxy = (frame[prefix + c].to_numpy(float) for c in BOUNDS_COLUMNS)
    x0, y0 = project(to_m, minx, miny)
    x1, y1 = project(to_m, maxx, maxy)
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
    x, y = project(to_m, legacy["lon"], legacy["lat"])
    parent = communes.loc[legacy["commune_2025_code"]]
    cx, cy = project(to_m, parent["lon"], parent["lat"])
    area = pd.to_numeric(parent["official_area_km2"]).to_numpy(float)
    radius = np.sqrt(np.where(np.isnan(area), np.nanmedian(area), area)) * 1000.0
    distance = np.hypot(x - cx, y - cy)
    reason = np.where(
        _box_km2(project_boxes(legacy, to_m)) > _BIG_BOX * (radius / 1000.0) ** 2,
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
    district_box = project_boxes(
        units.districts.set_index("code").loc[legacy["district_code"]], to_m
    )
    outside = (gx < district_box[:, 0]) | (gx > district_box[:, 2])
    outside |= (gy < district_box[:, 1]) | (gy > district_box[:, 3])
    moved = (reason != "") & outside & ~np.isin(group, doubtful)
    gx[moved], gy[moved] = cx[moved], cy[moved]
    lon, lat = project(Transformer.from_crs(EQUAL_AREA_CRS, "EPSG:4326", always_xy=True), gx, gy)
    frame = pd.DataFrame(
        {"code": legacy["code"], "name": legacy["name"], "lon": lon, "lat": lat, "reason": reason}
    )
    return frame, doubtful


def _repaired_positions(
    x: np.ndarray,
    y: np.ndarray,
    cx: np.ndarray,
    cy: np.ndarray,
    radius: np.ndarray,
    group: np.ndarray,
    reason: np.ndarray,
    doubtful: list[str],
) -> tuple[np.ndarray, np.ndarray]:
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


def build_sites(
    units: AdminUnits, positions: pd.DataFrame, extent: Extent, to_m: Transformer
) -> tuple[Sites, np.ndarray]:
    """Return the sites (Lạng Sơn's legacy communes first, then neighbours) and group targets.

    Groups are the 2025 communes: Lạng Sơn's 65 first, then the neighbours' whose every
    legacy part lies inside the grid, so their official area can be met too. Neighbours of
    other 2025 communes keep weight 0.
    """
    legacy = units.legacy_communes
    slack = np.array([-_BOX_SLACK_M, -_BOX_SLACK_M, _BOX_SLACK_M, _BOX_SLACK_M])
    x, y = project(to_m, positions["lon"], positions["lat"])
    district_box = project_boxes(
        units.districts.set_index("code").loc[legacy["district_code"]], to_m
    )
    province_box = np.array([*district_box[:, :2].min(axis=0), *district_box[:, 2:].max(axis=0)])
    box = _intersect_boxes(
        np.tile(province_box + slack, (len(legacy), 1)),
        district_box + slack,
        _real_boxes(project_boxes(legacy, to_m), x, y, (positions["reason"] == "").to_numpy()),
    )
    near, nx, ny, neighbour_box = _neighbour_sites(
        np.column_stack([x, y]), project_boxes(units.districts, to_m), extent, to_m
    )
    group = units.communes.reset_index().set_index("code").loc[legacy["commune_2025_code"]]
    targets = pd.to_numeric(units.communes["official_area_km2"]).to_numpy(float)
    inner = (nx > extent[0] + MARGIN_M / 4) & (nx < extent[2] - MARGIN_M / 4)
    inner &= (ny > extent[1] + MARGIN_M / 4) & (ny < extent[3] - MARGIN_M / 4)
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
            # Lạng Sơn's cells never leave the province's box (the union of its districts').
            limit=np.concatenate(
                [
                    np.tile(province_box + slack, (len(legacy), 1)),
                    np.tile([-np.inf, -np.inf, np.inf, np.inf], (len(nx), 1)),
                ]
            ),
            group=np.concatenate(
                [group["index"].to_numpy(), near["commune_2025_code"].map(number).fillna(-1)]
            ).astype(int),
        ),
        np.concatenate([targets, whole["area"].to_numpy(float)]),
    )


def _neighbour_sites(
    own: np.ndarray, own_districts: np.ndarray, extent: Extent, to_m: Transformer
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Return the neighbours near the grid, their projected centroids and allowed boxes."""
    neighbours = load_neighbour_legacy_communes()
    nx, ny = project(to_m, neighbours["lon"], neighbours["lat"])
    reach = _NEIGHBOUR_REACH_M
    near = (nx > extent[0] - reach) & (nx < extent[2] + reach)
    near &= (ny > extent[1] - reach) & (ny < extent[3] + reach)
    # Several neighbours sit on one geocoded point (a district's): keep one of each.
    near &= ~pd.Series(list(zip(nx, ny, strict=True))).duplicated().to_numpy()
    near &= np.array([np.min(np.hypot(*(own - p).T)) > 100.0 for p in zip(nx, ny, strict=True)])
    slack = np.array([-_BOX_SLACK_M, -_BOX_SLACK_M, _BOX_SLACK_M, _BOX_SLACK_M])
    district = project_boxes(neighbours, to_m, "district_") + slack
    # A centroid outside its own district's box but inside one of Lạng Sơn's was geocoded to
    # a namesake in Lạng Sơn: it would punch a hole in the province, so it is left out.
    astray = (nx < district[:, 0]) | (nx > district[:, 2])
    astray |= (ny < district[:, 1]) | (ny > district[:, 3])
    in_lang_son = np.zeros(len(nx), dtype=bool)
    for x0, y0, x1, y1 in own_districts:
        in_lang_son |= (x0 <= nx) & (nx <= x1) & (y0 <= ny) & (ny <= y1)
    near &= ~(astray & in_lang_son)
    box = _intersect_boxes(
        district,
        _real_boxes(project_boxes(neighbours, to_m), nx, ny, np.ones(len(nx), bool)),
    )
    return neighbours[near].reset_index(drop=True), nx[near], ny[near], box[near]
