"""What changed between two dates, as the signed-in user may see it (page and API alike).

Counts per class and per area are public for every layer; record by record lists reach the
public only for layers whose records are public. Personal records (housing) are listed only to
users who may read them, each record checked against the user's role and areas.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from layers.base import LayerSpec
from portal.services.access import can_read_restricted
from portal.services.disclosure import shown_progress
from portal.store import changes as change_store
from portal.store.progress import area_progress
from portal.web.audit_log import personal_read
from portal.web.database import get_session
from portal.web.errors import BadRequest
from portal.web.params import parse_date

#: Span shown when the request gives no ``since``.
DEFAULT_SPAN = dt.timedelta(days=30)


def requested_dates() -> tuple[dt.date, dt.date]:
    """Return the request's ``since`` and ``until`` (``since`` defaults to 30 days before)."""
    until = parse_date(request.args.get("until"), field="until")
    since_arg = request.args.get("since")
    since = parse_date(since_arg, field="since") if since_arg else until - DEFAULT_SPAN
    if since > until:
        raise BadRequest(_("The start date must be on or before the end date."), field="since")
    return since, until


def _listed(layer: LayerSpec, change: change_store.RecordChange) -> bool:
    """Tell whether the current user may see this record in a list."""
    if layer.records_public:
        return True
    return can_read_restricted(current_user, layer.id, (change.commune_code, change.district_code))


def _areas(
    layer: LayerSpec, level: str, since: dt.date, until: dt.date, records: list
) -> list[change_store.AreaChange]:
    """Return per-area changes as the current user may see them.

    For a personal-data layer, percents come with small numbers hidden as on /api/progress
    (``disclosure.shown_progress``), and the counts per class of the areas whose records the user
    may not read are left out.
    """
    session = get_session()
    before = area_progress(session, layer, level, since)
    after = area_progress(session, layer, level, until)
    if layer.records_public:
        return change_store.area_changes(layer.id, level, before, after, records)
    areas = change_store.area_changes(
        layer.id, level, shown_progress(layer, before, current_user),
        shown_progress(layer, after, current_user), records
    )
    return [
        area
        if can_read_restricted(current_user, layer.id, (area.code,))
        else replace(area, counts={}, counts_hidden=True)
        for area in areas
    ]


def layer_changes(
    layer: LayerSpec, level: str, since: dt.date, until: dt.date
) -> dict[str, Any]:
    """Return one layer's counts, visible records and per-area changes."""
    records = change_store.record_changes(get_session(), layer, since, until)
    visible = [
        r for r in records if r.change in change_store.LISTED_CLASSES and _listed(layer, r)
    ]
    if not layer.records_public:  # personal records shown: every such read is logged
        personal_read(layer.id, [r.id for r in visible], "changes", since=since.isoformat(),
                      until=until.isoformat())
    return {
        "layer": layer,
        "counts": change_store.class_counts(records),
        "records": visible,
        "records_hidden": sum(
            1 for r in records if r.change in change_store.LISTED_CLASSES and not _listed(layer, r)
        ),
        "areas": _areas(layer, level, since, until, records),
    }


def total_counts(parts: list[dict[str, Any]]) -> dict[str, int]:
    """Return the counts per class over several layers' parts."""
    return {c: sum(p["counts"][c] for p in parts) for c in change_store.CLASSES}
