"""Putting an official boundary import in place of its level, and re-deriving the levels above.

Districts are dissolved from official legacy communes and the province from official communes
or districts, unless those levels were imported themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import geopandas as gpd
import shapely

from geodata.admin_units import PROVINCE_CODE
from geodata.boundaries import BoundarySet
from geodata.boundary_repair import polygonal
from geodata.boundary_report import BoundaryImport
from geodata.errors import GeodataError
from geodata.official_boundaries import LEVELS, PROVENANCE, assemble, official_units
from geodata.official_messages import MESSAGES
from geodata.rawtable import user_error

DERIVED = "dissolved from official "  # how the source of a derived row starts


def _imported(frame: gpd.GeoDataFrame) -> bool:
    """Tell whether every row was imported as official itself, not derived from another level."""
    return bool(len(frame)) and all(
        p == PROVENANCE and not str(s).startswith(DERIVED)
        for p, s in zip(frame["provenance"], frame["source"], strict=True)
    )


def _official(frame: gpd.GeoDataFrame) -> bool:
    return bool(len(frame)) and bool((frame["provenance"] == PROVENANCE).all())


def _derive(level: str, parts: gpd.GeoDataFrame, keys: Sequence[str], what: str
            ) -> gpd.GeoDataFrame:
    """Dissolve official ``parts`` into the units of ``level`` by ``keys`` (one per part)."""
    official = official_units(level)
    keys_array, cells = np.asarray(keys, dtype=object), parts.geometry.to_numpy()
    geometries = [polygonal(shapely.union_all(cells[keys_array == c])) for c in official.index]
    sources = "; ".join(dict.fromkeys(parts["source"]))
    rows = official.assign(
        provenance=PROVENANCE, source=f"{DERIVED}{what} ({sources})",
        vintage="2025" if level == "province" else "2019",
    )  # fmt: skip
    return assemble(level, rows, geometries)


def merge_into(boundaries: BoundarySet, imported: BoundaryImport) -> BoundarySet:
    """Put an import in place of its level and re-derive what is dissolved from it.

    Districts are re-derived from official legacy communes unless districts were imported
    themselves; the province from official 2025 communes, else from official districts, unless
    it was imported itself. A level whose parts are not all official keeps what it had, so each
    row's ``provenance`` says what it is.

    Raises
    ------
    GeodataError
        If the import has problems; nothing is merged.
    """
    if not imported.ok or imported.level not in LEVELS:
        en, vi = MESSAGES["not_ok"]
        count = len(imported.problems)
        raise user_error(GeodataError, en.format(count=count), vi.format(count=count))
    frames = {
        name: getattr(boundaries, name)
        for name in ("province", "districts", "legacy_communes", "communes")
    }
    frames[LEVELS[imported.level].attribute] = imported.frame.copy()
    legacy = frames["legacy_communes"]
    if _official(legacy) and not _imported(frames["districts"]):
        frames["districts"] = _derive("district", legacy, legacy["parent_code"], "communes 2019")
    if not _imported(frames["province"]):
        for name, what in (("communes", "communes 2025"), ("districts", "districts 2019")):
            if _official(frames[name]):
                parts = frames[name]
                frames["province"] = _derive("province", parts, [PROVINCE_CODE] * len(parts), what)
                break
    return BoundarySet(**frames)
