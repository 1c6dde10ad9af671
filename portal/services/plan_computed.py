"""The targets computed from the portal's own layers, never typed in: one rule per target.

A rule names its layer and how the figure is read from the records "as of" a day, through the
store's history (``portal.store.progress.states_on``):

``left``
    The layer's records not in a done status on the day (cancelled ones left out: they no longer
    need the work). Households still in temporary houses (``housing``), villages still without
    mobile signal (``signal``). Per area through ``tally_areas``.
``progress``
    The progress (percent) of the layer's records whose folded name holds ``match``: 100 when
    the record is in a done status, else its progress (0 when none is recorded); the mean when
    several records match. VSIP phase 1 (``industry``), the Hữu Nghị – Chi Lăng expressway
    (``transport``).

A figure is None when the layer has no matching record on the day (no data, never "met").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geodata.text import fold
from layers import get_layer
from portal.store.models import Feature
from portal.store.progress import states_on, tally_areas


@dataclass(frozen=True)
class ComputedRule:
    """How one target is computed from a layer."""

    key: str
    layer_id: str
    kind: str  # "left" or "progress"
    match: str = ""  # folded name fragment of the records a "progress" rule follows
    personal: bool = False  # records of personal data: counts only, never listed
    text_vi: str = ""
    text_en: str = ""


RULES: dict[str, ComputedRule] = {
    rule.key: rule
    for rule in (
        ComputedRule("housing_left", "housing", "left", personal=True,
                     text_vi="Số hộ trong lớp «Nhà ở» chưa hoàn thành vào ngày xem (không tính hộ "
                             "đã hủy).",
                     text_en="Households of the housing layer not done on the day (cancelled "
                             "ones left out)."),
        ComputedRule("signal_left", "signal", "left",
                     text_vi="Số thôn trong lớp «Sóng di động» chưa có sóng vào ngày xem.",
                     text_en="Villages of the signal layer without signal on the day."),
        ComputedRule("vsip_phase1", "industry", "progress", match="vsip",
                     text_vi="Tiến độ của khu công nghiệp VSIP (giai đoạn 1) trong lớp «Công "
                             "nghiệp»; 100 % khi hoàn thành.",
                     text_en="Progress of the VSIP park (phase 1) in the industry layer; 100 % "
                             "when completed."),
        ComputedRule("expressway", "transport", "progress", match="huu nghi – chi lang",
                     text_vi="Tiến độ của tuyến cao tốc Hữu Nghị – Chi Lăng trong lớp «Giao "
                             "thông»; 100 % khi hoàn thành.",
                     text_en="Progress of the Hữu Nghị – Chi Lăng expressway in the transport "
                             "layer; 100 % when completed."),
    )
}  # fmt: skip


def rule_of(key: str | None) -> ComputedRule | None:
    """Return the rule of ``key``, None for a reported target.

    >>> rule_of("signal_left").layer_id, rule_of(None)
    ('signal', None)
    """
    return RULES.get(key) if key else None


def _done_statuses(layer_id: str) -> set[str]:
    return {s.id for s in get_layer(layer_id).statuses if s.done}


def _cancelled(layer_id: str) -> str | None:
    return get_layer(layer_id).generic_statuses.get("cancelled")


def _matching(rule: ComputedRule, as_of: dt.date):
    state = states_on(rule.layer_id, as_of)
    query = (
        select(Feature.id, Feature.record_id, Feature.name, Feature.commune_code,
               Feature.district_code, Feature.x, Feature.y, state.c.status, state.c.progress)
        .select_from(state.join(Feature, Feature.id == state.c.feature_id))
    )  # fmt: skip
    if rule.match:
        # Dashes and spaces as the folded name holds them.
        query = query.where(Feature.name_ascii.like(f"%{fold(rule.match)}%"))
    return query


def _progress_of(status: str, progress: float | None, done: set[str]) -> float:
    return 100.0 if status in done else float(progress or 0.0)


def value_on(session: Session, rule: ComputedRule, as_of: dt.date) -> float | None:
    """Return the target's figure on ``as_of`` (None when no record of it exists then)."""
    done, cancelled = _done_statuses(rule.layer_id), _cancelled(rule.layer_id)
    if rule.kind == "left":
        state = states_on(rule.layer_id, as_of)
        rows = session.execute(select(state.c.status, func.count()).group_by(state.c.status))
        counts = dict(rows.all())
        if not counts:
            return None
        return float(sum(n for s, n in counts.items() if s not in done and s != cancelled))
    rows = session.execute(_matching(rule, as_of)).all()
    if not rows:
        return None
    return round(sum(_progress_of(r.status, r.progress, done) for r in rows) / len(rows), 1)


def per_area(
    session: Session, rule: ComputedRule, as_of: dt.date, level: str = "commune"
) -> dict[str, float]:
    """Return the figure of each area at ``level`` on ``as_of`` (``left`` rules; else empty)."""
    if rule.kind != "left":
        return {}
    done, cancelled = _done_statuses(rule.layer_id), _cancelled(rule.layer_id)
    tallies = tally_areas(session, rule.layer_id, level, as_of)
    return {
        code: float(sum(n for s, n in t.status_counts.items() if s not in done and s != cancelled))
        for code, t in tallies.items()
        if code
    }


def records_behind(
    session: Session, rule: ComputedRule, as_of: dt.date, limit: int = 200
) -> list[dict[str, Any]]:
    """Return the records a target is computed from on ``as_of`` (not done first).

    Records of personal data are never listed (``personal`` rules answer an empty list).
    """
    if rule.personal:
        return []
    done = _done_statuses(rule.layer_id)
    rows = session.execute(_matching(rule, as_of).limit(5000)).all()
    found = [
        {"id": r.id, "record_id": r.record_id, "name": r.name, "commune_code": r.commune_code,
         "status": r.status, "progress": r.progress, "done": r.status in done,
         "lon": r.x, "lat": r.y}
        for r in rows
    ]  # fmt: skip
    found.sort(key=lambda r: (r["done"], r["name"]))
    return found[:limit]
