"""An area's map for a printed card: one inline SVG drawn on the server, no tile, no network.

The area is projected to UTM zone 48N (EPSG:32648, metres, north up over Lạng Sơn), its
neighbours of the same level drawn grey around it, its records as small symbols (one shape per
layer, filled with the colour of their status as the map's legend), then a scale bar of a round
length and a north arrow. Geometries are simplified to half a drawing unit before they are
written (a commune of some 10,000 vertices prints as a few hundred), so a card's map stays a few
tens of kilobytes and draws in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

import pyproj
import shapely

from layers.base import LayerSpec

UTM48N = 32648
_TO_UTM = pyproj.Transformer.from_crs(4326, UTM48N, always_xy=True)
#: One shape per layer, in catalogue order (circle, square, triangle, diamond ...).
SHAPES = ("circle", "square", "triangle", "diamond", "triangle-down", "cross")
WIDTH, HEIGHT, PAD = 680.0, 430.0, 14.0


@dataclass(frozen=True)
class MapRecord:
    """A record to draw: its geometry (WKB, degrees), its layer and its status."""

    geom: bytes
    layer: LayerSpec
    status: str


def to_utm(geometry):
    """Return ``geometry`` (degrees) in UTM 48N metres.

    >>> point = to_utm(shapely.Point(105.0, 21.85))  # central meridian: 0.9996 of the arc
    >>> round(point.x), round(point.y / 1000)
    (500000, 2416)
    """
    return shapely.transform(
        geometry, lambda xy: np.column_stack(_TO_UTM.transform(xy[:, 0], xy[:, 1])))


def nice_length(metres: float) -> float:
    """Return the round length (1, 2 or 5 × 10ⁿ m) at most ``metres``.

    >>> nice_length(3700), nice_length(980), nice_length(12000)
    (2000.0, 500.0, 10000.0)
    """
    power = 10 ** np.floor(np.log10(max(metres, 1.0)))
    for step in (5, 2, 1):
        if step * power <= metres:
            return float(step * power)
    return float(power)


class _Frame:
    """Metres to drawing units: the area's box fitted in the drawing, north up."""

    def __init__(self, bounds: Sequence[float]) -> None:
        minx, miny, maxx, maxy = bounds
        span_x, span_y = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
        self.scale = min((WIDTH - 2 * PAD) / span_x, (HEIGHT - 2 * PAD) / span_y)
        self.x0 = minx - (WIDTH / self.scale - span_x) / 2
        self.y1 = maxy + (HEIGHT / self.scale - span_y) / 2

    def xy(self, coords: np.ndarray) -> np.ndarray:
        return np.column_stack(((coords[:, 0] - self.x0) * self.scale,
                                (self.y1 - coords[:, 1]) * self.scale))

    def path(self, geometry) -> str:
        parts = []
        for ring in _rings(geometry):
            pts = self.xy(np.asarray(ring.coords))
            parts.append("M" + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + "Z")
        for line in _lines(geometry):
            pts = self.xy(np.asarray(line.coords))
            parts.append("M" + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts))
        return " ".join(parts)


def _rings(geometry) -> Iterable:
    for part in getattr(geometry, "geoms", [geometry]):
        if part.geom_type == "Polygon":
            yield part.exterior
            yield from part.interiors
        elif part.geom_type == "MultiPolygon":
            yield from _rings(part)


def _lines(geometry) -> Iterable:
    for part in getattr(geometry, "geoms", [geometry]):
        if part.geom_type == "LineString":
            yield part
        elif part.geom_type == "MultiLineString":
            yield from part.geoms


