"""Small-count suppression: what one reader may see of the per-area counts of a layer.

Per-area counts of a layer whose records are personal (``records_public=False``) are shown to
readers who may not see the records with every number from 1 to ``minimum - 1`` replaced by
``"<3"`` (household records are personal data, Decree 13/2023/NĐ-CP). Replacing a cell is not
enough when its row or column total is published: ``count`` minus the other statuses, or the
province minus the other communes, would give it back. So a row or column with exactly one hidden
cell hides one more (a zero when there is one, shown as ``"<3"`` too; else the smallest, shown as
``"≥3"``): the usual secondary suppression of statistical tables.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from layers.base import CountDone, LayerSpec
from portal.services.access import can_read_restricted
from portal.store.progress import AreaProgress


class Suppressed(str):
    """A hidden count as shown: ``"<3"`` (0 to 2) or ``"≥3"`` (hidden to protect another)."""

    __slots__ = ()


@dataclass(frozen=True)
class ShownProgress:
    """An area's progress as one reader may see it; hidden numbers are `Suppressed` strings."""

    code: str
    name: str
    count: int | str
    target: float | str
    done: float | str
    percent: float | None
    expected_percent: float
    lagging: bool | None
    target_source: str
    status_counts: dict[str, int | str] = field(default_factory=dict)
    suppressed: bool = False
    over_target: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["status_counts"] = dict(self.status_counts)
        return values

    @classmethod
    def unchanged(cls, row: AreaProgress) -> ShownProgress:
        """Show ``row`` as it is (a reader who may see it, or a public layer)."""
        return cls(**row.as_dict(), suppressed=False)


def _cells(row: AreaProgress, status_ids: Sequence[str]) -> dict[str, float]:
    cells: dict[str, float] = {"count": row.count, "done": row.done, "target": row.target}
    for status in status_ids:
        cells[f"status:{status}"] = row.status_counts.get(status, 0)
    return cells


def _pick(values: dict[str, float], hidden: set[str], candidates: Iterable[str], minimum: int):
    """Choose the cell to hide besides another: a small one (a zero) first, else the smallest."""
    free = [c for c in candidates if c not in hidden]
    if not free:
        return None
    return min(free, key=lambda c: (values[c] >= minimum, values[c], c))


def _row_groups(status_ids: Sequence[str], done_ids: Collection[str]) -> list[tuple]:
    """Return (margin cells, member cells): published totals and the cells adding up to them."""
    statuses = [f"status:{s}" for s in status_ids]
    groups = [(("count",), statuses)]
    if done_ids:
        groups.append((("done",), [f"status:{s}" for s in status_ids if s in done_ids]))
        groups.append((("count", "done"), [f"status:{s}" for s in status_ids if s not in done_ids]))
    return groups


def _protect_row(values, hidden: set[str], row: AreaProgress, groups, minimum: int) -> bool:
    before = len(hidden)
    if row.target_source == "records" and hidden & {"count", "target"}:
        hidden |= {"count", "target"}  # the target is the count itself
    for margins, members in groups:
        if hidden.intersection(margins) or len(hidden.intersection(members)) != 1:
            continue
        extra = _pick(values, hidden, members, minimum)
        hidden.add(extra if extra is not None else margins[0])
    return len(hidden) != before


def _protect_columns(values, hidden, rows: Sequence[int], minimum: int) -> bool:
    changed = False
    for cell in values[rows[0]] if rows else ():
        marked = [i for i in rows if cell in hidden[i]]
        if len(marked) != 1:
            continue
        # The level's total is published (the province row): hide one more area's cell.
        column = {str(i): values[i][cell] for i in rows}
        taken = {str(i) for i in marked}
        extra = _pick(column, taken, column, minimum)
        if extra is not None:
            hidden[int(extra)].add(cell)
            changed = True
    return changed


