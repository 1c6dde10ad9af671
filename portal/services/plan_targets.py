"""The plan's year targets: their figures and status "as of" a day, the board, and writes.

Reported targets take their figures from ``plan_target_values`` (typed in or imported);
computed ones from their layer through ``portal.services.plan_computed`` (never typed in). The
status rule is :mod:`portal.services.plan_status` (on track / at risk / off track / no data).

``target_report`` is the seam for the printable report cards and the monthly briefing: one
target's status and history for the province or one area, as of a day, as plain values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from portal.services import audit
from portal.services.plan_computed import ComputedRule, per_area, records_behind, rule_of, value_on
from portal.services.plan_status import STATUSES, Line, judge
from portal.services.plan_target_rows import (
    RowReader,
    TargetRejected,
    check_target,
    read_target,
    read_value,
)
from portal.store import plan_targets as store
from portal.store.plan_targets import PlanTarget, PlanTargetValue
from portal.store.queries import illustrative_layers, month_ends


@dataclass(frozen=True)
class Reading:
    """One figure of a target on a date."""

    date: dt.date
    value: float
    source: str = ""
    provenance: str = "official"

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {**asdict(self), "date": self.date.isoformat()}


@dataclass
class TargetReport:
    """One target as of a day: what it is, where it stands, how it got there."""

    target: PlanTarget
    as_of: dt.date
    status: str
    latest: Reading | None
    expected: float | None
    history: list[Reading]
    line: Line | None
    rule: ComputedRule | None = None
    areas: dict[str, Reading] = field(default_factory=dict)
    area: tuple[str, str] | None = None

    @property
    def provenance(self) -> str | None:
        """Return the latest figure's provenance (the badge), None without one."""
        return self.latest.provenance if self.latest else None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the API's answer)."""
        t = self.target
        return {
            "code": t.code, "name_vi": t.name_vi, "name_en": t.name_en, "unit": t.unit,
            "direction": t.direction, "year": t.year, "target": t.target_value,
            "baseline": t.baseline_value if self.line is None else self.line.start_value,
            "baseline_date": (self.line.start_date.isoformat() if self.line else
                              t.baseline_date.isoformat() if t.baseline_date else None),
            "department": t.department, "milestones": list(t.milestones or []),
            "computed": {"rule": self.rule.key, "layer": self.rule.layer_id} if self.rule
            else None,
            "illustrative": t.illustrative, "as_of": self.as_of.isoformat(),
            "area": {"level": self.area[0], "code": self.area[1]} if self.area else None,
            "status": self.status, "value": self.latest.value if self.latest else None,
            "value_date": self.latest.date.isoformat() if self.latest else None,
            "source": self.latest.source if self.latest else None,
            "provenance": self.provenance, "expected": self.expected,
            "history": [r.as_dict() for r in self.history],
            "areas": {code: r.as_dict() for code, r in self.areas.items()},
        }  # fmt: skip


def _year_end(target: PlanTarget) -> dt.date:
    return dt.date(target.year, 12, 31)


def _start(target: PlanTarget) -> dt.date:
    return target.baseline_date or dt.date(target.year, 1, 1)


def _computed_history(session: Session, target: PlanTarget, rule: ComputedRule,
                      as_of: dt.date, provenance: str) -> list[Reading]:  # fmt: skip
    source = f"layer:{rule.layer_id}"
    days = [d for d in month_ends(_start(target), as_of) if d >= _start(target)]
    found = []
    for day in days:
        value = value_on(session, rule, day)
        if value is not None:
            found.append(Reading(day, value, source, provenance))
    return found


def _reported(rows: list[PlanTargetValue]) -> list[Reading]:
    return [Reading(r.date, r.value, r.source, r.provenance) for r in rows]


def _line(target: PlanTarget, history: list[Reading], computed_start: float | None) -> Line | None:
    start_value, start_date = target.baseline_value, _start(target)
    if start_value is None and computed_start is not None:
        start_value = computed_start
    if start_value is None:
        if not history:
            return None
        start_value, start_date = history[0].value, history[0].date
    milestones = tuple((dt.date.fromisoformat(m["date"]), float(m["value"]))
                       for m in (target.milestones or []))  # fmt: skip
    return Line(start_value, start_date, target.target_value, _year_end(target),
                target.direction, milestones)  # fmt: skip