def _symbol(shape: str, x: float, y: float, fill: str, size: float = 4.0) -> str:
    s = size
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{s:.1f}" fill="{fill}"/>'
    if shape == "square":
        return (f'<rect x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" '
                f'height="{2 * s:.1f}" fill="{fill}"/>')  # fmt: skip
    points = {
        "triangle": ((0, -1.25), (1.15, 0.8), (-1.15, 0.8)),
        "triangle-down": ((0, 1.25), (1.15, -0.8), (-1.15, -0.8)),
        "diamond": ((0, -1.3), (1.3, 0), (0, 1.3), (-1.3, 0)),
        "cross": ((-0.4, -1.2), (0.4, -1.2), (0.4, -0.4), (1.2, -0.4), (1.2, 0.4), (0.4, 0.4),
                  (0.4, 1.2), (-0.4, 1.2), (-0.4, 0.4), (-1.2, 0.4), (-1.2, -0.4), (-0.4, -0.4)),
    }[shape]
    pts = " ".join(f"{x + dx * s:.1f},{y + dy * s:.1f}" for dx, dy in points)
    return f'<polygon points="{pts}" fill="{fill}"/>'


def _status_colours(layer: LayerSpec) -> dict[str, str]:
    return {s.id: s.color for s in layer.statuses}


def _scale_bar(scale: float, label_of) -> str:
    length = nice_length(WIDTH * 0.25 / scale)
    bar = length * scale
    x, y = PAD, HEIGHT - PAD
    text = label_of(length)
    return (f'<g class="scale-bar"><rect x="{x - 4}" y="{y - 22}" width="{bar + 8:.1f}" '
            f'height="28" fill="#fff" fill-opacity="0.8"/>'
            f'<path d="M{x},{y - 6} V{y} H{x + bar:.1f} V{y - 6}" fill="none" stroke="#222" '
            f'stroke-width="1.5"/><text x="{x + bar / 2:.1f}" y="{y - 9}" '
            f'text-anchor="middle">{escape(text)}</text></g>')  # fmt: skip


def _north_arrow() -> str:
    x, y = WIDTH - PAD - 12, PAD + 8
    return (f'<g class="north-arrow"><polygon points="{x},{y} {x + 8},{y + 24} {x},{y + 18} '
            f'{x - 8},{y + 24}" fill="#222"/><text x="{x}" y="{y + 38}" '
            f'text-anchor="middle" font-weight="bold">N</text></g>')  # fmt: skip


def default_scale_label(metres: float) -> str:
    """Return a scale bar's length as printed: kilometres from 1 km up, else metres.

    >>> default_scale_label(5000.0), default_scale_label(500.0)
    ('5 km', '500 m')
    """
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def area_map_svg(area_wkb: bytes, neighbours: Sequence[tuple[str, bytes]],
                 records: Sequence[MapRecord], layers: Sequence[LayerSpec], title: str,
                 scale_label=default_scale_label, inner: Sequence[bytes] = ()) -> str:  # fmt: skip
    """Return the card's map of one area as SVG: the area, grey neighbours, records, scale, north.

    ``neighbours`` are (name, WKB) of the areas around it (drawn, clipped to the drawing);
    ``layers`` give each record's symbol (its layer's place in this list); ``inner`` are WKB of
    the units inside the area (the province's communes), drawn as thin lines over it.

    >>> square = shapely.to_wkb(shapely.box(106.7, 21.8, 106.8, 21.9))
    >>> svg = area_map_svg(square, [], [], [], "Xã A")
    >>> svg.startswith("<svg") and "scale-bar" in svg and "north-arrow" in svg
    True
    """
    area = to_utm(shapely.from_wkb(area_wkb))
    frame = _Frame(area.bounds)
    tolerance = 0.5 / frame.scale
    view = shapely.box(frame.x0, frame.y1 - HEIGHT / frame.scale,
                       frame.x0 + WIDTH / frame.scale, frame.y1)
    parts = [f'<svg class="card-map" xmlns="http://www.w3.org/2000/svg" '
             f'viewBox="0 0 {WIDTH:g} {HEIGHT:g}" width="{WIDTH:g}" height="{HEIGHT:g}" role="img" '
             f'aria-label="{escape(title)}" font-family="DejaVu Sans, sans-serif" '
             f'font-size="10">'
             f'<title>{escape(title)}</title><rect width="{WIDTH:g}" height="{HEIGHT:g}" '
             f'fill="#f4f6f8"/>']  # fmt: skip
    names = []
    for name, wkb in neighbours:
        shape = to_utm(shapely.from_wkb(wkb))
        clipped = shapely.intersection(shapely.simplify(shape, tolerance), view)
        if clipped.is_empty:
            continue
        parts.append(f'<path class="neighbour" d="{frame.path(clipped)}" fill="#e2e5e9" '
                     f'stroke="#9aa3ad" stroke-width="0.8"/>')  # fmt: skip
        names.append(_label(frame, clipped.difference(area), name))
    parts.append(f'<path class="area" d="{frame.path(shapely.simplify(area, tolerance))}" '
                 'fill="#ffffff" stroke="#1f3b57" stroke-width="2"/>')
    for wkb in inner:
        shape = shapely.simplify(to_utm(shapely.from_wkb(wkb)), tolerance)
        parts.append(f'<path class="inner" d="{frame.path(shape)}" fill="none" stroke="#9aa3ad" '
                     'stroke-width="0.6"/>')
    parts.extend(names)
    parts.append(_records(frame, records, layers, tolerance))
    parts.append(_scale_bar(frame.scale, scale_label))
    parts.append(_north_arrow())
    parts.append("</svg>")
    return "".join(parts)


