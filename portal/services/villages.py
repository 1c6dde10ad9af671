"""The telecom page's list of the villages still without mobile signal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from layers.base import LayerSpec


def _choice_label(layer: LayerSpec, field: str, value: Any, locale: str) -> str:
    try:
        spec = layer.field(field)
    except KeyError:
        return str(value or "")
    for choice in spec.choices or ():
        if choice.value == value:
            return choice.label_en if locale == "en" else choice.label_vi
    return str(value or "")


def _without_commune(name: str, commune: str) -> str:
    """Drop a trailing " – <commune>" from a village's name: the list has a commune column.

    >>> _without_commune("Bản Còn Khoang – Phường Kỳ Lừa", "Phường Kỳ Lừa")
    'Bản Còn Khoang'
    """
    for dash in (" – ", " - ", ", "):
        if commune and name.endswith(dash + commune):
            return name[: -len(dash + commune)]
    return name


def villages_to_do(
    layer: LayerSpec, rows: Sequence[Any], communes: Mapping[str, str], as_of: dt.date,
    locale: str = "vi",
) -> list[dict[str, Any]]:
    """Return the villages not yet on air, the longest waiting since their last step first.

    Each: name, commune, operator, status (its milestone now), next (the milestone to reach;
    "" for a paused or cancelled village), since (date of the last step) and days (since then).
    """
    workflow = [s for s in layer.statuses if not s.halted]
    done = {s.id for s in layer.statuses if s.done}
    names = {s.id: (s.label_en if locale == "en" else s.label_vi) for s in layer.statuses}
    order = [s.id for s in workflow]
    villages = []
    for row in rows:
        if row.status in done:
            continue
        attributes = row.attributes or {}
        step = order.index(row.status) if row.status in order else None
        following = order[step + 1] if step is not None and step + 1 < len(order) else None
        commune = communes.get(row.commune_code or "", attributes.get("commune_name", ""))
        villages.append({
            "code": row.commune_code or "",
            "name": _without_commune(row.name, commune),
            "commune": commune,
            "operator": _choice_label(layer, "operator", attributes.get("operator"), locale),
            "status": row.status,
            "status_label": names.get(row.status, row.status),
            "next": names.get(following, "") if following else "",
            "since": row.valid_from,
            "days": (as_of - row.valid_from).days,
        })
    return sorted(villages, key=lambda v: (-v["days"], v["commune"], v["name"]))
