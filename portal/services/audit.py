"""The audit log: who did what, when, from where; and reading it back, filtered.

Every sign-in, edit, import, restricted export and account change writes one ``AuditEvent`` in
the same transaction as the change it describes, so the log never claims a change that was
rolled back. Edits carry ``detail = {"before": {...}, "after": {...}}`` so an administrator can
revert them (``portal.services.revert``). Passwords never reach the log:
``record`` drops every key that names one, at any depth.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from geodata.writers_office import write_table_csv
from portal.store.models import AuditEvent, Feature, utcnow


@dataclass(frozen=True)
class Action:
    """One kind of audit event, with its labels and whether an administrator may revert it."""

    id: str
    label_vi: str
    label_en: str
    revertible: bool = False

    def label(self, locale: str) -> str:
        """Return the label in ``locale`` ("vi" or "en")."""
        return self.label_en if locale == "en" else self.label_vi


ACTIONS: tuple[Action, ...] = (
    Action("login_ok", "Đăng nhập", "Signed in"),
    Action("login_failed", "Đăng nhập thất bại", "Failed sign-in"),
    Action("logout", "Đăng xuất", "Signed out"),
    Action("create", "Thêm bản ghi", "Record created", revertible=True),
    Action("update", "Sửa thông tin bản ghi", "Record updated", revertible=True),
    Action("move", "Di chuyển vị trí", "Record moved", revertible=True),
    Action("status", "Cập nhật trạng thái, tiến độ", "Status or progress updated", revertible=True),
    Action("delete", "Xóa bản ghi", "Record deleted", revertible=True),
    Action("restore", "Khôi phục bản ghi", "Record restored", revertible=True),
    Action("import", "Nhập dữ liệu từ tệp", "File imported"),
    Action("export_restricted", "Xuất dữ liệu hạn chế", "Restricted data exported"),
    Action("read_personal", "Xem dữ liệu cá nhân", "Personal data read"),
    Action("user_create", "Tạo tài khoản", "Account created"),
    Action("user_update", "Sửa tài khoản", "Account changed"),
    Action("user_deactivate", "Khóa tài khoản", "Account deactivated"),
    Action("revert", "Hoàn tác thay đổi", "Change reverted"),
    Action("photo_add", "Thêm ảnh", "Photo added"),
    Action("photo_delete", "Xóa ảnh", "Photo deleted"),
    Action("boundaries_import", "Nhập ranh giới hành chính", "Boundaries imported"),
    Action("raster_add", "Thêm lớp raster", "Raster layer added"),
    Action("raster_withdraw", "Rút lớp raster", "Raster layer withdrawn"),
    Action("target_save", "Lưu chỉ tiêu kế hoạch", "Plan target saved"),
    Action("target_value", "Thêm số liệu chỉ tiêu", "Target value added"),
    Action("targets_import", "Nhập chỉ tiêu từ tệp", "Targets imported"),
    Action("briefing_print", "In báo cáo tháng", "Monthly briefing printed"),
)

ACTIONS_BY_ID: dict[str, Action] = {a.id: a for a in ACTIONS}
REVERTIBLE: frozenset[str] = frozenset(a.id for a in ACTIONS if a.revertible)
#: Actions that change one record; a later one of these blocks reverting an earlier one.
FEATURE_ACTIONS: frozenset[str] = frozenset(
    {"create", "update", "move", "status", "delete", "restore"}
)

# A key naming any of these is dropped from ``detail`` (a password never enters the log).
_SECRET_WORDS = ("password", "passwd", "secret", "csrf", "token")
_ACTOR_LENGTH = 80
_IP_LENGTH = 64


def action_label(action: str, locale: str) -> str:
    """Return the label of ``action`` in ``locale`` (the id itself when unknown).

    >>> action_label("revert", "en"), action_label("revert", "vi"), action_label("x", "en")
    ('Change reverted', 'Hoàn tác thay đổi', 'x')
    """
    known = ACTIONS_BY_ID.get(action)
    return known.label(locale) if known else action


def scrub(value: Any) -> Any:
    """Return ``value`` without any mapping key that names a password, token or secret.

    >>> scrub({"username": "lan", "password": "x", "form": {"password2": "y", "role": "viewer"}})
    {'username': 'lan', 'form': {'role': 'viewer'}}
    """
    if isinstance(value, Mapping):
        return {
            str(k): scrub(v)
            for k, v in value.items()
            if not any(word in str(k).lower() for word in _SECRET_WORDS)
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub(v) for v in value]
    return value


def _jsonable(value: Any) -> Any:
    # Dates, Decimals and numpy scalars become text or numbers the JSON column accepts.
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _clip(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    cleaned = "".join(c for c in str(text) if c.isprintable())
    return cleaned[:limit]


#: The client address of the request being served; the web layer sets it for each request.
CLIENT_IP: ContextVar[str | None] = ContextVar("audit_client_ip", default=None)


def client_ip() -> str | None:
    """Return the address of the current request's client, None outside a request.

    Behind a reverse proxy this is the proxy unless the app is wrapped in werkzeug's
    ``ProxyFix`` (then the forwarded address).
    """
    return _clip(CLIENT_IP.get(), _IP_LENGTH)


def record(
    session: Session,
    action: str,
    *,
    actor: str | None,
    layer_id: str | None = None,
    feature: Feature | None = None,
    reason: str = "",
    detail: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Add one event to the log in the caller's transaction and return it (flushed, with an id).

    Parameters
    ----------
    session
        The session of the change being logged; the event commits or rolls back with it.
    action
        One of ``ACTIONS``; anything else raises ``ValueError``.
    actor
        Username of who acted; for ``login_failed`` the username that was typed; "cli" for
        commands run on the server.
    feature
        The record changed, if any: its id, record id, layer and areas are copied.
    detail
        JSON-ready facts (for edits ``{"before": {...}, "after": {...}}``); keys naming a
        password, token or secret are dropped.
    ip
        The client's address; by default the current request's (None outside a request).
    """
    if action not in ACTIONS_BY_ID:
        raise ValueError(f"Unknown audit action {action!r}")
    event = AuditEvent(
        at=utcnow(),
        actor=_clip(actor, _ACTOR_LENGTH),
        action=action,
        layer_id=layer_id or (feature.layer_id if feature is not None else None),
        feature_id=feature.id if feature is not None else None,
        record_id=feature.record_id if feature is not None else None,
        commune_code=feature.commune_code if feature is not None else None,
        district_code=feature.district_code if feature is not None else None,
        reason=reason or "",
        detail=_jsonable(scrub(dict(detail or {}))),
        ip=_clip(ip, _IP_LENGTH) if ip is not None else client_ip(),
    )
    session.add(event)
    session.flush()
    return event