def _shown(row: AreaProgress, values, hidden: set[str], minimum: int) -> ShownProgress:
    def show(cell: str, value: float) -> Any:
        if cell not in hidden:
            return value
        return Suppressed(f"<{minimum}" if values[cell] < minimum else f"≥{minimum}")

    statuses = {s: show(f"status:{s}", n) for s, n in row.status_counts.items()}
    for cell in sorted(hidden):
        if cell.startswith("status:") and cell[7:] not in statuses:
            statuses[cell[7:]] = show(cell, 0)  # a hidden zero must not show as a missing key
    percent_hidden = bool(hidden & {"done", "target"})
    return ShownProgress(
        code=row.code,
        name=row.name,
        count=show("count", row.count),
        target=show("target", row.target),
        done=show("done", row.done),
        percent=None if percent_hidden else row.percent,
        expected_percent=row.expected_percent,
        lagging=None if percent_hidden else row.lagging,
        target_source=row.target_source,
        status_counts=statuses,
        suppressed=bool(hidden),
        over_target=None if percent_hidden else row.over_target,
    )


def suppress_small(
    rows: Sequence[AreaProgress],
    minimum: int = 3,
    *,
    statuses: Sequence[str] = (),
    done_statuses: Collection[str] = (),
    exempt: Collection[str] = (),
) -> list[ShownProgress]:
    """Hide counts from 1 to ``minimum - 1`` in one level's rows, and what would give them back.

    Parameters
    ----------
    rows
        Every area of one level, as `area_progress` returns them.
    minimum
        Smallest count shown as it is; 0 is shown unless hidden to protect another cell.
    statuses
        The layer's status ids (zero cells can then protect others); those in the rows are added.
    done_statuses
        Status ids whose counts add up to ``done`` (`CountDone` layers); empty otherwise.
    exempt
        Area codes the reader may see in full: shown unchanged, never used to protect others.
    """
    status_ids = list(dict.fromkeys([*statuses, *(s for r in rows for s in r.status_counts)]))
    values = [_cells(r, status_ids) for r in rows]
    hidden: list[set[str]] = [
        set() if r.code in exempt else {c for c, v in cells.items() if 0 < v < minimum}
        for r, cells in zip(rows, values, strict=True)
    ]
    open_rows = [i for i, r in enumerate(rows) if r.code not in exempt]
    groups = _row_groups(status_ids, set(done_statuses))
    changed = True
    while changed:  # each pass only adds hidden cells, so this ends
        changed = False
        for i in open_rows:
            changed |= _protect_row(values[i], hidden[i], rows[i], groups, minimum)
        changed |= _protect_columns(values, hidden, open_rows, minimum)
    return [
        _shown(r, v, h, minimum) if r.code not in exempt else ShownProgress.unchanged(r)
        for r, v, h in zip(rows, values, hidden, strict=True)
    ]


def read_scope(user: Any, layer: LayerSpec) -> tuple[str, ...]:
    """Return what decides ``user``'s view of a layer's counts: a cache-key part.

    ``("public",)`` for layers whose records are public, ``("all",)`` for readers of the whole
    province, ``("areas", *codes)`` for readers of some areas, ``("none",)`` for everyone else.
    """
    if layer.records_public:
        return ("public",)
    if can_read_restricted(user, layer.id, ()):
        return ("all",)
    areas = tuple(sorted(getattr(user, "areas", None) or ()))
    if areas and can_read_restricted(user, layer.id, areas):
        return ("areas", *areas)
    return ("none",)


def shown_progress(
    layer: LayerSpec, rows: Sequence[AreaProgress], user: Any, minimum: int = 3
) -> list[ShownProgress]:
    """Return one level's progress rows as ``user`` (anonymous: None) may see them."""
    if layer.records_public:
        return [ShownProgress.unchanged(r) for r in rows]
    exempt = {r.code for r in rows if can_read_restricted(user, layer.id, (r.code,))}
    done = (
        {s.id for s in layer.statuses if s.done}
        if isinstance(layer.progress_rule, CountDone)
        else set()
    )
    return suppress_small(
        rows, minimum, statuses=[s.id for s in layer.statuses], done_statuses=done, exempt=exempt
    )
