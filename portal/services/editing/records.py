"""Editing records: create, change or move, re-status, delete and restore, each one audited.

Every function takes the caller's session (one transaction: the whole edit or nothing) and the
signed-in user, and knows nothing of HTTP. Each one

- checks ``can_edit`` for the record's layer and areas (areas found from its position, as the
  loader finds them; a move is checked at both ends) and raises ``PermissionDenied``;
- compares ``expected_version`` with the record's and raises ``EditConflict`` with both versions
  when they differ; the version is then claimed with a conditional UPDATE, so of two editors
  saving at once one gets the conflict and nothing is silently overwritten;
- keeps history: status, progress and dated attribute changes close the current ``FeatureState``
  and open a new one from the change's date; nothing is deleted (a deleted record's state is
  closed on the deletion date, so maps of later dates drop it and earlier ones keep it);
- bumps the record's ``version`` and the store's data version, and writes an ``AuditEvent``
  whose ``detail`` is ``{"before": {...}, "after": {...}}``, holding only what changed (keys
  ``name``, ``geometry`` (GeoJSON), ``attributes``, ``status``, ``progress``, ``date``,
  ``deleted``) plus ``version`` on both sides: enough to undo the change.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import shapely
from shapely.geometry import mapping

from geodata.text import fold
from layers import get_layer
from layers.base import LayerSpec
from portal.services.editing.steps import (
    audit,
    check_version,
    check_workflow,
    claim_version,
    current_state,
    editable,
    get_feature,
    last_milestone,
    last_state,
    locate,
    may_read_restricted,
    may_step_back,
    open_state,
    require_edit,
)
from portal.services.editing.values import (
    EditConflict,
    InvalidEdit,
    RecordNotFound,
    WorkflowViolation,
    check_attributes,
    check_date,
    check_geometry,
    check_name,
    check_progress,
    check_reason,
    check_record_id,
    check_status,
    effective_attributes,
    invalid,
    problem,
)
from portal.store import loader
from portal.store.models import Feature, utcnow

__all__ = [
    "EditConflict", "InvalidEdit", "RecordNotFound", "WorkflowViolation", "NewState",
    "create_feature", "update_feature", "change_status", "delete_feature", "restore_feature",
    "get_feature", "current_state", "last_state", "may_read_restricted",
]  # fmt: skip

UPDATE_KEYS = frozenset({"name", "geometry", "attributes", "date"})


@dataclass(frozen=True)
class NewState:
    """The first state of a new record: status (the layer's first when None), progress, date."""

    status: str | None = None
    progress: float | None = None
    date: dt.date | str | None = None


# --- create ----------------------------------------------------------------------------------


def _record_name(layer: LayerSpec, name: Any, values: dict[str, Any], record_id: str) -> str:
    """Return the name given, else a public required text field, else layer name and id."""
    if name not in (None, ""):
        return check_name(name)
    fallback = next((f.name for f in layer.fields if f.type == "str" and f.required and f.public),
                    None)  # fmt: skip
    if fallback and values.get(fallback):
        return check_name(values[fallback])
    return f"{layer.name_vi} – {record_id}"


def _new_record_id(session: Session, layer: LayerSpec, record_id: Any) -> str:
    chosen = check_record_id(record_id) if record_id not in (None, "") else None
    chosen = chosen or f"{layer.id}-{uuid.uuid4().hex[:10]}"
    taken = session.scalar(
        select(Feature.id).where(Feature.layer_id == layer.id, Feature.record_id == chosen)
    )
    if taken is not None:
        raise invalid("record_id", chosen, f"The record id {chosen!r} is already used",
                      f"Mã bản ghi «{chosen}» đã được dùng")  # fmt: skip
    return chosen


def create_feature(
    session: Session, layer: LayerSpec | str, geometry: shapely.Geometry,
    attributes: Mapping[str, Any], state: NewState | None, user: Any, reason: str | None,
    *, name: str | None = None, record_id: str | None = None, ip: str | None = None,
    today: dt.date | None = None,
) -> Feature:  # fmt: skip
    """Add a record of ``layer`` with its first dated state; return it (flushed, with an id).

    For layers with a workflow, editors start a record at the first milestone; admins and
    planners may enter one at any status.
    """
    layer = get_layer(layer) if isinstance(layer, str) else layer
    today = today or dt.date.today()
    geometry = check_geometry(layer, geometry)
    x, y, commune, district = locate(session, geometry)
    require_edit(user, layer, commune, district)
    values = check_attributes(layer, attributes, creating=True)
    state = state or NewState()
    status = check_status(layer, state.status) if state.status else layer.statuses[0].id
    first = layer.statuses[0]
    if layer.workflow and status != first.id and not may_step_back(user):
        raise WorkflowViolation([problem(
            "status", status, f"New records of this layer start at '{first.label_en}'",
            f"Bản ghi mới của lớp này bắt đầu từ mốc «{first.label_vi}»",
        )])  # fmt: skip
    progress = check_progress(state.progress)
    day = check_date(state.date, today)
    note = check_reason(reason, required=False)
    chosen_id = _new_record_id(session, layer, record_id)
    full = loader.jsonable({f.name: values.get(f.name) for f in layer.fields})
    bounds = geometry.bounds
    feature = Feature(
        layer_id=layer.id, record_id=chosen_id, name=_record_name(layer, name, values, chosen_id),
        geom_type=geometry.geom_type, x=x, y=y, commune_code=commune, district_code=district,
        attributes=full, illustrative=False, geom=shapely.to_wkb(geometry), minx=bounds[0],
        miny=bounds[1], maxx=bounds[2], maxy=bounds[3], version=1,
    )  # fmt: skip
    feature.name_ascii = fold(feature.name)
    session.add(feature)
    session.flush()
    open_state(session, feature, None, day, status, progress, full, user, note)
    after = {"version": 1, "name": feature.name, "geometry": mapping(geometry),
             "attributes": full, "status": status, "progress": progress,
             "date": day.isoformat()}  # fmt: skip
    audit(session, "create", feature, user, note, {}, after, ip)
    loader.bump_data_version(session)
    return feature


# --- update and move -------------------------------------------------------------------------


def _changed_values(current: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in loader.jsonable(dict(new)).items() if current.get(k) != v}


def _new_place(
    session: Session, user: Any, layer: LayerSpec, feature: Feature, value: Any
) -> tuple[shapely.Geometry, tuple[float, float, str, str | None]] | None:
    """Check a new geometry and where it lies; None when it is the same as the stored one."""
    if value is None:
        return None
    geometry = check_geometry(layer, value)
    if shapely.equals_exact(geometry, shapely.from_wkb(feature.geom), 1e-9):
        return None
    place = locate(session, geometry)
    require_edit(user, layer, place[2], place[3])  # the destination must be the editor's too
    return geometry, place


def _set_geometry(feature: Feature, geometry: shapely.Geometry, place: tuple) -> None:
    feature.geom = shapely.to_wkb(geometry)
    feature.geom_type = geometry.geom_type
    feature.minx, feature.miny, feature.maxx, feature.maxy = geometry.bounds
    feature.x, feature.y, feature.commune_code, feature.district_code = place


def update_feature(
    session: Session, feature_id: int, expected_version: int, changes: Mapping[str, Any],
    user: Any, reason: str | None, *, ip: str | None = None, today: dt.date | None = None,
) -> Feature:  # fmt: skip
    """Change a record's name, attributes or geometry (a move or a reshape).

    ``changes`` may hold ``name``, ``geometry`` (a shapely geometry), ``attributes`` (field ->
    value, only the fields that change) and ``date`` (when attribute changes take effect; today
    by default). Attribute changes are dated: the current state is closed and a new one, with
    the same status and progress, opens on that date.
    """
    today = today or dt.date.today()
    feature, layer = editable(session, feature_id, user)
    unknown = set(changes) - UPDATE_KEYS
    if unknown:
        raise invalid(sorted(unknown)[0], None, "Unknown change", "Thay đổi không hợp lệ")
    proposed = {**dict(changes.get("attributes") or {})}
    if "name" in changes:
        proposed["name"] = changes["name"]
    if changes.get("geometry") is not None and isinstance(changes["geometry"], shapely.Geometry):
        proposed["geometry"] = mapping(changes["geometry"])
    check_version(session, layer, feature, expected_version, user, proposed)
    state = current_state(session, feature.id)
    before: dict[str, Any] = {"version": feature.version}
    after: dict[str, Any] = {"version": feature.version + 1}
    name = check_name(changes["name"]) if "name" in changes else feature.name
    moved = _new_place(session, user, layer, feature, changes.get("geometry"))
    current = effective_attributes(feature, state)
    values = check_attributes(layer, changes.get("attributes") or {}, creating=False)
    changed = _changed_values(current, values)
    day = check_date(changes.get("date"), today, state.valid_from if state else None)
    note = check_reason(reason, required=False)
    if name == feature.name and moved is None and not changed:
        raise invalid(None, None, "Nothing to change", "Không có gì thay đổi")
    claim_version(session, layer, feature, expected_version, user, proposed)
    if name != feature.name:
        before["name"], after["name"] = feature.name, name
        feature.name, feature.name_ascii = name, fold(name)
    if moved is not None:
        before["geometry"] = mapping(shapely.from_wkb(feature.geom))
        after["geometry"] = mapping(moved[0])
        _set_geometry(feature, *moved)
    if changed:
        before["attributes"] = {k: current.get(k) for k in changed}
        after["attributes"], after["date"] = changed, day.isoformat()
        feature.attributes = {**(feature.attributes or {}), **changed}
        if state is not None:
            open_state(session, feature, state, day, state.status, state.progress,
                        {**current, **changed}, user, note)  # fmt: skip
    action = "move" if set(after) == {"version", "geometry"} else "update"
    audit(session, action, feature, user, note, before, after, ip)
    loader.bump_data_version(session)
    return feature


# --- status ----------------------------------------------------------------------------------


def change_status(
    session: Session, feature_id: int, expected_version: int, status: str | None,
    progress: float | str | None, date: dt.date | str | None,
    attributes: Mapping[str, Any] | None, user: Any, reason: str | None,
    *, ip: str | None = None, today: dt.date | None = None,
) -> Feature:  # fmt: skip
    """Record a new dated status (and progress, and dated attributes) of a record.

    The current state row is closed on ``date`` (today by default) and a new one opens; a
    ``progress`` of None keeps the current one. For a layer with a workflow the status may only
    move to the next milestone, or one step back for admins and planners (``WorkflowViolation``
    otherwise).
    """
    today = today or dt.date.today()
    feature, layer = editable(session, feature_id, user)
    proposed = {**dict(attributes or {}), "status": status, "progress": progress,
                "updated": None if date is None else str(date)}  # fmt: skip
    check_version(session, layer, feature, expected_version, user, proposed)
    state = current_state(session, feature.id)
    new_status = check_status(layer, status) if status else (state.status if state else None)
    if new_status is None:
        raise invalid("status", None, "Choose a status", "Hãy chọn trạng thái")
    check_workflow(layer, state.status if state else None, new_status, user,
                   resumed_from=last_milestone(session, layer, feature.id))
    new_progress = check_progress(progress)
    if new_progress is None and state is not None:
        new_progress = state.progress  # not sent: unchanged
    day = check_date(date, today, state.valid_from if state else None)
    current = effective_attributes(feature, state)
    changed = _changed_values(current, check_attributes(layer, attributes or {}, creating=False))
    note = check_reason(reason, required=False)
    if state is not None and (state.status, state.progress) == (new_status, new_progress) \
            and not changed:  # fmt: skip
        raise invalid("status", new_status, "Nothing to change: same status and progress",
                      "Không có gì thay đổi: trạng thái và tiến độ như cũ")  # fmt: skip
    claim_version(session, layer, feature, expected_version, user, proposed)
    open_state(session, feature, state, day, new_status, new_progress, {**current, **changed},
                user, note)  # fmt: skip
    if changed:
        feature.attributes = {**(feature.attributes or {}), **changed}
    before = {"version": expected_version, "status": state.status if state else None,
              "progress": state.progress if state else None,
              "date": state.valid_from.isoformat() if state else None,
              "attributes": {k: current.get(k) for k in changed}}  # fmt: skip
    after = {"version": expected_version + 1, "status": new_status, "progress": new_progress,
             "date": day.isoformat(), "attributes": changed}  # fmt: skip
    audit(session, "status", feature, user, note, before, after, ip)
    loader.bump_data_version(session)
    return feature


# --- delete and restore ----------------------------------------------------------------------


def delete_feature(
    session: Session, feature_id: int, expected_version: int, user: Any, reason: str | None,
    *, date: dt.date | str | None = None, ip: str | None = None, today: dt.date | None = None,
) -> Feature:  # fmt: skip
    """Soft-delete a record: mark it deleted and close its current state on ``date``.

    Maps and counts as of ``date`` or later no longer hold it; earlier ones still do.
    """
    today = today or dt.date.today()
    feature, layer = editable(session, feature_id, user)
    check_version(session, layer, feature, expected_version, user, {"deleted": True})
    note = check_reason(reason, required=True)
    state = current_state(session, feature.id)
    day = check_date(date, today, state.valid_from if state else None)
    claim_version(session, layer, feature, expected_version, user, {"deleted": True})
    feature.deleted_at = utcnow()
    feature.deleted_by = getattr(user, "username", None)
    if state is not None:
        state.valid_to = day
    before = {"version": expected_version, "deleted": False,
              "status": state.status if state else None}  # fmt: skip
    after = {"version": expected_version + 1, "deleted": True, "date": day.isoformat()}
    audit(session, "delete", feature, user, note, before, after, ip)
    loader.bump_data_version(session)
    return feature


def restore_feature(
    session: Session, feature_id: int, expected_version: int, user: Any, reason: str | None,
    *, date: dt.date | str | None = None, ip: str | None = None, today: dt.date | None = None,
) -> Feature:  # fmt: skip
    """Bring a deleted record back from ``date`` (today by default) with its last state."""
    today = today or dt.date.today()
    feature = get_feature(session, feature_id)
    layer = get_layer(feature.layer_id)
    require_edit(user, layer, feature.commune_code, feature.district_code)
    if feature.deleted_at is None:
        raise invalid(None, feature.record_id, "The record is not deleted",
                      "Bản ghi chưa bị xóa")  # fmt: skip
    check_version(session, layer, feature, expected_version, user, {"deleted": False})
    note = check_reason(reason, required=True)
    previous = last_state(session, feature.id)
    closed = previous.valid_to if previous is not None else None
    day = check_date(date, today, closed)
    claim_version(session, layer, feature, expected_version, user, {"deleted": False})
    feature.deleted_at, feature.deleted_by = None, None
    status = previous.status if previous else layer.statuses[0].id
    open_state(
        session, feature, None, day, status, previous.progress if previous else None,
        effective_attributes(feature, previous), user, note,
    )  # fmt: skip
    before = {"version": expected_version, "deleted": True}
    after = {"version": expected_version + 1, "deleted": False, "status": status,
             "date": day.isoformat()}  # fmt: skip
    audit(session, "restore", feature, user, note, before, after, ip)
    loader.bump_data_version(session)
    return feature
