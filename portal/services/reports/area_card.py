"""What an area's page and its printed report card both show, for one reader on one day.

The area page (``portal.views.maps.area_page``) and the card (``portal.web.report_cards``) both
read an area through here, so the personal-data rule is written once: household records (a
layer with ``records_public=False``) are listed only to their readers (``restricted_scope``,
each record checked with ``can_read_restricted``); anyone else gets the counts of
``disclosure.shown_progress`` with small numbers hidden. The ids of the personal records a
reader was given are returned so the caller writes them to the audit log.

`CardSource` holds what every card of one batch shares (one level's progress per layer, each
layer's changes between the two dates, the plan's targets), so the 65 communes read each once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from geodata.old_names import predecessors
from layers import CATALOGUE
from layers.base import LayerSpec
from portal.services.access import can_read_restricted, restricted_scope
from portal.services.disclosure import ShownProgress, shown_progress
from portal.services.plan_targets import TargetReport, target_report
from portal.store import features as feature_store
from portal.store import queries
from portal.store.changes import CLASSES, RecordChange, record_changes
from portal.store.models import Area
from portal.store.plan_targets import all_targets
from portal.store.progress import area_progress

#: Records listed per layer on the area page; the card lists the lagging ones only.
PAGE_RECORDS = 200
#: Lagging records a card lists per layer (the longest waiting first).
CARD_LAGGING = 8
#: Changed records a card names per layer (the rest are counted).
CARD_CHANGES = 6
#: Records drawn on a card's map per layer.
MAP_RECORDS = 3000

ProgressOf = Callable[[LayerSpec], Sequence[Any]]


@dataclass(frozen=True)
class Reader:
    """Who a card is made for, as plain values.

    A batch thread or the command line has no signed-in user; the access rules read ``role``,
    ``areas`` and the two flags.
    """

    role: str | None
    areas: tuple[str, ...] = ()
    username: str | None = None
    is_authenticated: bool = True
    is_active: bool = True

    @classmethod
    def of(cls, user: Any) -> Reader:
        """Return the plain reader of ``user`` (``current_user``; anonymous: no role)."""
        if not getattr(user, "is_authenticated", False):
            return cls(None, is_authenticated=False, is_active=False)
        return cls(user.role, tuple(user.areas or ()), user.username)


@dataclass
class AreaRecords:
    """The records of an area a reader may see, per layer, and the personal ones among them."""

    by_layer: dict[str, list] = field(default_factory=dict)
    personal_ids: dict[str, list[int]] = field(default_factory=dict)


def _reader_filter(user: Any, layer: LayerSpec) -> tuple[str, ...] | None:
    """Return the area codes the reader is limited to in ``layer`` (None: no record at all)."""
    return () if layer.records_public else restricted_scope(user, layer.id)


def _readable(user: Any, layer: LayerSpec, rows: Sequence[Any]) -> list:
    if layer.records_public:
        return list(rows)
    return [r for r in rows
            if can_read_restricted(user, layer.id, (r.commune_code, r.district_code))]


def area_records(session: Session, user: Any, level: str, code: str, as_of: dt.date,
                 limit: int | None = PAGE_RECORDS) -> AreaRecords:  # fmt: skip
    """Return the records of one area ``user`` may see (personal ones only for their readers)."""
    found = AreaRecords()
    for layer in CATALOGUE:
        scope = _reader_filter(user, layer)
        if scope is None:
            continue
        rows = _readable(user, layer, feature_store.read_features(
            session, layer.id, as_of, area=None if level == "province" else (level, code),
            limit=limit, areas=scope))
        if not layer.records_public:
            found.personal_ids[layer.id] = [r.id for r in rows]
        found.by_layer[layer.id] = rows
    return found


def area_progress_rows(progress_of: ProgressOf, user: Any,
                       code: str) -> list[tuple[LayerSpec, ShownProgress | None]]:  # fmt: skip
    """Return each layer with the area's progress row as ``user`` may see it (None: nothing)."""
    result = []
    for layer in CATALOGUE:
        rows = {r.code: r for r in shown_progress(layer, progress_of(layer), user)}
        result.append((layer, rows.get(code)))
    return result


@dataclass
class LayerChanges:
    """One layer's records of an area per class of change, and the ones named."""

    layer: LayerSpec
    counts: dict[str, int]
    named: list[RecordChange]
    hidden: bool = False


@dataclass
class AreaCard:
    """Everything one printed card shows of an area, as one reader may see it."""

    area: Area
    level: str
    as_of: dt.date
    since: dt.date | None
    old_units: list
    progress: list[tuple[LayerSpec, ShownProgress | None]]
    lagging: list[tuple[LayerSpec, list]]
    lagging_hidden: list[LayerSpec]
    changes: list[LayerChanges]
    targets: list[TargetReport]
    records: AreaRecords
    approximate_boundary: bool
    approximate_level: bool
    illustrative_layers: set[str]

    @property
    def illustrative(self) -> bool:
        """Tell whether anything on the card comes from illustrative (invented) data."""
        return bool(self.illustrative_layers) or any(
            t.target.illustrative or t.provenance == "illustrative" for t in self.targets)


