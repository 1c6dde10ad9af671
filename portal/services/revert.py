"""Reverting a logged edit as a new change: history is added to, never rewritten.

It reads the ``detail`` that ``portal.services.editing.records`` writes,
``{"before": {...}, "after": {...}}``
holding only what changed:

- ``status``: ``status``, ``progress`` and ``attributes`` (the dated attributes that changed);
  a new state with the earlier values opens today, the current one is closed;
- ``update`` and ``move``: ``name``, ``geometry`` (GeoJSON or WKT) and ``attributes``; the record
  takes the earlier values back (areas found again from the position) and changed attributes
  get a new dated state from today, as editing dates them;
- ``create`` and ``restore``: the record is soft-deleted (its state closed today);
- ``delete``: the record is restored with its last state from today.

A revert is refused when a later, unreverted edit of the same record exists, or when the record
no longer holds the event's ``after`` values (an import changed it): the administrator then
edits the record instead, knowing what is there now.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import shapely
from shapely.geometry import mapping, shape

from geodata.text import fold, nfc
from layers import get_layer
from portal.services.audit import FEATURE_ACTIONS, REVERTIBLE, record
from portal.services.editing.steps import current_state, last_state, locate, open_state
from portal.services.editing.values import InvalidEdit, effective_attributes
from portal.services.errors import PermissionDenied
from portal.store import loader
from portal.store.models import AuditEvent, Feature, utcnow


class RevertRefused(Exception):
    """A revert cannot be done; ``user_msg`` (English) and ``user_msg_vi`` say why."""

    def __init__(self, user_msg: str, user_msg_vi: str) -> None:
        super().__init__(user_msg)
        self.user_msg = user_msg
        self.user_msg_vi = user_msg_vi

    def message(self, locale: str) -> str:
        """Return the message in ``locale``."""
        return self.user_msg if locale == "en" else self.user_msg_vi


def _changed_since(event: AuditEvent) -> RevertRefused:
    return RevertRefused(
        f"Record {event.record_id} has changed since event #{event.id}; edit it instead.",
        f"Bản ghi {event.record_id} đã thay đổi sau sự kiện #{event.id}; hãy sửa trực tiếp.",
    )


def _sides(event: AuditEvent) -> tuple[dict[str, Any], dict[str, Any]]:
    detail = event.detail or {}
    before, after = detail.get("before") or {}, detail.get("after") or {}
    if not before and not after:
        raise RevertRefused(
            f"Event #{event.id} does not record the earlier values; it cannot be reverted.",
            f"Sự kiện #{event.id} không lưu giá trị trước đó nên không thể hoàn tác.",
        )
    return before, after


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(float(a) - float(b)) < 1e-6
    return a == b


def _attributes_match(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    return all(_same(current.get(k), v) for k, v in wanted.items())


def _restored_attributes(
    current: dict[str, Any], before: dict[str, Any], after: dict[str, Any]
) -> dict[str, Any]:
    """Return ``current`` with the keys the edit changed set back (added keys removed)."""
    restored = dict(current)
    for key in set(before) | set(after):
        if key in before:
            restored[key] = before[key]
        else:
            restored.pop(key, None)
    return loader.jsonable(restored)


def _reopen(session, feature, state, day, status, progress, attributes, author, note):
    """Open a new state from ``day`` (never before the open one starts), closing that one."""
    if state is not None and state.valid_to is None:
        day = max(day, state.valid_from)
    return open_state(session, feature, state, day, status, progress, attributes,
                      _Author(author), note)  # fmt: skip


class _Author:
    """The ``user`` that ``open_state`` reads the username of."""

    def __init__(self, username: str) -> None:
        self.username = username


def _check_live(feature: Feature) -> None:
    if feature.deleted_at is not None:
        raise RevertRefused(
            "The record is deleted; restore it first.", "Bản ghi đã bị xóa; hãy khôi phục trước."
        )


def _revert_status(session, event, feature, author, today):
    before, after = _sides(event)
    _check_live(feature)
    try:
        get_layer(feature.layer_id).status(before.get("status") or "")
    except KeyError:
        raise RevertRefused(
            f"Event #{event.id} records no earlier status of this layer to go back to.",
            f"Sự kiện #{event.id} không có trạng thái trước đó của lớp này để quay lại.",
        ) from None
    state = current_state(session, feature.id)
    if state is None:
        raise _changed_since(event)
    values = effective_attributes(feature, state)
    if (
        ("status" in after and after["status"] != state.status)
        or ("progress" in after and not _same(after["progress"], state.progress))
        or not _attributes_match(values, after.get("attributes") or {})
    ):
        raise _changed_since(event)
    was = {"status": state.status, "progress": state.progress}
    changed = {"status": before["status"], "progress": before.get("progress", state.progress)}
    old, new = before.get("attributes") or {}, after.get("attributes") or {}
    attributes = _restored_attributes(values, old, new)
    if old or new:
        was["attributes"] = {k: values.get(k) for k in set(old) | set(new)}
        changed["attributes"] = {k: attributes.get(k) for k in set(old) | set(new)}
        feature.attributes = _restored_attributes(feature.attributes or {}, old, new)
    _reopen(session, feature, state, today, changed["status"], changed["progress"], attributes,
            author, f"Revert of audit event #{event.id}")  # fmt: skip
    return was, changed


def _geometry(value: Any) -> shapely.Geometry:
    if isinstance(value, dict):
        return shape(value)
    return shapely.from_wkt(str(value))


def _matches_after(feature: Feature, values: dict[str, Any], after: dict[str, Any]) -> bool:
    if "name" in after and feature.name != after["name"]:
        return False
    if not _attributes_match(values, after.get("attributes") or {}):
        return False
    if "geometry" in after:
        return shapely.equals_exact(
            shapely.from_wkb(feature.geom), _geometry(after["geometry"]), 1e-9
        )
    return True


def _place(session: Session, feature: Feature, geometry: shapely.Geometry) -> None:
    try:
        x, y, commune, district = locate(session, geometry)
    except InvalidEdit:
        raise RevertRefused(
            "The earlier position is outside the province's boundaries now.",
            "Vị trí trước đây nay nằm ngoài ranh giới tỉnh.",
        ) from None
    feature.geom = shapely.to_wkb(geometry)
    feature.geom_type = geometry.geom_type
    feature.minx, feature.miny, feature.maxx, feature.maxy = geometry.bounds
    feature.x, feature.y, feature.commune_code, feature.district_code = x, y, commune, district


def _revert_fields(session, event, feature, author, today):
    before, after = _sides(event)
    _check_live(feature)
    state = current_state(session, feature.id)
    values = effective_attributes(feature, state)
    if not _matches_after(feature, values, after):
        raise _changed_since(event)
    was: dict[str, Any] = {}
    changed: dict[str, Any] = {}
    if "name" in before:
        was["name"], changed["name"] = feature.name, nfc(before["name"])
        feature.name, feature.name_ascii = changed["name"], fold(changed["name"])
    if "geometry" in before:
        was["geometry"] = mapping(shapely.from_wkb(feature.geom))
        _place(session, feature, _geometry(before["geometry"]))
        changed["geometry"] = before["geometry"]
    old, new = before.get("attributes") or {}, after.get("attributes") or {}
    if old or new:
        attributes = _restored_attributes(values, old, new)
        was["attributes"] = {k: values.get(k) for k in set(old) | set(new)}
        changed["attributes"] = {k: attributes.get(k) for k in set(old) | set(new)}
        feature.attributes = _restored_attributes(feature.attributes or {}, old, new)
        if state is not None:
            # Attribute changes are dated, as editing dates them: a new state from today.
            _reopen(session, feature, state, today, state.status, state.progress, attributes,
                    author, f"Revert of audit event #{event.id}")  # fmt: skip
    return was, changed


def _soft_delete(session, event, feature, author, today):
    if feature.deleted_at is not None:
        raise RevertRefused(
            f"Record {feature.record_id} is already deleted.",
            f"Bản ghi {feature.record_id} đã bị xóa rồi.",
        )
    feature.deleted_at = utcnow()
    feature.deleted_by = author
    state = current_state(session, feature.id)
    if state is not None:
        # The record stops counting from today; maps "as of" earlier dates still show it.
        state.valid_to = max(today, state.valid_from)
    return {"deleted": False}, {"deleted": True}


def _undelete(session, event, feature, author, today):
    if feature.deleted_at is None:
        raise RevertRefused(
            f"Record {feature.record_id} is not deleted.",
            f"Bản ghi {feature.record_id} hiện không bị xóa.",
        )
    feature.deleted_at = None
    feature.deleted_by = None
    if current_state(session, feature.id) is None:
        last = last_state(session, feature.id)
        if last is not None:
            _reopen(session, feature, None, max(today, last.valid_to or today), last.status,
                    last.progress, effective_attributes(feature, last), author,
                    f"Restored by the revert of audit event #{event.id}")  # fmt: skip
    return {"deleted": True}, {"deleted": False}


_REVERTERS = {
    "status": _revert_status,
    "update": _revert_fields,
    "move": _revert_fields,
    "create": _soft_delete,
    "restore": _soft_delete,
    "delete": _undelete,
}


def _check_revertible(session: Session, event: AuditEvent | None, event_id: int) -> AuditEvent:
    if event is None:
        raise RevertRefused(f"There is no event #{event_id}.", f"Không có sự kiện #{event_id}.")
    if event.action == "revert":
        raise RevertRefused(
            "A revert cannot itself be reverted; edit the record instead.",
            "Không thể hoàn tác một lần hoàn tác; hãy sửa trực tiếp bản ghi.",
        )
    if event.action not in REVERTIBLE:
        raise RevertRefused(
            f"Events of kind {event.action!r} cannot be reverted.",
            f"Không thể hoàn tác sự kiện loại {event.action!r}.",
        )
    if event.reverted_by is not None:
        raise RevertRefused(
            f"Event #{event.id} was already reverted by event #{event.reverted_by}.",
            f"Sự kiện #{event.id} đã được hoàn tác bởi sự kiện #{event.reverted_by}.",
        )
    later = session.scalar(
        select(AuditEvent.id)
        .where(
            AuditEvent.feature_id == event.feature_id,
            AuditEvent.id > event.id,
            AuditEvent.action.in_(FEATURE_ACTIONS),
            AuditEvent.reverted_by.is_(None),
        )
        .order_by(AuditEvent.id)
        .limit(1)
    )
    if later is not None:
        raise RevertRefused(
            f"Record {event.record_id} was changed again by event #{later}; revert that first.",
            f"Bản ghi {event.record_id} đã được sửa tiếp ở sự kiện #{later}; "
            "hãy hoàn tác sự kiện đó trước.",
        )
    return event


def revert(
    session: Session, event_id: int, user: Any, reason: str, today: dt.date | None = None
) -> AuditEvent:
    """Revert the edit logged as ``event_id`` as a new change; return the ``revert`` event.

    Status: a new dated state with the earlier status from ``today``; update/move: the earlier
    values (version bumped); delete: the record is restored; create (or restore): it is
    soft-deleted. The original event gets ``reverted_by``. Only administrators may revert;
    ``RevertRefused`` (with English and Vietnamese messages) says why a revert is impossible.
    """
    if getattr(user, "role", None) != "admin":
        raise PermissionDenied("Only administrators may revert changes.")
    reason = (reason or "").strip()
    if not reason:
        raise RevertRefused("Give a reason for the revert.", "Hãy nêu lý do hoàn tác.")
    event = _check_revertible(
        session, session.get(AuditEvent, event_id, with_for_update=True), event_id
    )
    feature = session.get(Feature, event.feature_id, with_for_update=True)
    if feature is None:
        raise RevertRefused(
            f"Record {event.record_id} no longer exists.",
            f"Bản ghi {event.record_id} không còn tồn tại.",
        )
    before, after = _REVERTERS[event.action](
        session, event, feature, user.username, today or dt.date.today()
    )
    before["version"] = feature.version or 1
    after["version"] = feature.version = before["version"] + 1
    loader.bump_data_version(session)
    reverting = record(
        session,
        "revert",
        actor=user.username,
        feature=feature,
        reason=reason,
        detail={
            "reverted_event": event.id,
            "reverted_action": event.action,
            "before": before,
            "after": after,
        },
    )
    event.reverted_by = reverting.id
    return reverting
