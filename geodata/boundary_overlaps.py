"""Gaps and overlaps between the units of an official boundary file.

Both are warnings, not problems: the user sees them and may still import the file.
"""

from __future__ import annotations

from collections.abc import Sequence

import shapely

from geodata.boundary_repair import to_metres
from geodata.boundary_report import BoundaryImport

_TOUCH_M = 1.0  # a unit this close to a gap borders it


def _join(codes: Sequence[str], word: str) -> str:
    """List codes for a message.

    >>> _join(["06253"], "and"), _join(["06253", "06298", "06313"], "và")
    ('06253', '06253, 06298 và 06313')
    """
    return f"{', '.join(codes[:-1])} {word} {codes[-1]}" if len(codes) > 1 else "".join(codes)


def find_gaps_and_overlaps(codes: list[str], geometries: list[shapely.Geometry],
                           tolerance_ha: float, report: BoundaryImport, *, gaps: bool) -> None:
    """Report overlapping pairs and holes in the union (inside its outer edge) over the tolerance.

    Areas are measured in the province's equal-area projection.
    """
    projected = to_metres(geometries)
    left, right = shapely.STRtree(projected).query(projected, predicate="intersects")
    for i, j in zip(left[left < right], right[left < right], strict=True):
        hectares = float(shapely.area(shapely.intersection(projected[i], projected[j]))) / 1e4
        if hectares > tolerance_ha:
            report.check("overlap", [codes[i], codes[j]], hectares, a=codes[i], b=codes[j])
    union = shapely.union_all(projected) if gaps else shapely.Polygon()
    holes = [shapely.Polygon(r) for p in shapely.get_parts(union) for r in p.interiors]
    for hole in sorted(holes, key=lambda h: -h.area):
        if hole.area / 1e4 > tolerance_ha:
            near = [c for c, g in zip(codes, projected, strict=True)
                    if shapely.distance(hole, g) < _TOUCH_M]  # fmt: skip
            report.check("gap", near, hole.area / 1e4, en=_join(near, "and"), vi=_join(near, "và"))
