"""Zonal statistics of a kept raster per stored area, cached until the raster or areas change.

The figures come from :func:`geodata.zonal.zonal_stats` (exact cell coverage; see its module
for what each figure means). A table is kept in this process per raster file (its SHA-256),
boundary version, level, band and threshold. The boundary version is a digest of the level's
stored codes and geometries: it is read again whenever the store's data version moves (an edit,
an import, new official boundaries: ``write_boundaries`` bumps it) and a table is computed again
only when the digest changed, so editing records does not throw the tables away while importing
official boundaries does.

Per-capita figures: a layer's records per area (``portal.store.progress``, through the area
index when given) per 1,000 people of the population raster current on the date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import geopandas as gpd
import shapely

from geodata.zonal import zonal_stats
from layers.base import LayerSpec
from portal.store.area_index import AreaIndex
from portal.store.loader import data_version, get_meta
from portal.store.models import Area
from portal.store.progress import LEVELS, area_progress
from portal.store.rasters import Raster, current_raster, raster_path

#: Tables kept per process (each is one row per area: a few kilobytes).
CACHE_SIZE = 256
#: The figures of a row, in the order the table and the exports show them.
FIGURE_COLUMNS = ("mean", "sum", "min", "max", "cells", "covered_km2", "covered_share",
                  "area_km2")
THRESHOLD_COLUMNS = ("share", "share_km2")
PER_CAPITA_COLUMNS = ("records", "population", "per_1000")


@dataclass(frozen=True)
class ZonalTable:
    """A raster's figures per area of a level, with where the raster and the areas come from."""

    raster: dict[str, Any]
    level: str
    threshold: float | None
    above: bool
    rows: list[dict[str, Any]]
    boundaries: dict[str, Any]
    per_capita: dict[str, Any] | None = field(default=None)

    def columns(self) -> list[str]:
        """Return the figure columns the rows hold, in order."""
        columns = list(FIGURE_COLUMNS)
        if self.threshold is not None:
            columns += THRESHOLD_COLUMNS
        if self.per_capita is not None:
            columns += PER_CAPITA_COLUMNS
        return columns


class _Tables:
    """A small thread-safe LRU of computed tables and of boundary digests per data version."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.tables: OrderedDict[tuple, list[dict[str, Any]]] = OrderedDict()
        self.digests: dict[tuple[int, str], str] = {}
        self.computed = 0  # how many tables were computed (not taken from the cache)

    def get(self, key: tuple, compute: Callable[[], list[dict[str, Any]]]) -> list[dict]:
        with self.lock:
            if key in self.tables:
                self.tables.move_to_end(key)
                return self.tables[key]
        rows = compute()
        with self.lock:
            self.computed += 1
            self.tables[key] = rows
            while len(self.tables) > self.size:
                self.tables.popitem(last=False)
        return rows

    def clear(self) -> None:
        with self.lock:
            self.tables.clear()
            self.digests.clear()
            self.computed = 0


TABLES = _Tables(CACHE_SIZE)


def raster_facts(raster: Raster) -> dict[str, Any]:
    """Return what a table says about its raster: names, unit, date and provenance."""
    return {
        "id": raster.id, "kind": raster.kind, "name_vi": raster.name_vi,
        "name_en": raster.name_en, "unit": raster.unit, "source": raster.source,
        "as_of": raster.as_of.isoformat(), "provenance": raster.provenance,
        "public": raster.public,
    }


def _stored_areas(session: Session, level: str) -> gpd.GeoDataFrame:
    rows = session.execute(
        select(Area.code, Area.name, Area.provenance, Area.source, Area.geom)
        .where(Area.level == level).order_by(Area.code)
    ).all()
    return gpd.GeoDataFrame(
        {"code": [r.code for r in rows], "name": [r.name for r in rows],
         "provenance": [r.provenance for r in rows]},
        geometry=shapely.from_wkb([r.geom for r in rows]), crs=4326,
    )


def boundary_version(session: Session, level: str) -> str:
    """Return a digest of the level's stored areas, read again once per data version."""
    version = data_version(session)
    key = (version, level)
    with TABLES.lock:
        found = TABLES.digests.get(key)
    if found is not None:
        return found
    digest = hashlib.sha256(level.encode())
    for code, provenance, geom in session.execute(
            select(Area.code, Area.provenance, Area.geom).where(Area.level == level)
            .order_by(Area.code)):
        digest.update(code.encode() + b"\0" + provenance.encode() + b"\0" + geom)
    found = digest.hexdigest()
    with TABLES.lock:
        TABLES.digests = {k: v for k, v in TABLES.digests.items() if k[0] == version}
        TABLES.digests[key] = found
    return found


def _boundary_facts(areas: gpd.GeoDataFrame, session: Session) -> dict[str, Any]:
    provenances = sorted(set(areas["provenance"]))
    provenance = provenances[0] if len(provenances) == 1 else "mixed" if provenances else ""
    return {"provenance": provenance,
            "approximate": provenance in ("approximate", "mixed"),
            "store": get_meta(session, "boundaries_provenance") or provenance}


