"""The steps every edit shares: locating, permission, optimistic lock, history, audit, workflow.

Used by ``portal.services.editing.records``; no Flask request objects here either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

import shapely

from geodata.assign import assign_points, representative_xy
from layers import get_layer
from layers.base import LayerSpec
from portal.services.access import ALL_LAYER_ROLES, can_edit, can_read_restricted
from portal.services.editing.values import (
    EditConflict,
    RecordNotFound,
    WorkflowViolation,
    invalid,
    problem,
    record_snapshot,
)
from portal.services.errors import PermissionDenied
from portal.store import loader
from portal.store.models import AuditEvent, Feature, FeatureState

# --- reading ---------------------------------------------------------------------------------


def get_feature(session: Session, feature_id: int, layer_id: str | None = None) -> Feature:
    """Return a record by id (of ``layer_id`` if given); raise ``RecordNotFound``."""
    feature = session.get(Feature, feature_id)
    if feature is None or (layer_id is not None and feature.layer_id != layer_id):
        raise RecordNotFound()
    return feature


def current_state(session: Session, feature_id: int) -> FeatureState | None:
    """Return the open state row of a record (None once deleted)."""
    return session.scalars(
        select(FeatureState)
        .where(FeatureState.feature_id == feature_id, FeatureState.valid_to.is_(None))
        .order_by(FeatureState.valid_from.desc(), FeatureState.id.desc())
        .limit(1)
    ).first()


def last_state(session: Session, feature_id: int) -> FeatureState | None:
    """Return the latest state row of a record, open or closed."""
    return session.scalars(
        select(FeatureState)
        .where(FeatureState.feature_id == feature_id)
        .order_by(FeatureState.valid_from.desc(), FeatureState.id.desc())
        .limit(1)
    ).first()


def may_read_restricted(user: Any, feature: Feature) -> bool:
    """Return whether ``user`` may see this record's restricted fields."""
    areas = (feature.commune_code, feature.district_code)
    return can_read_restricted(user, feature.layer_id, areas)


# --- shared steps ----------------------------------------------------------------------------


def locate(session: Session, geometry: shapely.Geometry) -> tuple[float, float, str, str | None]:
    """Return the representative point and the commune and district codes of a geometry."""
    xs, ys = representative_xy([geometry])
    commune = assign_points(xs, ys, loader.load_areas(session, "commune"))[0]
    district = assign_points(xs, ys, loader.load_areas(session, "district"))[0]
    if commune is None:
        raise invalid("geometry", None, "The position is outside Lạng Sơn province",
                      "Vị trí nằm ngoài tỉnh Lạng Sơn")  # fmt: skip
    return float(xs[0]), float(ys[0]), commune, district


def require_edit(user: Any, layer: LayerSpec, commune: str | None, district: str | None) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may edit ``layer`` in these areas."""
    if not can_edit(user, layer.id, commune, district):
        denied = PermissionDenied(
            f"You may not change records of the layer {layer.name_en} in this area."
        )
        denied.user_msg_vi = f"Bạn không có quyền cập nhật lớp {layer.name_vi} tại địa bàn này."
        raise denied


def check_version(
    session: Session, layer: LayerSpec, feature: Feature, expected: Any, user: Any,
    proposed: Mapping[str, Any],
) -> None:  # fmt: skip
    """Raise ``EditConflict`` unless ``expected`` is the record's version."""
    if isinstance(expected, bool) or not isinstance(expected, int):
        raise invalid("version", expected, "The record's version is missing",
                      "Thiếu số phiên bản của bản ghi")  # fmt: skip
    if feature.version != expected:
        raise conflict(session, layer, feature, user, expected, proposed)


def conflict(
    session: Session, layer: LayerSpec, feature: Feature, user: Any, expected: int,
    proposed: Mapping[str, Any],
) -> EditConflict:  # fmt: skip
    """Return the conflict: the stored version and ``proposed`` laid over it, as ``user`` sees."""
    state = current_state(session, feature.id) or last_state(session, feature.id)
    restricted = may_read_restricted(user, feature)
    current = record_snapshot(layer, feature, state, restricted=restricted)
    visible = set(current["properties"])
    mine = {**current, "version": expected, "properties": dict(current["properties"])}
    for key, value in proposed.items():
        if key == "geometry":
            mine["geometry"] = value
        elif key == "deleted":
            mine["deleted"] = value
        elif key in visible:
            mine["properties"][key] = value
    return EditConflict(current=current, proposed=mine)