def _label(frame: _Frame, shape, name: str) -> str:
    """Return a neighbour's name at a point inside its visible part; empty when too small."""
    if shape.is_empty or shape.area < (70 / frame.scale) ** 2:
        return ""
    x, y = frame.xy(np.array([[p.x, p.y] for p in [shapely.point_on_surface(shape)]]))[0]
    return (f'<text class="neighbour-name" x="{x:.1f}" y="{y:.1f}" fill="#6b7580" '
            f'font-size="8" text-anchor="middle">{escape(name)}</text>')


def _records(frame: _Frame, records: Sequence[MapRecord], layers: Sequence[LayerSpec],
             tolerance: float) -> str:  # fmt: skip
    if not records:
        return ""
    order = {layer.id: i for i, layer in enumerate(layers)}
    geoms = to_utm(shapely.from_wkb([r.geom for r in records]))
    lines, symbols, drawn = [], [], set()
    size = 4.0 if len(records) < 300 else 2.4  # a crowded map: smaller symbols
    for record, geom in zip(records, geoms, strict=True):
        colour = _status_colours(record.layer).get(record.status, record.layer.style.color)
        if geom.geom_type in ("Point", "MultiPoint"):
            for point in getattr(geom, "geoms", [geom]):
                x, y = frame.xy(np.array([[point.x, point.y]]))[0]
                shape = SHAPES[order.get(record.layer.id, 0) % len(SHAPES)]
                # A symbol on top of the same one (within 1.5 units) adds nothing to the print.
                key = (shape, colour, round(x / 1.5), round(y / 1.5))
                if key not in drawn:
                    drawn.add(key)
                    symbols.append(_symbol(shape, x, y, colour, size))
        else:
            simple = shapely.simplify(geom, tolerance)
            fill = colour if simple.geom_type.endswith("Polygon") else "none"
            lines.append(f'<path d="{frame.path(simple)}" fill="{fill}" fill-opacity="0.3" '
                         f'stroke="{colour}" stroke-width="2"/>')  # fmt: skip
    return ('<g class="records" stroke="#fff" stroke-width="0.6">' + "".join(lines)
            + "".join(symbols) + "</g>")


def legend_shape(layer_index: int) -> str:
    """Return a small SVG of the symbol of the layer at ``layer_index`` (for the legend).

    >>> legend_shape(1).startswith("<svg")
    True
    """
    shape = SHAPES[layer_index % len(SHAPES)]
    return (f'<svg class="legend-symbol" viewBox="0 0 10 10" width="10" height="10">'
            f'{_symbol(shape, 5, 5, "#555", 3.6)}</svg>')