class CardSource:
    """What the cards of one store, day and pair of dates share; read once, kept per batch."""

    def __init__(self, session: Session, as_of: dt.date, since: dt.date | None = None,
                 progress_of: Callable[[LayerSpec, str], Sequence[Any]] | None = None,
                 whole_layers: bool = False) -> None:
        self.session, self.as_of, self.since = session, as_of, since
        self.whole_layers = whole_layers
        self._progress_of = progress_of
        self._progress: dict[tuple[str, str], Sequence[Any]] = {}
        self._changes: dict[str, list[RecordChange]] = {}
        self._targets: list | None = None
        self.illustrative = queries.illustrative_layers(session)
        self.provenance = queries.boundary_provenance(session)

    def progress(self, layer: LayerSpec, level: str) -> Sequence[Any]:
        """Return one level's progress rows of ``layer`` (read once)."""
        key = (layer.id, level)
        if key not in self._progress:
            self._progress[key] = (
                self._progress_of(layer, level) if self._progress_of
                else area_progress(self.session, layer, level, self.as_of))
        return self._progress[key]

    def changes(self, layer: LayerSpec, level: str, code: str) -> list[RecordChange]:
        """Return the records of ``layer`` in an area that changed between ``since`` and the day.

        A batch (``whole_layers``) reads each layer's changes once for every area; one card
        reads its area's only.
        """
        if self.since is None:
            return []
        if not self.whole_layers:
            return record_changes(self.session, layer, self.since, self.as_of, (level, code))
        if layer.id not in self._changes:
            self._changes[layer.id] = record_changes(self.session, layer, self.since, self.as_of)
        return [c for c in self._changes[layer.id] if _in_area(c, level, code)]

    def targets(self) -> list:
        """Return the plan's targets (read once)."""
        if self._targets is None:
            self._targets = all_targets(self.session)
        return self._targets


def _in_area(change: RecordChange, level: str, code: str) -> bool:
    if level == "province":
        return True
    return (change.commune_code if level == "commune" else change.district_code) == code


def _changes(source: CardSource, user: Any, level: str, code: str) -> list[LayerChanges]:
    result = []
    for layer in CATALOGUE:
        here = source.changes(layer, level, code)
        counts = {c: sum(1 for r in here if r.change == c) for c in CLASSES}
        if layer.records_public:
            named = [r for r in here if r.change in ("advanced", "regressed", "new", "removed")]
            result.append(LayerChanges(layer, counts, named[:CARD_CHANGES]))
        elif restricted_scope(user, layer.id) is None or not can_read_restricted(
                user, layer.id, (code,) if level != "province" else ()):
            # Counts per class of a personal layer give small numbers back: left out.
            result.append(LayerChanges(layer, {}, [], hidden=True))
        else:
            named = [r for r in here if r.change in ("advanced", "regressed", "new", "removed")
                     and can_read_restricted(user, layer.id, (r.commune_code, r.district_code))]
            result.append(LayerChanges(layer, counts, named[:CARD_CHANGES]))
    return result


def _lagging(session: Session, user: Any, level: str, code: str, as_of: dt.date):
    lagging, hidden = [], []
    for layer in CATALOGUE:
        scope = _reader_filter(user, layer)
        if scope is None:
            hidden.append(layer)
            continue
        to_do = [s.id for s in layer.statuses if not s.done and s.id != "cancelled"]
        area = None if level == "province" else (level, code)
        rows = feature_store.longest_waiting(session, layer.id, as_of, to_do,
                                             CARD_LAGGING * 4 if scope else CARD_LAGGING, area)
        rows = _readable(user, layer, rows)[:CARD_LAGGING]
        if rows:
            lagging.append((layer, rows))
    return lagging, hidden


def _targets(source: CardSource, user: Any, level: str, code: str) -> list[TargetReport]:
    found = []
    for target in source.targets():
        area = None if level == "province" else (level, code)
        report = target_report(source.session, target, source.as_of, area)
        if report.latest is None:
            continue
        if report.rule is not None and report.rule.personal and not can_read_restricted(
                user, report.rule.layer_id, (code,) if area else ()):
            continue  # a household count per area: only for the households' readers
        found.append(report)
    return found


def gather_card(source: CardSource, user: Any, level: str, code: str) -> AreaCard | None:
    """Return the card of one area as ``user`` may read it; None when no such area is stored."""
    session = source.session
    area = queries.get_area(session, level, code)
    if area is None:
        return None
    lagging, lagging_hidden = _lagging(session, user, level, code, source.as_of)
    records = area_records(session, user, level, code, source.as_of, MAP_RECORDS)
    return AreaCard(
        area=area, level=level, as_of=source.as_of, since=source.since,
        old_units=predecessors(code) if level == "commune" else [],
        progress=area_progress_rows(lambda lay: source.progress(lay, level), user, code),
        lagging=lagging, lagging_hidden=lagging_hidden,
        changes=_changes(source, user, level, code),
        targets=_targets(source, user, level, code),
        records=records,
        approximate_boundary=area.provenance == "approximate",
        approximate_level=source.provenance.get(level) in ("approximate", "mixed"),
        illustrative_layers=source.illustrative,
    )
