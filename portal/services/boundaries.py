"""Official boundary files replace the derived ones; every record follows into its new area.

A store made by ``langson-portal init`` alone has no boundaries: each official level can be
imported into it by itself (the levels above are dissolved from it, see
:func:`geodata.boundary_merge.merge_into`), and what needs a level the store lacks says which
command brings it (:class:`BoundariesMissing`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from geodata.boundaries import BoundarySet
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


#: The command that imports each level's official file, with the vintage the file has.
IMPORT_COMMANDS = {
    level: f"langson-portal import-boundaries FILE --level {level} --vintage {vintage}"
    for level, vintage in (("commune", "2025"), ("district", "2019"),
                           ("legacy_commune", "2019"), ("province", "2025"))
}
BUILD_COMMAND = "langson-portal build-boundaries"
#: Each level's name in messages, in English and Vietnamese.
LEVEL_NOUNS = {
    "commune": ("communes and wards (from 2025)", "xã, phường (từ 2025)"),
    "district": ("districts (before 2025)", "huyện (trước 2025)"),
    "legacy_commune": ("communes before 2025", "xã (trước 2025)"),
    "province": ("the province", "tỉnh"),
}
#: The levels a record is placed by: the province it must lie in, the commune it lies in.
RECORD_LEVELS = ("commune", "province")


def import_command(level: str, vietnamese: bool = False) -> str:
    """Return the command that imports the official file of ``level``.

    >>> import_command("district", vietnamese=True)
    'langson-portal import-boundaries TỆP --level district --vintage 2019'
    """
    command = IMPORT_COMMANDS[level]
    return command.replace(" FILE ", " TỆP ") if vietnamese else command


class BoundariesMissing(GeodataError):
    """The store lacks boundary levels an action needs; ``levels`` names them.

    The message names the command that brings the first of them (the communes of 2025 bring the
    province too); on a store without any boundaries, also the command deriving approximate
    ones (on a store with some it is not offered: it would replace them all).
    """

    def __init__(self, levels: Sequence[str], store_empty: bool = False) -> None:
        self.levels = tuple(levels)
        en = " and ".join(LEVEL_NOUNS[level][0] for level in self.levels)
        vi = " và ".join(LEVEL_NOUNS[level][1] for level in self.levels)
        build_en = f", or derive approximate boundaries: {BUILD_COMMAND}" if store_empty else ""
        build_vi = f", hoặc dựng ranh giới gần đúng: {BUILD_COMMAND}" if store_empty else ""
        super().__init__(
            f"No boundaries of {en} are stored yet, so records cannot be placed in their areas; "
            f"nothing was imported. Import the official file first: "
            f"{import_command(self.levels[0])} (or on the page /admin/boundaries){build_en}."
        )
        self.user_msg_vi = (
            f"Chưa có ranh giới {vi} nên chưa xác định được địa bàn của các bản ghi; chưa nhập "
            f"gì. Hãy nhập tệp ranh giới chính thức trước: "
            f"{import_command(self.levels[0], vietnamese=True)} (hoặc tại trang "
            f"/admin/boundaries){build_vi}."
        )


def check_record_boundaries(session: Session) -> list[str]:
    """Check the store can place records; return notes (vi / en) on the levels it lacks.

    Raises
    ------
    BoundariesMissing
        If the communes of 2025 or the province are missing: records cannot be placed.
    """
    stored = loader.area_counts(session)
    missing = [level for level in RECORD_LEVELS if level not in stored]
    if missing:
        raise BoundariesMissing(missing, store_empty=not stored)
    if "district" in stored:
        return []
    return [
        "Chưa có ranh giới huyện: các bản ghi sẽ được gán huyện khi nhập "
        f"{import_command('district', vietnamese=True)} / No district boundaries are stored: "
        f"records get their district once you run {import_command('district')}."
    ]


@dataclass(frozen=True)
class BoundaryResult:
    """What an official boundary import did (or would do, in a dry run).

    ``levels``: how many areas of each level the store holds after it.
    """

    imported: BoundaryImport
    units: int
    records_reassigned: int
    dry_run: bool
    levels: dict[str, int] = field(default_factory=dict)

    def next_step(self, vietnamese: bool = False) -> str | None:
        """Return what to import before records can be, or None when records can be."""
        missing = [level for level in RECORD_LEVELS if not self.levels.get(level)]
        if not missing:
            return None
        noun_en, noun_vi = LEVEL_NOUNS[missing[0]]
        if vietnamese:
            return (f"Để nhập bản ghi, còn cần ranh giới {noun_vi}: "
                    f"{import_command(missing[0], vietnamese=True)}.")
        return f"Records also need the boundaries of {noun_en}: {import_command(missing[0])}."


def _level_counts(boundaries: BoundarySet) -> dict[str, int]:
    frames = {"province": boundaries.province, "district": boundaries.districts,
              "commune": boundaries.communes, "legacy_commune": boundaries.legacy_communes}
    return {level: len(frame) for level, frame in frames.items() if len(frame)}


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
        levels = _level_counts(merged)
        if dry_run:
            return BoundaryResult(imported, len(imported.frame), 0, True, levels)
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
    return BoundaryResult(imported, len(imported.frame), moved, False, levels)
