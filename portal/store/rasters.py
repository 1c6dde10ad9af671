"""The ``rasters`` table: kept Cloud-Optimised GeoTIFFs, dated like every record.

A raster is one file under ``<instance>/rasters/`` (``Raster.file_name``) and one row that says
what it shows. Rasters of one ``kind`` (``elevation``, ``population``, ``flood_depth`` ...)
replace each other by date: the map "as of" a day shows, per kind, the latest raster dated on or
before that day. A withdrawn raster is kept (file and row) but never shown.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.store.models import Base, utcnow

#: The folder of the instance that holds the raster files (backed up with it).
RASTER_FOLDER = "rasters"


class Raster(Base):
    """One kept raster: what it shows, where its file is, its grid and its drawing style."""

    __tablename__ = "rasters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40), default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    as_of: Mapped[dt.date] = mapped_column(Date)
    #: ``official``, ``approximate`` or ``illustrative``.
    provenance: Mapped[str] = mapped_column(String(20))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The COG's name inside ``<instance>/rasters/``.
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    file_bytes: Mapped[int] = mapped_column(BigInteger)
    #: The stored grid's CRS as WKT (the grid is kept as uploaded, never resampled).
    crs: Mapped[str] = mapped_column(Text)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    band_count: Mapped[int] = mapped_column(Integer)
    dtype: Mapped[str] = mapped_column(String(20))
    nodata: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: Bounds in WGS 84 degrees.
    west: Mapped[float] = mapped_column(Float)
    south: Mapped[float] = mapped_column(Float)
    east: Mapped[float] = mapped_column(Float)
    north: Mapped[float] = mapped_column(Float)
    #: How it is drawn: ``{"colormap": "viridis", "vmin": 0, "vmax": 1500, "opacity": 0.7}``.
    style: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Per band: ``[{"min": .., "max": .., "mean": .., "valid_cells": ..}]``.
    stats: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80), default="")
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    def __repr__(self) -> str:
        return f"<Raster {self.id} {self.kind} {self.as_of} {self.name_en!r}>"

    def bounds_wgs84(self) -> tuple[float, float, float, float]:
        """Return ``(west, south, east, north)`` in degrees."""
        return (self.west, self.south, self.east, self.north)


def raster_folder(instance_path: Path) -> Path:
    """Return the folder that holds the raster files of an instance."""
    return Path(instance_path) / RASTER_FOLDER


def raster_path(instance_path: Path, raster: Raster) -> Path:
    """Return the path of a kept raster's file."""
    return raster_folder(instance_path) / raster.file_name


def get_raster(session: Session, raster_id: int) -> Raster | None:
    """Return the raster with this id, withdrawn or not, or None."""
    return session.get(Raster, raster_id)


def add_raster(session: Session, **fields: Any) -> Raster:
    """Add one raster row (its file already in place) and return it, flushed."""
    raster = Raster(**fields)
    session.add(raster)
    session.flush()
    return raster


def current_rasters(
    session: Session, as_of: dt.date | None = None, *, public_only: bool = True,
) -> list[Raster]:
    """Return, per kind, the latest raster dated on or before ``as_of`` (None: any date).

    Withdrawn rasters never count. With ``public_only`` private rasters are left out before
    the latest is chosen, so the public never sees an older private one either. Ties on the
    date go to the raster added last. Ordered by kind.
    """
    query = select(Raster).where(Raster.withdrawn_at.is_(None))
    if as_of is not None:
        query = query.where(Raster.as_of <= as_of)
    if public_only:
        query = query.where(Raster.public.is_(True))
    latest: dict[str, Raster] = {}
    for raster in session.scalars(query.order_by(Raster.as_of, Raster.id)):
        latest[raster.kind] = raster
    return [latest[kind] for kind in sorted(latest)]


def current_raster(
    session: Session, kind: str, as_of: dt.date | None = None, *, public_only: bool = True,
) -> Raster | None:
    """Return the latest raster of one kind on or before ``as_of``, or None."""
    for raster in current_rasters(session, as_of, public_only=public_only):
        if raster.kind == kind:
            return raster
    return None


def rasters_of_kind(session: Session, kind: str) -> list[Raster]:
    """Return every raster of a kind, withdrawn ones too, oldest first (its history)."""
    query = select(Raster).where(Raster.kind == kind).order_by(Raster.as_of, Raster.id)
    return list(session.scalars(query))