#: At most this many record ids are listed in one ``read_personal`` event (the count is exact).
READ_IDS_LISTED = 1000


def record_personal_read(
    session: Session,
    *,
    actor: str | None,
    layer_id: str,
    feature_ids: list[int],
    what: str,
    feature: Feature | None = None,
    extra: Mapping[str, Any] | None = None,
) -> AuditEvent | None:
    """Log that ``actor`` was shown the personal data of these records; nothing when none.

    Decree 13/2023/ND-CP and Law 91/2025/QH15 ask who read which personal data, when and from
    where: the event holds the ids (the first ``READ_IDS_LISTED``), their count and what was
    read (``what``: "record", "history", "features", "search", "export", "area_page").
    """
    if not feature_ids:
        return None
    detail = {"what": what, "count": len(feature_ids),
              "feature_ids": list(feature_ids[:READ_IDS_LISTED]), **dict(extra or {})}
    return record(session, "read_personal", actor=actor, layer_id=layer_id, feature=feature,
                  detail=detail)  # fmt: skip


def user_detail(user: Any) -> dict[str, Any]:
    """Return the loggable facts of an account (never its password hash)."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "areas": list(user.areas or []),
        "active": bool(user.active),
    }


# --- reading the log ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page asks for; every part is optional."""

    action: str | None = None
    actor: str | None = None
    layer_id: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    text: str | None = None

    def query(self) -> Select:
        """Return the SELECT of matching events, newest first."""
        query = select(AuditEvent)
        if self.action:
            query = query.where(AuditEvent.action == self.action)
        if self.actor:
            query = query.where(
                func.lower(AuditEvent.actor).contains(self.actor.lower(), autoescape=True)
            )
        if self.layer_id:
            query = query.where(AuditEvent.layer_id == self.layer_id)
        if self.date_from:
            start = dt.datetime.combine(self.date_from, dt.time.min)
            query = query.where(AuditEvent.at >= start)
        if self.date_to:
            end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min)
            query = query.where(AuditEvent.at < end)
        if self.text:
            query = query.where(
                func.lower(AuditEvent.record_id).contains(self.text.lower(), autoescape=True)
            )
        return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def list_events(
    session: Session, wanted: AuditFilter, page: int = 1, per_page: int = 50
) -> tuple[list[AuditEvent], int]:
    """Return one page of matching events and how many match in all."""
    query = wanted.query()
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    events = session.scalars(query.offset((page - 1) * per_page).limit(per_page)).all()
    return list(events), int(total or 0)


CSV_COLUMNS = (
    "id", "at", "actor", "action", "action_label", "layer_id", "record_id", "commune_code",
    "district_code", "reason", "ip", "reverted_by", "detail",
)


def events_csv(session: Session, wanted: AuditFilter, locale: str, limit: int = 100_000) -> bytes:
    """Return the matching events as CSV (UTF-8 with BOM, no cell a spreadsheet formula)."""
    rows = [
        {
            "id": e.id,
            "at": e.at.isoformat(sep=" ", timespec="seconds"),
            "actor": e.actor,
            "action": e.action,
            "action_label": action_label(e.action, locale),
            "layer_id": e.layer_id,
            "record_id": e.record_id,
            "commune_code": e.commune_code,
            "district_code": e.district_code,
            "reason": e.reason,
            "ip": e.ip,
            "reverted_by": e.reverted_by,
            "detail": json.dumps(e.detail or {}, ensure_ascii=False, sort_keys=True),
        }
        for e in session.scalars(wanted.query().limit(limit))
    ]
    return write_table_csv(rows, columns=CSV_COLUMNS)
