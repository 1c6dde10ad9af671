"""Official boundary files replace the derived ones; every record follows into its new area."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from geodata.boundary_merge import merge_into
from geodata.boundary_report import BoundaryImport
from geodata.errors import GeodataError
from geodata.official_boundaries import read_official_boundaries
from portal.services import audit
from portal.store import loader
from portal.store.db import Database


class BoundariesRejected(GeodataError):
    """The boundary file has problems; nothing was replaced. ``problems`` lists them all."""

    def __init__(self, imported: BoundaryImport) -> None:
        count = len(imported.problems)
        super().__init__(f"{count} problem(s) in the boundary file; nothing was replaced.")
        self.user_msg_vi = f"Tệp ranh giới có {count} lỗi; chưa thay thế ranh giới nào."
        self.problems = list(imported.problems)
        self.checks = list(imported.checks)


@dataclass(frozen=True)
class BoundaryResult:
    """What an official boundary import did (or would do, in a dry run)."""

    imported: BoundaryImport
    units: int
    records_reassigned: int
    dry_run: bool


def _stamp_source_date(frame, day: dt.date | None):
    frame = frame.copy()
    if "source_date" not in frame.columns:
        frame["source_date"] = None
    if day is not None:
        official = frame["provenance"] == "official"
        frame.loc[official & frame["source_date"].isna(), "source_date"] = day
    return frame


def run_boundary_import(
    db: Database,
    path: str | Path,
    level: str,
    vintage: str,
    *,
    crs: str | None = None,
    source: str | None = None,
    source_date: dt.date | None = None,
    dry_run: bool = False,
    author: str = "cli",
) -> BoundaryResult:
    """Check an official boundary file and, unless a dry run, put it in place in one transaction."""
    imported = read_official_boundaries(
        path, level, vintage, crs=crs, source=source, source_date=source_date
    )
    if not imported.ok:
        raise BoundariesRejected(imported)
    with db.transaction() as session:
        merged = merge_into(loader.load_boundary_set(session), imported)
        if dry_run:
            return BoundaryResult(imported, len(imported.frame), 0, True)
        day = imported.source_date or source_date
        stamped = type(merged)(
            province=_stamp_source_date(merged.province, day),
            districts=_stamp_source_date(merged.districts, day),
            legacy_communes=_stamp_source_date(merged.legacy_communes, day),
            communes=_stamp_source_date(merged.communes, day),
        )
        loader.write_boundaries(session, stamped)
        audit.record(session, "boundaries_import", actor=author, detail={
            "file": Path(path).name, "level": level, "vintage": vintage,
            "units": len(imported.frame), "source": source,
            "source_date": day.isoformat() if day else None,
        })
        moved = loader.count_features(session)
    return BoundaryResult(imported, len(imported.frame), moved, False)
