"""Small pictures of a target drawn on the server as inline SVG: a sparkline, an area map.

Both print as they show (no script, no tile), and both carry a title for screen readers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from html import escape

import geopandas as gpd
import shapely

#: Light to dark, for the values of an area map (five classes).
SHADES = ("#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d")


def sparkline(points: Sequence[tuple[dt.date, float]], target: float, title: str,
              width: int = 160, height: int = 40) -> str:  # fmt: skip
    """Return an SVG line of ``points`` with the target as a dashed line; empty when none.

    >>> svg = sparkline([(dt.date(2025, 1, 1), 1.0), (dt.date(2025, 6, 1), 3.0)], 4.0, "t")
    >>> svg.startswith("<svg") and "polyline" in svg and "<title>t</title>" in svg
    True
    """
    if not points:
        return ""
    values = [v for _d, v in points] + [target]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    first = points[0][0].toordinal()
    days = max(points[-1][0].toordinal() - first, 1)
    pad = 4

    def xy(day: dt.date, value: float) -> str:
        x = pad + (width - 2 * pad) * (day.toordinal() - first) / days
        y = height - pad - (height - 2 * pad) * (value - low) / span
        return f"{x:.1f},{y:.1f}"

    line = " ".join(xy(d, v) for d, v in points)
    target_y = height - pad - (height - 2 * pad) * (target - low) / span
    last = xy(*points[-1]).split(",")
    return (
        f'<svg class="sparkline" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}"><title>{escape(title)}'
        f'</title><line class="sparkline-target" x1="{pad}" x2="{width - pad}" '
        f'y1="{target_y:.1f}" y2="{target_y:.1f}"/><polyline class="sparkline-line" '
        f'points="{line}"/><circle class="sparkline-last" cx="{last[0]}" cy="{last[1]}" r="2.5"/>'
        "</svg>"
    )


def shade_of(value: float, low: float, high: float) -> str:
    """Return the shade of ``value`` between ``low`` and ``high`` (five equal classes).

    >>> shade_of(0, 0, 10), shade_of(10, 0, 10), shade_of(5, 5, 5)
    ('#f1eef6', '#045a8d', '#74a9cf')
    """
    if high <= low:
        return SHADES[2]
    index = int((value - low) / (high - low) * len(SHADES))
    return SHADES[min(max(index, 0), len(SHADES) - 1)]


def area_map(areas: gpd.GeoDataFrame, values: Mapping[str, float], title: str,
             links: Mapping[str, str] | None = None, width: int = 520) -> str:  # fmt: skip
    """Return an SVG map of ``areas`` (code, name, geometry in degrees) shaded by ``values``.

    Areas without a value are hatched grey; each area's title gives its name and value.
    """
    if areas.empty:
        return ""
    minx, miny, maxx, maxy = areas.total_bounds
    kx = 0.93  # cos(21.8°): Lạng Sơn's degrees of longitude are shorter
    scale = width / ((maxx - minx) * kx or 1.0)
    height = int((maxy - miny) * scale) + 2
    shown = [v for v in values.values() if v is not None]
    low, high = (min(shown), max(shown)) if shown else (0.0, 0.0)
    paths = []
    for code, name, geometry in zip(areas["code"], areas["name"], areas.geometry, strict=True):
        simple = shapely.simplify(geometry, 0.002)
        d = []
        for polygon in getattr(simple, "geoms", [simple]):
            for ring in (polygon.exterior, *polygon.interiors):
                pts = " ".join(f"{(x - minx) * kx * scale:.1f},{(maxy - y) * scale:.1f}"
                               for x, y in ring.coords)  # fmt: skip
                d.append(f"M{pts}Z")
        value = values.get(code)
        fill = shade_of(value, low, high) if value is not None else "url(#no-value)"
        label = f"{name}: {value:g}" if value is not None else f"{name}: –"
        path = (f'<path d="{" ".join(d)}" fill="{fill}" data-code="{escape(code)}">'
                f"<title>{escape(label)}</title></path>")  # fmt: skip
        if links and code in links:
            path = f'<a href="{escape(links[code])}">{path}</a>'
        paths.append(path)
    return (
        f'<svg class="area-map" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title><defs><pattern '
        'id="no-value" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" '
        'height="6" fill="#eee"/><path d="M0,6 L6,0" stroke="#bbb"/></pattern></defs>'
        + "".join(paths) + "</svg>"
    )
