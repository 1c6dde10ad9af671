"""Raster layers: an uploaded GeoTIFF checked, kept as a COG with its row, listed and withdrawn.

``import_raster`` checks the file (``geodata.raster_checks``: GTiff only, no network or side
file, a CRS, over the province, within the size limit, every cell readable), converts it to a
COG under ``<instance>/rasters/`` (``raster_files``), computes its statistics and default style,
and adds its row with one audit event. The COG is written to a temporary name and moved to its
content-derived name only as the row commits: a refused or failed upload leaves neither file
nor row behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from geodata.crs import LANGSON_BBOX
from geodata.raster_checks import (
    DEFAULT_MAX_CELLS,
    RasterFacts,
    RasterRejected,
    check_raster,
)
from portal.services import audit
from portal.services.raster_files import (
    KINDS,
    PROVENANCES,
    band_stats,
    default_style,
    file_sha256,
    to_cog,
)
from portal.services.raster_tiles import legend_stops
from portal.store import rasters as store
from portal.store.db import Database
from portal.store.loader import load_areas
from portal.store.models import utcnow


@dataclass(frozen=True)
class RasterMeta:
    """What the uploader says of a raster."""

    kind: str
    name_vi: str
    name_en: str
    unit: str
    source: str
    as_of: dt.date
    provenance: str
    public: bool


def _refuse(field: str, en: str, vi: str) -> RasterRejected:
    return RasterRejected(en, vi, field=field)


def parse_day(text: str | None) -> dt.date:
    """Read the raster's date, dd/mm/yyyy (or yyyy-mm-dd); RasterRejected naming ``as_of``.

    >>> parse_day("30/06/2025"), parse_day("2025-06-30")
    (datetime.date(2025, 6, 30), datetime.date(2025, 6, 30))
    """
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime((text or "").strip(), fmt).date()
        except ValueError:
            continue
    raise _refuse("as_of", f"Date: write it as dd/mm/yyyy, e.g. 30/06/2025 (got {text!r:.40}).",
                  f"Ngày: hãy ghi dạng dd/mm/yyyy, ví dụ 30/06/2025 (nhận được {text!r:.40}).")


def check_meta(meta: RasterMeta) -> None:
    """Refuse an unknown kind or provenance, or a missing name."""
    if meta.kind not in KINDS:
        raise _refuse("kind", f"Kind: one of {', '.join(KINDS)} (got {meta.kind!r:.40}).",
                      f"Loại: một trong {', '.join(KINDS)} (nhận được {meta.kind!r:.40}).")
    if meta.provenance not in PROVENANCES:
        raise _refuse(
            "provenance",
            f"Provenance: one of {', '.join(PROVENANCES)} (got {meta.provenance!r:.40}).",
            f"Nguồn gốc: một trong {', '.join(PROVENANCES)} (nhận được {meta.provenance!r:.40}).")
    for field, value in (("name_vi", meta.name_vi), ("name_en", meta.name_en)):
        if not value.strip():
            raise _refuse(field, f"{field}: the raster needs a name.",
                          f"{field}: lớp raster cần có tên.")
        if len(value) > 200:
            raise _refuse(field, f"{field}: at most 200 characters.",
                          f"{field}: tối đa 200 ký tự.")
    for field, value, limit in (("unit", meta.unit, 40), ("source", meta.source, 300)):
        if len(value) > limit:
            raise _refuse(field, f"{field}: at most {limit} characters.",
                          f"{field}: tối đa {limit} ký tự.")


def province_outline(session: Session) -> BaseGeometry:
    """Return the province in WGS 84 as the store has it (its box when no outline is stored)."""
    for level in ("province", "district", "commune"):
        areas = load_areas(session, level)
        if len(areas):
            return shapely.union_all(areas.geometry.to_numpy())
    return shapely.box(*LANGSON_BBOX)


@dataclass(frozen=True)
class RasterLimits:
    """The size limits of an upload."""

    max_cells: int = DEFAULT_MAX_CELLS
    max_bytes: int | None = None


def import_raster(
    db: Database, path: Path, meta: RasterMeta, instance_path: Path, *, actor: str,
    limits: RasterLimits = RasterLimits(),
) -> int:
    """Check, convert and keep the GeoTIFF at ``path``; return the new raster's id.

    Raises RasterRejected (nothing written) when the file or what is said of it is refused.
    """
    check_meta(meta)
    with db.transaction() as session:
        outline = province_outline(session)
    facts = check_raster(path, outline=outline, max_cells=limits.max_cells,
                         max_bytes=limits.max_bytes)
    folder = store.raster_folder(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".upload-{uuid.uuid4().hex}.tif"
    final: Path | None = None
    try:
        to_cog(Path(path), temporary)
        sha = file_sha256(temporary)
        stats = band_stats(temporary)
        final = folder / f"{meta.kind}-{sha[:20]}.tif"
        kept_before = final.exists()
        moved = False
        try:
            with db.transaction() as session:
                raster_id = _add_row(session, meta, facts, final.name, sha,
                                     temporary.stat().st_size, stats, actor)
                os.replace(temporary, final)  # moved in as the row commits
                moved = True
        except BaseException:
            if moved and not kept_before:
                final.unlink(missing_ok=True)
            raise
        return raster_id
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _add_row(session: Session, meta: RasterMeta, facts: RasterFacts, file_name: str, sha: str,
             file_bytes: int, stats: list[dict[str, Any]], actor: str) -> int:
    row = store.add_raster(
        session, kind=meta.kind, name_vi=meta.name_vi.strip(), name_en=meta.name_en.strip(),
        unit=meta.unit.strip(), source=meta.source.strip(), as_of=meta.as_of,
        provenance=meta.provenance, public=meta.public, file_name=file_name, sha256=sha,
        file_bytes=file_bytes, crs=facts.crs_wkt, width=facts.width, height=facts.height,
        band_count=facts.band_count, dtype=facts.dtype, nodata=facts.nodata,
        west=facts.bounds_wgs84[0], south=facts.bounds_wgs84[1],
        east=facts.bounds_wgs84[2], north=facts.bounds_wgs84[3],
        style=default_style(meta.kind, stats, facts.dtype), stats=stats, created_by=actor,
    )
    audit.record(session, "raster_add", actor=actor, detail={
        "raster_id": row.id, "kind": meta.kind, "name_en": row.name_en,
        "as_of": meta.as_of.isoformat(), "sha256": sha, "public": meta.public,
    })
    return row.id


def withdraw_raster(db: Database, raster_id: int, *, actor: str) -> bool:
    """Withdraw a raster (kept, never shown again); False when there is none to withdraw."""
    with db.transaction() as session:
        row = store.get_raster(session, raster_id)
        if row is None or row.withdrawn_at is not None:
            return False
        row.withdrawn_at = utcnow()
        audit.record(session, "raster_withdraw", actor=actor,
                     detail={"raster_id": row.id, "kind": row.kind, "name_en": row.name_en})
    return True


def crs_label(wkt: str) -> str:
    """Return a coordinate system's name and EPSG code when it has one.

    >>> crs_label("EPSG:9215")
    'VN-2000 / TM-3 107-15 (EPSG:9215)'
    """
    try:
        crs = CRS.from_user_input(wkt)
    except CRSError:
        return wkt[:60]
    code = crs.to_epsg(min_confidence=90)
    return f"{crs.name} (EPSG:{code})" if code else crs.name


def describe(row: store.Raster, locale: str) -> dict[str, Any]:
    """Return the public description of a raster (no file name, no uploader)."""
    return {
        "id": row.id, "kind": row.kind,
        "kindName": KINDS.get(row.kind, KINDS["other"])["en" if locale == "en" else "vi"],
        "name": row.name_en if locale == "en" else row.name_vi,
        "names": {"vi": row.name_vi, "en": row.name_en},
        "unit": row.unit, "source": row.source, "asOf": row.as_of.isoformat(),
        "provenance": row.provenance, "public": row.public,
        "bounds": [row.west, row.south, row.east, row.north],
        "bands": row.band_count, "width": row.width, "height": row.height,
        "style": row.style, "legend": legend_stops(row.style or {}),
    }
