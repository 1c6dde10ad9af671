"""Where the demo puts things: pre-2025 communes looked up by name, points scattered in their cells.

Records sit at their pre-2025 commune: where its approximate cell is generated (its official
centroid, unless geodata.generators had to repair it) plus a small deterministic offset kept on
land and in that cell.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

import shapely
import shapely.ops
from pyproj import Geod

from geodata.admin_units import load_admin_units
from geodata.boundaries import vietnam_outline
from geodata.generators import check_centroids
from geodata.neighbour_units import load_neighbour_legacy_communes

KM_PER_DEG = 111.32
GEOD = Geod(ellps="WGS84")
# Boxes outside this range (km²) are point geocodes or mismatches in the source (the same rule
# as geodata.boundaries), so they cannot bound an offset.
_REAL_BOX_KM2 = (1.5, 800.0)
_BOX_SHRINK = 0.5  # offsets stay in the commune's box shrunk halfway toward its centroid
# ... and at most this share of the distance to the next cell's generator from their own, so
# they stay in their own approximate cell even after the area fit moves the cell edges.
_OWN_SHARE = 0.7
_LAND_MARGIN_DEG = 0.002  # about 200 m: keep records off Natural Earth's coarse border line
NAMED_KM = 0.5  # farthest offset of a named project from its commune's anchor
SCATTER_KM = 2.5  # farthest offset of an invented village or house


@dataclass(frozen=True)
class Commune:
    """A pre-2025 commune, with what the demo needs to place things in it.

    ``site`` indexes its cell's generator; ``lon``/``lat`` is the anchor records gather around
    (the generator, moved onto land or into the given cell where needed); ``box`` its bounding
    box where the source has a plausible one.
    """

    code: str
    name: str
    unit_type: str
    district_code: str
    district_name: str
    district_short: str
    commune_code: str
    commune_name: str
    lon: float
    lat: float
    site: int
    box: tuple[float, float, float, float] | None


class Gazetteer:
    """Looks up pre-2025 communes by name and scatters points inside their approximate cells."""

    def __init__(self, cells: Mapping[str, shapely.Geometry] | None = None) -> None:
        units = load_admin_units()
        legacy, districts = units.legacy_communes, units.districts.set_index("code")
        commune_names = units.communes.set_index("code")["name"]
        # The cells' generators: official centroids, except the few the source geocoded wrong
        # (two communes on one point, a district's box), which geodata.boundaries moves.
        sites = check_centroids(units)[0].set_index("code").loc[legacy["code"]]
        neighbours = load_neighbour_legacy_communes()
        self._site_lon = np.concatenate([sites["lon"], neighbours["lon"]])
        self._site_lat = np.concatenate([sites["lat"], neighbours["lat"]])
        self._province_box = (legacy["minx"].min(), legacy["miny"].min(),
                              legacy["maxx"].max(), legacy["maxy"].max())  # fmt: skip
        self._outline = vietnam_outline()
        self._land = shapely.buffer(self._outline, -_LAND_MARGIN_DEG)
        shapely.prepare(self._outline)
        shapely.prepare(self._land)
        self._cells = dict(cells) if cells is not None else None
        for cell in (self._cells or {}).values():
            shapely.prepare(cell)
        self.places: dict[str, Commune] = {}
        for i, (row, lon, lat) in enumerate(
            zip(legacy.itertuples(), sites["lon"], sites["lat"], strict=True)
        ):
            anchor = shapely.Point(lon, lat)
            if not self._land.contains(anchor):
                anchor = shapely.ops.nearest_points(self._land, anchor)[0]
            if self._cells is not None and not self._cells[row.code].contains(anchor):
                anchor = shapely.point_on_surface(self._cells[row.code])
            box = (row.minx, row.miny, row.maxx, row.maxy)
            kx = KM_PER_DEG * math.cos(math.radians(lat))
            box_km2 = (row.maxx - row.minx) * kx * (row.maxy - row.miny) * KM_PER_DEG
            real = _REAL_BOX_KM2[0] <= box_km2 <= _REAL_BOX_KM2[1]
            real = real and shapely.contains_xy(shapely.box(*box), anchor.x, anchor.y)
            self.places[row.code] = Commune(
                code=row.code, name=row.name, unit_type=row.unit_type,
                district_code=row.district_code, district_name=row.district_name,
                district_short=districts.loc[row.district_code, "short_name"],
                commune_code=row.commune_2025_code,
                commune_name=commune_names[row.commune_2025_code],
                lon=round(anchor.x, 6), lat=round(anchor.y, 6), site=i,
                box=box if real else None,
            )  # fmt: skip
        self._by_name = {(p.district_short, p.name): p for p in self.places.values()}
        self._district_centres = {
            row.short_name: (row.lon, row.lat) for row in units.districts.itertuples()
        }

    def place(self, district_short: str, name: str | None) -> Commune:
        """Return the named commune, or the one nearest the district's centroid."""
        if name is not None:
            return self._by_name[(district_short, name)]
        lon, lat = self._district_centres[district_short]
        inside = [p for p in self.places.values() if p.district_short == district_short]
        return min(inside, key=lambda p: (p.lon - lon) ** 2 + (p.lat - lat) ** 2)

    def fits(self, place: Commune, lon: float, lat: float) -> bool:
        """Tell whether a point lies in ``place``'s cell (or, without cells, clearly near it)."""
        if self._cells is not None:
            return bool(shapely.contains_xy(self._cells[place.code], lon, lat))
        x0, y0, x1, y1 = self._province_box
        if not (x0 <= lon <= x1 and y0 <= lat <= y1 and shapely.contains_xy(self._land, lon, lat)):
            return False
        kx = KM_PER_DEG * math.cos(math.radians(lat))
        dist = np.hypot((self._site_lon - lon) * kx, (self._site_lat - lat) * KM_PER_DEG)
        own = dist[place.site]
        dist[place.site] = np.inf
        return bool(own <= _OWN_SHARE * dist.min())

    def scatter(self, place: Commune, rng: random.Random, max_km: float) -> tuple[float, float]:
        """Return a point within ``max_km`` of ``place``'s anchor that fits its cell."""
        kx = KM_PER_DEG * math.cos(math.radians(place.lat))
        for _ in range(100):
            if place.box is None:
                lon = place.lon + rng.uniform(-max_km, max_km) / kx
                lat = place.lat + rng.uniform(-max_km, max_km) / KM_PER_DEG
            else:
                minx, miny, maxx, maxy = place.box
                lon = place.lon + _BOX_SHRINK * rng.uniform(minx - place.lon, maxx - place.lon)
                lat = place.lat + _BOX_SHRINK * rng.uniform(miny - place.lat, maxy - place.lat)
            near = math.hypot((lon - place.lon) * kx, (lat - place.lat) * KM_PER_DEG) <= max_km
            if near and self.fits(place, lon, lat):
                return round(lon, 6), round(lat, 6)
        return place.lon, place.lat

    def along_border(self, first: Commune, last: Commune, inset_km: float) -> shapely.LineString:
        """Return a line ``inset_km`` inside the national border from near ``first`` to ``last``."""
        mainland = max(shapely.get_parts(self._outline), key=lambda g: g.area)
        inset = shapely.buffer(mainland, -inset_km / KM_PER_DEG)
        ring = max(shapely.get_parts(inset), key=lambda g: g.area).exterior
        a, b = sorted(ring.project(shapely.Point(p.lon, p.lat)) for p in (first, last))
        if b - a > ring.length / 2:  # the short way round passes the ring's start
            head = shapely.ops.substring(ring, b, ring.length)
            path = shapely.LineString([*head.coords, *shapely.ops.substring(ring, 0, a).coords[1:]])
        else:
            path = shapely.ops.substring(ring, a, b)
        return shapely.set_precision(shapely.simplify(path, 0.0005), 1e-6)

    def on_land(self, polygon: shapely.Polygon) -> shapely.Polygon:
        """Return ``polygon`` cut to land (its largest piece if the cut splits it)."""
        pieces = shapely.get_parts(shapely.intersection(polygon, self._land))
        polygons = [g for g in pieces if isinstance(g, shapely.Polygon) and not g.is_empty]
        return shapely.set_precision(max(polygons, key=lambda g: g.area), 1e-6)
