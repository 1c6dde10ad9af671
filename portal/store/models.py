"""SQLAlchemy models: areas, features, their dated state history, targets.

Geometries are stored as WKB in WGS 84 with a bounding box beside them, so the same
schema runs on SQLite and on PostgreSQL; PostGIS columns come with the scale issue.
History is never overwritten: each state row is valid from ``valid_from`` until the
next row's date (``valid_to``, exclusive; NULL while it is current).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    """Return the current UTC time (naive, as stored)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Declarative base of every table."""


class BBoxMixin:
    """A WKB geometry (EPSG:4326) and its bounding box, for portable bbox filtering."""

    geom: Mapped[bytes] = mapped_column(LargeBinary)
    minx: Mapped[float] = mapped_column(Float)
    miny: Mapped[float] = mapped_column(Float)
    maxx: Mapped[float] = mapped_column(Float)
    maxy: Mapped[float] = mapped_column(Float)


class Area(BBoxMixin, Base):
    """An administrative unit of one vintage: province, district, commune or legacy commune."""

    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("level", "code", name="uq_area_level_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(20), index=True)
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    name_ascii: Mapped[str] = mapped_column(String(120), index=True)
    unit_type: Mapped[str] = mapped_column(String(40), default="")
    vintage: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(String(10), nullable=True)
    commune_code: Mapped[str | None] = mapped_column(String(10), nullable=True)
    provenance: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(Text, default="")
    source_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    area_km2: Mapped[float] = mapped_column(Float)
    official_area_km2: Mapped[float | None] = mapped_column(Float, nullable=True)
    label_lon: Mapped[float] = mapped_column(Float)
    label_lat: Mapped[float] = mapped_column(Float)


class Feature(BBoxMixin, Base):
    """A record of a thematic layer: its geometry and static attributes."""

    __tablename__ = "features"
    __table_args__ = (
        UniqueConstraint("layer_id", "record_id", name="uq_feature_layer_record"),
        # A layer's positions in id order (point_index); new records go to its end (0012).
        Index("ix_feature_layer_xy", "layer_id", "id", "x", "y"),
        # Covers the join from valid states to a record's areas and position (progress, clusters).
        Index("ix_feature_areas", "id", "commune_code", "district_code", "x", "y"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No index of its own: the unique key and ix_feature_layer_xy start with it (migration 0008).
    layer_id: Mapped[str] = mapped_column(String(30))
    record_id: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    name_ascii: Mapped[str] = mapped_column(String(200), index=True)
    geom_type: Mapped[str] = mapped_column(String(20))
    # A point inside the geometry; it decides which areas the record belongs to.
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    commune_code: Mapped[str | None] = mapped_column(String(10), index=True, nullable=True)
    district_code: Mapped[str | None] = mapped_column(String(10), index=True, nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Optimistic locking: every change bumps it; an edit based on an older version gets 409.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Soft delete: a deleted record disappears from maps and counts but can be restored.
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    deleted_by: Mapped[str | None] = mapped_column(String(80), nullable=True)

    states: Mapped[list[FeatureState]] = relationship(
        # A state replaced on its own day sorts before its successor (same date, lower id).
        back_populates="feature", order_by="[FeatureState.valid_from, FeatureState.id]"
    )


class FeatureState(Base):
    """One dated status/progress of a feature; the state as of a date is the row valid then."""

    __tablename__ = "feature_states"
    __table_args__ = (
        # Covering index of "states valid on a date" (see progress.states_on); keyed by feature
        # before valid_from so that new records' states go to its end (migration 0012).
        Index(
            "ix_state_layer_valid",
            "layer_id", "valid_to", "feature_id", "valid_from", "status", "progress",
        ),
        # A record's state on a date, from the index alone (a view checks each record).
        Index("ix_state_feature_period", "feature_id", "valid_from", "valid_to", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feature_id: Mapped[int] = mapped_column(ForeignKey("features.id"))
    layer_id: Mapped[str] = mapped_column(String(30))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(40))
    progress: Mapped[float | None] = mapped_column(Float, nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    author: Mapped[str] = mapped_column(String(80), default="system")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    feature: Mapped[Feature] = relationship(back_populates="states")


class AuditEvent(Base):
    """Who did what, when: sign-ins, edits, imports, restricted exports, account changes."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_at", "at"), Index("ix_audit_action", "action", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(40))
    layer_id: Mapped[str | None] = mapped_column(String(30), nullable=True)
    feature_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    record_id: Mapped[str | None] = mapped_column(String(60), nullable=True)
    commune_code: Mapped[str | None] = mapped_column(String(10), nullable=True)
    district_code: Mapped[str | None] = mapped_column(String(10), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    # Before/after values of an edit (restricted values included: the log is admin-only).
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reverted_by: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Photo(Base):
    """A photo attached to a record; stored in the database so it follows its transaction."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feature_id: Mapped[int] = mapped_column(ForeignKey("features.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    thumbnail: Mapped[bytes] = mapped_column(LargeBinary)
    caption: Mapped[str] = mapped_column(Text, default="")
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class Target(Base):
    """How many units of a layer an area must complete by a deadline."""

    __tablename__ = "targets"
    __table_args__ = (
        UniqueConstraint("layer_id", "level", "area_code", "year", name="uq_target"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    layer_id: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(20))
    area_code: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    target: Mapped[float] = mapped_column(Float)
    deadline: Mapped[dt.date] = mapped_column(Date)
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)


class ChangeLogEntry(Base):
    """A record whose area, status or progress may have changed, in commit order.

    Written at the commit of every write (``portal.store.change_log``); each process's area
    index reads the entries past its watermark to catch up. ``feature_id`` NULL: reload the
    whole layer; ``layer_id`` NULL too: reload every layer.
    """

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    layer_id: Mapped[str | None] = mapped_column(String(30), nullable=True)
    feature_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Meta(Base):
    """Key/value facts about the store: data version, boundary source, seed date."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