def _rows(frame: Any) -> list[dict[str, Any]]:
    """Return the table's rows as plain dicts (floats, None for no data)."""
    rows = []
    for record in frame.to_dict("records"):
        row = {"code": record["code"], "name": record["name"],
               "provenance": record["provenance"]}
        for column in (*FIGURE_COLUMNS, *THRESHOLD_COLUMNS):
            if column in record:
                value = record[column]
                row[column] = None if value is None else float(value)
        rows.append(row)
    return rows


def zonal_table(session: Session, instance_path: Path, raster: Raster, level: str, *,
                threshold: float | None = None, above: bool = True, band: int = 1,
                per_capita: PerCapita | None = None) -> ZonalTable:
    """Return the raster's figures per stored area of ``level`` (computed once per version)."""
    if level not in LEVELS:
        raise ValueError(level)
    areas = _stored_areas(session, level)
    key = (raster.sha256, boundary_version(session, level), level, band, threshold, above)
    path = raster_path(instance_path, raster)
    rows = TABLES.get(key, lambda: _rows(zonal_stats(
        path, areas, band=band, threshold=threshold, above=above)))
    extra = None
    if per_capita is not None:
        rows, extra = per_capita.join(session, instance_path, level, rows)
    return ZonalTable(raster=raster_facts(raster), level=level, threshold=threshold,
                      above=above, rows=rows, boundaries=_boundary_facts(areas, session),
                      per_capita=extra)


@dataclass(frozen=True)
class PerCapita:
    """A layer's records per 1,000 people of the population raster current on ``as_of``."""

    layer: LayerSpec
    as_of: dt.date
    public_only: bool = True
    index: AreaIndex | None = None

    def join(self, session: Session, instance_path: Path, level: str,
             rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """Return ``rows`` with records, population and per-1,000 columns (unchanged if none)."""
        population = current_raster(session, "population", self.as_of,
                                    public_only=self.public_only)
        if population is None or not self.layer.records_public:
            return rows, None
        people = {r["code"]: r["sum"] for r in zonal_table(
            session, instance_path, population, level).rows}
        counts = {p.code: p.count for p in area_progress(
            session, self.layer, level, self.as_of, index=self.index)}
        joined = []
        for row in rows:
            count, persons = counts.get(row["code"], 0), people.get(row["code"])
            per_1000 = 1000.0 * count / persons if persons else None
            joined.append({**row, "records": count, "population": persons,
                           "per_1000": per_1000})
        facts = {"layer": self.layer.id, "as_of": self.as_of.isoformat(),
                 "population": raster_facts(population)}
        return joined, facts


#: Column -> (Vietnamese, English) header of the exports.
EXPORT_HEADERS: dict[str, tuple[str, str]] = {
    "code": ("Mã địa bàn", "Area code"),
    "name": ("Địa bàn", "Area"),
    "mean": ("Trung bình", "Mean"),
    "sum": ("Tổng", "Sum"),
    "min": ("Nhỏ nhất", "Minimum"),
    "max": ("Lớn nhất", "Maximum"),
    "cells": ("Số ô có dữ liệu (theo phần diện tích)", "Valid cells (by fraction covered)"),
    "covered_km2": ("Diện tích có dữ liệu (km²)", "Area covered (km²)"),
    "covered_share": ("Tỷ lệ diện tích có dữ liệu", "Share covered"),
    "area_km2": ("Diện tích địa bàn (km²)", "Area of the unit (km²)"),
    "share": ("Tỷ lệ diện tích vượt ngưỡng", "Share beyond the threshold"),
    "share_km2": ("Diện tích vượt ngưỡng (km²)", "Area beyond the threshold (km²)"),
    "records": ("Số bản ghi", "Records"),
    "population": ("Dân số (từ lưới dân số)", "Population (from the grid)"),
    "per_1000": ("Bản ghi trên 1.000 dân", "Records per 1,000 people"),
    "provenance": ("Nguồn ranh giới", "Boundary provenance"),
}
TABLE_FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_headers(table: ZonalTable) -> dict[str, str]:
    """Return column -> "Vietnamese (English)" header of a table's export, in order."""
    columns = ["code", "name", *table.columns(), "provenance"]
    return {c: f"{EXPORT_HEADERS[c][0]} ({EXPORT_HEADERS[c][1]})" for c in columns}


def export_table(table: ZonalTable, fmt: str) -> tuple[bytes, str, str]:
    """Write a zonal table as CSV (UTF-8 with BOM) or XLSX; return content, type and name."""
    from geodata.writers_office import write_table_csv, write_table_xlsx

    if fmt not in TABLE_FORMATS:
        raise ValueError(fmt)
    headers = export_headers(table)
    titled = [{headers[c]: row.get(c) for c in headers} for row in table.rows]
    suffix = "" if table.threshold is None else f"_{'above' if table.above else 'below'}" \
        f"_{table.threshold:g}"
    name = f"zonal_{table.raster['kind']}_{table.raster['id']}_{table.level}{suffix}"
    if fmt == "csv":
        return write_table_csv(titled, columns=list(headers.values())), "text/csv", f"{name}.csv"
    return (write_table_xlsx(titled, sheet=f"{table.raster['kind']}_{table.level}",
                             columns=list(headers.values())), XLSX, f"{name}.xlsx")