def claim_version(
    session: Session, layer: LayerSpec, feature: Feature, expected: int, user: Any,
    proposed: Mapping[str, Any],
) -> None:  # fmt: skip
    """Move the record to the next version only if nobody else did first."""
    result = session.execute(
        update(Feature)
        .where(Feature.id == feature.id, Feature.version == expected)
        .values(version=expected + 1)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        session.refresh(feature)
        raise conflict(session, layer, feature, user, expected, proposed)


def audit(
    session: Session, action: str, feature: Feature, user: Any, reason: str,
    before: dict[str, Any], after: dict[str, Any], ip: str | None,
) -> None:  # fmt: skip
    """Add the audit event of one change."""
    session.add(
        AuditEvent(
            actor=getattr(user, "username", None), action=action, layer_id=feature.layer_id,
            feature_id=feature.id, record_id=feature.record_id,
            commune_code=feature.commune_code, district_code=feature.district_code,
            reason=reason, detail={"before": before, "after": after}, ip=ip,
        )
    )  # fmt: skip


def open_state(
    session: Session, feature: Feature, previous: FeatureState | None, day: dt.date,
    status: str, progress: float | None, attributes: dict[str, Any], user: Any, note: str,
) -> FeatureState:  # fmt: skip
    """Close ``previous`` on ``day`` and open a new state row from ``day``."""
    if previous is not None and previous.valid_to is None:
        previous.valid_to = day
        if previous.valid_from == day:
            previous.note = (previous.note + " [superseded the same day]").strip()
    state = FeatureState(
        feature_id=feature.id, layer_id=feature.layer_id, valid_from=day, valid_to=None,
        status=status, progress=progress, attributes=loader.jsonable(attributes),
        author=getattr(user, "username", "system"), note=note,
    )  # fmt: skip
    session.add(state)
    return state


def editable(session: Session, feature_id: int, user: Any) -> tuple[Feature, LayerSpec]:
    """Return a live record the user may edit, with its layer."""
    feature = get_feature(session, feature_id)
    layer = get_layer(feature.layer_id)
    require_edit(user, layer, feature.commune_code, feature.district_code)
    if feature.deleted_at is not None:
        raise invalid(None, feature.record_id, "The record was deleted; restore it first",
                      "Bản ghi đã bị xóa; hãy khôi phục trước")  # fmt: skip
    return feature, layer


def may_step_back(user: Any) -> bool:
    """Return whether ``user`` may move a workflow back a milestone (admins and planners)."""
    return getattr(user, "role", None) in ALL_LAYER_ROLES


def last_milestone(session: Session, layer: LayerSpec, feature_id: int) -> str | None:
    """Return the latest status of a record that is a milestone (not paused or cancelled)."""
    halted = [s.id for s in layer.statuses if s.halted]
    return session.scalar(
        select(FeatureState.status)
        .where(FeatureState.feature_id == feature_id, FeatureState.status.not_in(halted))
        .order_by(FeatureState.valid_from.desc(), FeatureState.id.desc())
        .limit(1)
    )


def check_workflow(
    layer: LayerSpec, old: str | None, new: str, user: Any, resumed_from: str | None = None
) -> None:
    """Allow the same milestone, the next one, or one step back for admins and planners.

    Paused and cancelled (``halted``) are not milestones: any milestone may be paused or
    cancelled, and a halted record resumes at ``resumed_from`` (the milestone it held before)
    or the next one; a record halted from the start resumes anywhere.
    """
    halted = {s.id for s in layer.statuses if s.halted}
    if not layer.workflow or old is None or old == new or new in halted:
        return
    if old in halted:
        if resumed_from is None or resumed_from == new:
            return
        old = resumed_from
    milestones = [s for s in layer.statuses if not s.halted]
    ids = [s.id for s in milestones]
    if old not in ids or new not in ids:
        return
    step = ids.index(new) - ids.index(old)
    if step == 1 or (step == -1 and may_step_back(user)):
        return
    after = milestones[ids.index(old) + 1] if ids.index(old) + 1 < len(ids) else None
    nxt_en = f"the next one is '{after.label_en}'" if after else "this is the last one"
    nxt_vi = f"mốc tiếp theo là «{after.label_vi}»" if after else "đây là mốc cuối cùng"
    old_spec, new_spec = layer.status(old), layer.status(new)
    raise WorkflowViolation([problem(
        "status", new,
        f"'{new_spec.label_en}' cannot follow '{old_spec.label_en}': milestones go one at a time "
        f"({nxt_en}); only administrators and planners may step back",
        f"Không thể chuyển từ «{old_spec.label_vi}» sang «{new_spec.label_vi}»: các mốc đi lần "
        f"lượt ({nxt_vi}); chỉ quản trị viên và cán bộ kế hoạch được lùi lại",
    )])  # fmt: skip
