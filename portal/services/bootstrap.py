"""Preparing a store: schema, derived boundaries and illustrative demo data."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from sqlalchemy import func, select

from geodata.boundaries import BoundarySet, build_approximate_boundaries
from geodata.official_boundaries import PROVENANCE
from layers.demo import DemoDataset, build_demo
from layers.demo_targets import SOURCE, demo_plan_targets
from portal.store import loader, plan_targets
from portal.store.db import Database
from portal.store.migrate import upgrade
from portal.store.models import Area, Feature

log = logging.getLogger(__name__)


def init_schema(db: Database) -> None:
    """Create or upgrade the schema (Alembic)."""
    upgrade(db.engine)


def build_boundaries(db: Database, boundaries: BoundarySet | None = None) -> float:
    """Derive approximate boundaries and store them in one transaction; return seconds.

    ``boundaries``, when given, is a set already derived (the tests build it once per run).
    """
    started = time.perf_counter()
    if boundaries is None:
        boundaries = build_approximate_boundaries()
    with db.transaction() as session:
        loader.write_boundaries(session, boundaries)
        loader.set_meta(session, "boundaries_built_at", dt.datetime.now(dt.UTC).isoformat())
    return time.perf_counter() - started


def demo_records(demo: DemoDataset) -> list[loader.RecordRow]:
    """Turn the demo dataset into store rows, every one flagged illustrative."""
    return [
        loader.RecordRow(
            layer_id=r.layer_id,
            record_id=r.record_id,
            name=r.name,
            geometry=r.geometry,
            attributes=dict(r.attributes),
            history=[
                loader.StateRow(
                    date=s.date,
                    status=s.status,
                    progress=s.progress,
                    attributes=dict(s.attributes),
                    note=s.note,
                    author="demo",
                )
                for s in r.history
            ],
            illustrative=True,
        )
        for r in demo.records
    ]


def demo_targets(demo: DemoDataset) -> list[dict[str, Any]]:
    """Turn the demo targets into store rows, flagged illustrative."""
    return [
        {
            "layer_id": t.layer_id,
            "level": t.level,
            "area_code": t.area_code,
            "year": t.year,
            "target": t.target,
            "deadline": t.deadline,
            "illustrative": True,
        }
        for t in demo.targets
    ]


def write_demo_plan_targets(session: Any, seed: int = 2025) -> int:
    """Replace the illustrative plan targets (issue 14) with the demo's; return how many."""
    plan_targets.delete_illustrative_targets(session)
    demo = demo_plan_targets(seed)
    for position, t in enumerate(demo, start=1):
        target = plan_targets.add_target(
            session, code=t.code, name_vi=t.name_vi, name_en=t.name_en, unit=t.unit,
            direction=t.direction, year=t.year, target_value=t.target_value,
            baseline_value=t.baseline_value, baseline_date=t.baseline_date,
            department=t.department, computed=t.computed, illustrative=True, position=position,
            milestones=[{"date": d.isoformat(), "value": v} for d, v in t.milestones],
            updated_by="demo",
        )  # fmt: skip
        for day, value in t.values:
            plan_targets.add_value(session, target, date=day, value=value, source=SOURCE,
                                   provenance="illustrative", recorded_by="demo")
        for level, code, day, value in t.area_values:
            plan_targets.add_value(session, target, date=day, value=value, source=SOURCE,
                                   provenance="illustrative", level=level, area_code=code,
                                   recorded_by="demo")  # fmt: skip
    return len(demo)


def seed_demo(db: Database, seed: int = 2025) -> int:
    """Replace every illustrative record and target with freshly built demo data.

    Records are placed inside the stored pre-2025 commune cells, so that the area each one is
    assigned to by position is the commune its targets were counted for.
    """
    with db.sessions() as session:
        legacy = loader.load_areas(session, "legacy_commune")
    cells = dict(zip(legacy["code"], legacy.geometry, strict=True)) or None
    demo = build_demo(seed=seed, cells=cells)
    with db.transaction() as session:
        loader.delete_illustrative(session)
        count = loader.write_records(session, demo_records(demo))
        loader.write_targets(session, demo_targets(demo))
        write_demo_plan_targets(session, seed)
    return count


def prepare(
    db: Database, seed: bool = True, boundaries: BoundarySet | None = None
) -> dict[str, Any]:
    """Bring a store up to date: schema, then boundaries and demo data if it has none.

    A store holding official boundaries is the province's own: it gets no demo records, and
    no derived boundary of a level it lacks (`run_boundary_import` brings each level).

    ``boundaries``: a derived set to store instead of deriving one again (see
    `build_boundaries`).
    """
    report: dict[str, Any] = {}
    init_schema(db)
    with db.sessions() as session:
        has_areas = session.scalar(select(func.count(Area.id))) or 0
        has_features = session.scalar(select(func.count(Feature.id))) or 0
        has_official = session.scalar(
            select(func.count(Area.id)).where(Area.provenance == PROVENANCE)
        )
    if not has_areas:
        log.info("Deriving approximate boundaries (first start)...")
        report["boundaries_seconds"] = round(build_boundaries(db, boundaries), 1)
    if seed and not has_features and not has_official:
        log.info("Loading illustrative demo data (first start)...")
        report["demo_records"] = seed_demo(db)
    return report
