"""The plan's year targets (Resolution 69/NQ-HĐND) and their dated reported values.

Not the ``targets`` table (how many records of a layer each area must complete): these are the
province's economic, social and environmental targets of the year. A target is reported
(``plan_target_values`` rows typed in or imported, province-wide or per area) or computed from
a layer (``computed`` names the rule of ``portal.services.plan_computed``; no value row is ever
stored for it). Values are never overwritten: each row is dated and the board reads them "as of"
a day.
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
    String,
    Text,
    delete,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.store.models import Base, utcnow

DIRECTIONS = ("at_least", "at_most", "exactly")
PROVENANCES = ("official", "estimate", "illustrative")


class PlanTarget(Base):
    """One year target of the plan: what is measured, how far, from where, by whom."""

    __tablename__ = "plan_targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    unit: Mapped[str] = mapped_column(String(40), default="")
    #: ``at_least``, ``at_most`` or ``exactly``.
    direction: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    target_value: Mapped[float] = mapped_column(Float)
    baseline_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    baseline_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    department: Mapped[str] = mapped_column(String(200), default="")
    #: ``[{"date": "2025-06-30", "value": 4.0}, ...]``, oldest first.
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: The computing rule's key (``portal.services.plan_computed.RULES``), None when reported.
    computed: Mapped[str | None] = mapped_column(String(40), nullable=True)
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(80), default="")

    def name(self, locale: str) -> str:
        """Return the name in ``locale`` (Vietnamese when the English one is empty)."""
        return self.name_en if locale == "en" and self.name_en else self.name_vi


class PlanTargetValue(Base):
    """One reported value of a target on a date: province-wide or for one area."""

    __tablename__ = "plan_target_values"
    __table_args__ = (Index("ix_plan_target_values_target_date", "target_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("plan_targets.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text, default="")
    #: ``official``, ``estimate`` or ``illustrative``.
    provenance: Mapped[str] = mapped_column(String(20))
    #: None for the whole province; else ``commune`` or ``district`` and the area's code.
    level: Mapped[str | None] = mapped_column(String(20), nullable=True)
    area_code: Mapped[str | None] = mapped_column(String(10), nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(80), default="")


def all_targets(session: Session) -> list[PlanTarget]:
    """Return every target, in the board's order."""
    return list(session.scalars(select(PlanTarget).order_by(PlanTarget.position, PlanTarget.id)))


def get_target(session: Session, code: str) -> PlanTarget | None:
    """Return the target of ``code``, or None."""
    return session.scalar(select(PlanTarget).where(PlanTarget.code == code))


def target_codes(session: Session) -> dict[str, PlanTarget]:
    """Return every target by code."""
    return {t.code: t for t in all_targets(session)}


def values_of(
    session: Session, target_id: int, as_of: dt.date, area: tuple[str, str] | None = None,
    *, every_area: bool = False,
) -> list[PlanTargetValue]:  # fmt: skip
    """Return a target's values dated on or before ``as_of``, oldest first.

    Province-wide values by default; ``area=(level, code)`` one area's; ``every_area`` the
    values of every area (not the province's).
    """
    query = select(PlanTargetValue).where(
        PlanTargetValue.target_id == target_id, PlanTargetValue.date <= as_of
    )
    if every_area:
        query = query.where(PlanTargetValue.area_code.is_not(None))
    elif area is None:
        query = query.where(PlanTargetValue.area_code.is_(None))
    else:
        query = query.where(
            PlanTargetValue.level == area[0], PlanTargetValue.area_code == area[1]
        )
    return list(session.scalars(query.order_by(PlanTargetValue.date, PlanTargetValue.id)))


def add_target(session: Session, **fields: Any) -> PlanTarget:
    """Add one target (flushed, with an id)."""
    if "position" not in fields:
        last = session.scalar(select(PlanTarget.position).order_by(PlanTarget.position.desc()))
        fields["position"] = (last or 0) + 1
    target = PlanTarget(**fields)
    session.add(target)
    session.flush()
    return target


def add_value(session: Session, target: PlanTarget, **fields: Any) -> PlanTargetValue:
    """Add one reported value of ``target`` (flushed, with an id)."""
    row = PlanTargetValue(target_id=target.id, **fields)
    session.add(row)
    session.flush()
    return row


def delete_illustrative_targets(session: Session) -> None:
    """Remove every illustrative target with all its values, and every illustrative value."""
    ids = select(PlanTarget.id).where(PlanTarget.illustrative.is_(True))
    session.execute(delete(PlanTargetValue).where(PlanTargetValue.target_id.in_(ids)))
    session.execute(delete(PlanTargetValue).where(PlanTargetValue.provenance == "illustrative"))
    session.execute(delete(PlanTarget).where(PlanTarget.illustrative.is_(True)))
