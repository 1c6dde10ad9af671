"""The monthly briefing's figures: the board, the lagging areas, what changed, the data notes.

Plain values for the printed briefing (``/reports/briefing.pdf``), no Flask: the route renders
them with its template and ``portal.services.reports.pdf``. The briefing goes to a meeting, so
a personal-data layer (households) appears as counts only: its records are never listed, and
no record of it is named anywhere.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from layers import CATALOGUE
from layers.base import LayerSpec
from portal.services.plan_targets import TargetReport, board
from portal.store import changes as change_store
from portal.store.features import area_names
from portal.store.progress import AreaProgress, area_progress
from portal.store.queries import boundary_provenance, illustrative_layers

#: Areas listed per layer and level on the lagging page; records per class on the changes page.
LAGGING_SHOWN = 3
NOTABLE_SHOWN = 2
#: The classes the briefing counts (``unchanged``: done records, and ``removed`` stay out).
COUNTED = ("advanced", "stalled", "regressed", "new")

Board = tuple[list[TargetReport], dict[str, int]]


def month_before(day: dt.date) -> dt.date:
    """Return the same day one month earlier (the month's last day when it has no such day).

    >>> month_before(dt.date(2025, 11, 30)), month_before(dt.date(2025, 3, 31))
    (datetime.date(2025, 10, 30), datetime.date(2025, 2, 28))
    >>> month_before(dt.date(2025, 1, 15))
    datetime.date(2024, 12, 15)
    """
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    for candidate in range(day.day, 27, -1):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    return dt.date(year, month, min(day.day, 28))


@dataclass(frozen=True)
class LaggingArea:
    """One area behind the straight line: its figures on the briefing's date."""

    code: str
    name: str
    done: float
    target: float
    percent: float
    expected: float
    gap: float
    paused: int


@dataclass
class LayerLagging:
    """A layer's areas furthest behind, by level, and how many lag in all."""

    layer: LayerSpec
    percent: float | None
    expected: float
    districts: list[LaggingArea]
    communes: list[LaggingArea]
    lagging_districts: int
    lagging_communes: int
    district_total: int
    commune_total: int


@dataclass(frozen=True)
class NotableRecord:
    """A record of a public layer that moved (or did not) since the last briefing."""

    name: str
    commune: str
    status_before: str
    status_after: str
    progress_before: float | None
    progress_after: float | None


@dataclass
class LayerChanges:
    """A layer's records per class since ``since``, per district, and the notable ones."""

    layer: LayerSpec
    counts: dict[str, int]
    districts: list[tuple[str, dict[str, int]]]
    notable: dict[str, list[NotableRecord]] = field(default_factory=dict)

    @property
    def personal(self) -> bool:
        """Tell whether the layer's records are personal data (counted, never listed)."""
        return not self.layer.records_public


@dataclass
class TargetMove:
    """A target whose status changed between the two dates."""

    report: TargetReport
    before: str


@dataclass
class Briefing:
    """Everything the monthly briefing prints."""

    as_of: dt.date
    since: dt.date
    reports: list[TargetReport]
    counts: dict[str, int]
    counts_before: dict[str, int]
    moves: list[TargetMove]
    lagging: list[LayerLagging]
    changes: list[LayerChanges]
    totals: dict[str, int]
    district_totals: list[tuple[str, dict[str, int]]]
    illustrative_layers: list[LayerSpec]
    boundaries: dict[str, str]
    sources: list[tuple[str, str]]

    @property
    def total(self) -> int:
        """Return how many targets the board holds."""
        return len(self.reports)

    @property
    def lagging_communes(self) -> int:
        """Return the lagging communes summed over the layers."""
        return sum(item.lagging_communes for item in self.lagging)

    @property
    def illustrative_targets(self) -> int:
        """Return how many targets are illustrative (demo) or carry an illustrative figure."""
        return sum(1 for r in self.reports
                   if r.target.illustrative or r.provenance == "illustrative")  # fmt: skip


def _behind(row: AreaProgress, paused_id: str | None) -> LaggingArea:
    percent = row.percent or 0.0
    return LaggingArea(row.code, row.name, row.done, row.target, percent, row.expected_percent,
                       round(row.expected_percent - percent, 1),
                       row.status_counts.get(paused_id, 0) if paused_id else 0)  # fmt: skip


def _furthest(rows: list[AreaProgress], layer: LayerSpec) -> tuple[list[LaggingArea], int]:
    lagging = [r for r in rows if r.lagging and r.percent is not None]
    ranked = sorted((_behind(r, layer.generic_statuses.get("paused")) for r in lagging),
                    key=lambda a: (-a.gap, a.name))  # fmt: skip
    return ranked[:LAGGING_SHOWN], len(lagging)


def layer_lagging(layer: LayerSpec, province: list[AreaProgress], districts: list[AreaProgress],
                  communes: list[AreaProgress], as_of: dt.date) -> LayerLagging:  # fmt: skip
    """Return a layer's lagging districts and communes, furthest behind first."""
    top_districts, n_districts = _furthest(districts, layer)
    top_communes, n_communes = _furthest(communes, layer)
    whole = province[0] if province else None
    expected = whole.expected_percent if whole else 0.0
    return LayerLagging(
        layer, whole.percent if whole else None, expected, top_districts, top_communes,
        n_districts, n_communes, sum(1 for r in districts if r.percent is not None),
        sum(1 for r in communes if r.percent is not None),
    )  # fmt: skip


def _status_word(layer: LayerSpec, status: str | None, locale: str) -> str:
    if status is None:
        return "–"
    for spec in layer.statuses:
        if spec.id == status:
            return spec.label_en if locale == "en" else spec.label_vi
    return status


def _notable(layer: LayerSpec, records: list[change_store.RecordChange],
             communes: dict[str, str], locale: str) -> dict[str, list[NotableRecord]]:  # fmt: skip
    """Return the records worth naming per class (none of a personal-data layer)."""
    if not layer.records_public:
        return {}
    picked: dict[str, list[NotableRecord]] = {}
    for change in ("advanced", "regressed"):
        moved = [r for r in records if r.change == change]
        moved.sort(key=lambda r: -abs((r.progress_after or 0.0) - (r.progress_before or 0.0)))
        picked[change] = [
            NotableRecord(r.name, communes.get(r.commune_code or "", r.commune_code or ""),
                          _status_word(layer, r.status_before, locale),
                          _status_word(layer, r.status_after, locale), r.progress_before,
                          r.progress_after)
            for r in moved[:NOTABLE_SHOWN]
        ]  # fmt: skip
    return {change: rows for change, rows in picked.items() if rows}


def _by_district(records: list[change_store.RecordChange]) -> dict[str | None, Counter]:
    tally: dict[str | None, Counter] = {}
    for r in records:
        tally.setdefault(r.district_code, Counter())[r.change] += 1
    return tally


def _district_rows(tally: dict[str | None, Counter],
                   districts: dict[str, str]) -> list[tuple[str, dict[str, int]]]:  # fmt: skip
    rows = [(districts.get(code or "", code or "–"), {c: counts.get(c, 0) for c in COUNTED})
            for code, counts in tally.items()]  # fmt: skip
    rows = [row for row in rows if any(row[1].values())]
    return sorted(rows, key=lambda row: row[0])


def _sources(reports: list[TargetReport]) -> list[tuple[str, str]]:
    """Return each reported target's latest source with its provenance, once each."""
    seen: dict[str, str] = {}
    for report in reports:
        if report.latest and report.rule is None and report.latest.source:
            seen.setdefault(report.latest.source, report.latest.provenance)
    return sorted(seen.items())


def _moves(now: list[TargetReport], before: list[TargetReport]) -> list[TargetMove]:
    earlier = {r.target.code: r.status for r in before}
    return [TargetMove(r, earlier.get(r.target.code, "no_data")) for r in now
            if earlier.get(r.target.code, "no_data") != r.status]  # fmt: skip


def build_briefing(session: Session, as_of: dt.date, since: dt.date, locale: str = "vi",
                   *, board_now: Board | None = None,
                   board_before: Board | None = None) -> Briefing:  # fmt: skip
    """Return the briefing of ``as_of`` against the last one, ``since``.

    ``board_now`` and ``board_before``: the boards of both dates when the caller keeps them
    (the web layer caches them per data version); computed here otherwise.
    """
    reports, counts = board_now or board(session, as_of)
    before_reports, counts_before = board_before or board(session, since)
    communes, districts = area_names(session, "commune"), area_names(session, "district")
    lagging, changes = [], []
    totals: Counter = Counter()
    district_tally: dict[str | None, Counter] = {}
    for layer in CATALOGUE:
        rows = {level: area_progress(session, layer, level, as_of)
                for level in ("province", "district", "commune")}  # fmt: skip
        lagging.append(layer_lagging(layer, rows["province"], rows["district"], rows["commune"],
                                     as_of))  # fmt: skip
        records = change_store.record_changes(session, layer, since, as_of)
        counted = change_store.class_counts(records)
        totals.update(counted)
        tally = _by_district(records)
        for code, counter in tally.items():
            district_tally.setdefault(code, Counter()).update(counter)
        changes.append(LayerChanges(layer, counted, _district_rows(tally, districts),
                                    _notable(layer, records, communes, locale)))  # fmt: skip
    shown_layers = illustrative_layers(session)
    return Briefing(
        as_of, since, reports, counts, counts_before, _moves(reports, before_reports), lagging,
        changes, {c: totals.get(c, 0) for c in change_store.CLASSES},
        _district_rows(district_tally, districts),
        [layer for layer in CATALOGUE if layer.id in shown_layers],
        boundary_provenance(session), _sources(reports),
    )  # fmt: skip