def target_report(
    session: Session, target: PlanTarget, as_of: dt.date, area: tuple[str, str] | None = None,
    *, with_areas: bool = False,
) -> TargetReport:  # fmt: skip
    """Return one target's status and history as of ``as_of``, province-wide or for ``area``.

    ``area=(level, code)`` reads that area's reported values (a computed target: its layer's
    figure in the area, for ``left`` rules). ``with_areas`` adds the latest figure of each area
    (the per-area map).
    """
    rule = rule_of(target.computed)
    computed_start = None
    if rule is not None:
        provenance = "illustrative" if rule.layer_id in illustrative_layers(session) else "official"
        if area is None:
            history = _computed_history(session, target, rule, as_of, provenance)
            now = value_on(session, rule, as_of)
            if now is not None and (not history or history[-1].date != as_of):
                history.append(Reading(as_of, now, f"layer:{rule.layer_id}", provenance))
            if target.baseline_value is None and target.baseline_date:
                computed_start = value_on(session, rule, target.baseline_date)
        else:
            now = per_area(session, rule, as_of, area[0]).get(area[1])
            history = [] if now is None else [
                Reading(as_of, now, f"layer:{rule.layer_id}", provenance)]
    else:
        history = _reported(store.values_of(session, target.id, as_of, area))
    latest = history[-1] if history else None
    line = _line(target, history, computed_start)
    status = judge(line, latest.value, latest.date) if line and latest else "no_data"
    expected = round(line.expected(latest.date), 2) if line and latest else None
    areas = _area_figures(session, target, rule, as_of) if with_areas else {}
    return TargetReport(target, as_of, status, latest, expected, history, line, rule, areas, area)


def _area_figures(session: Session, target: PlanTarget, rule: ComputedRule | None,
                  as_of: dt.date) -> dict[str, Reading]:  # fmt: skip
    if rule is not None:
        if rule.personal:  # household counts per commune: the planning page's disclosure rules
            return {}
        return {code: Reading(as_of, value, f"layer:{rule.layer_id}")
                for code, value in per_area(session, rule, as_of).items()}  # fmt: skip
    latest: dict[str, Reading] = {}
    for row in store.values_of(session, target.id, as_of, every_area=True):
        latest[row.area_code] = Reading(row.date, row.value, row.source, row.provenance)
    return latest


def board(session: Session, as_of: dt.date) -> tuple[list[TargetReport], dict[str, int]]:
    """Return every target's report as of ``as_of`` and how many are in each status."""
    reports = [target_report(session, t, as_of) for t in store.all_targets(session)]
    counts = dict.fromkeys(STATUSES, 0)
    for report in reports:
        counts[report.status] += 1
    return reports, counts


def get_report(session: Session, code: str, as_of: dt.date) -> TargetReport | None:
    """Return the report of the target ``code`` with its per-area figures, None if unknown."""
    target = store.get_target(session, code)
    return None if target is None else target_report(session, target, as_of, with_areas=True)


def behind_records(session: Session, report: TargetReport) -> list[dict[str, Any]]:
    """Return the layer records behind a computed target (none for personal data)."""
    return records_behind(session, report.rule, report.as_of) if report.rule else []


# --- writes ----------------------------------------------------------------------------------

_TARGET_FIELDS = ("name_vi", "name_en", "unit", "direction", "year", "target_value",
                  "baseline_value", "baseline_date", "department", "milestones", "computed")


def _snapshot(target: PlanTarget) -> dict[str, Any]:
    return {name: getattr(target, name) for name in ("code", *_TARGET_FIELDS)}


def write_target(session: Session, fields: dict[str, Any], actor: str,
                 existing: PlanTarget | None = None) -> PlanTarget:  # fmt: skip
    """Create a target or change ``existing`` from checked ``fields`` (no audit event)."""
    if existing is None:
        return store.add_target(session, code=fields["code"], updated_by=actor,
                                illustrative=False,
                                **{k: fields[k] for k in _TARGET_FIELDS})  # fmt: skip
    for name in _TARGET_FIELDS:
        setattr(existing, name, fields[name])
    existing.updated_by = actor
    existing.updated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    session.flush()
    return existing


def save_target_form(session: Session, cells: dict[str, str], actor: str,
                     code: str | None = None) -> PlanTarget:  # fmt: skip
    """Check a target form and save it with one audit event; ``code``: the target edited.

    Raises ``TargetRejected`` (every problem, by form field) and writes nothing then.
    """
    existing = store.get_target(session, code) if code else None
    if code:
        cells = {**cells, "code": code}
    reader = RowReader(cells, None, {})
    fields = read_target(reader)
    check_target(fields, reader)
    if existing is None and fields["code"] and store.get_target(session, fields["code"]):
        reader.bad("code", f"A target with the code {fields['code']!r} exists already.",
                   f"Đã có chỉ tiêu mã «{fields['code']}».")  # fmt: skip
    if reader.problems:
        raise TargetRejected(reader.problems)
    before = _snapshot(existing) if existing else None
    target = write_target(session, fields, actor, existing)
    audit.record(session, "target_save", actor=actor,
                 detail={"code": target.code, "before": before, "after": _snapshot(target)})
    return target


def add_value_form(session: Session, code: str, cells: dict[str, str], actor: str,
                   area_exists) -> PlanTargetValue:  # fmt: skip
    """Check one reported value typed in a form and add it with one audit event."""
    reader = RowReader({**cells, "code": code}, None, {})
    fields = read_value(reader, store.target_codes(session), area_exists)
    if reader.problems:
        raise TargetRejected(reader.problems)
    target = store.get_target(session, code)
    row = store.add_value(session, target, recorded_by=actor,
                          **{k: fields[k] for k in ("date", "value", "source", "provenance",
                                                    "level", "area_code")})  # fmt: skip
    audit.record(session, "target_value", actor=actor, detail={"code": code, **fields})
    return row
