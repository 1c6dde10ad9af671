"""Roles and what they allow: reading restricted records, editing, guarding views.

Which editor role edits which layer is read from the catalogue (``LayerSpec.editor_role``), so a
new layer brings its own rule. Admins and planners edit every layer. Every role but admin is
limited to the account's areas when it has any (2025 commune codes or pre-2025 district codes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user

from layers import CATALOGUE
from portal.web.errors import PermissionDenied

ROLES: tuple[str, ...] = (
    "admin",
    "planner",
    "industry_editor",
    "border_editor",
    "tourism_editor",
    "telecom_editor",
    "housing_editor",
    "viewer",
)

#: Roles that edit every layer (transport included).
ALL_LAYER_ROLES = frozenset({"admin", "planner"})

ROLE_LABELS = {
    "admin": lazy_gettext("Administrator"),
    "planner": lazy_gettext("Planner"),
    "industry_editor": lazy_gettext("Industry editor"),
    "border_editor": lazy_gettext("Border economy editor"),
    "tourism_editor": lazy_gettext("Tourism editor"),
    "telecom_editor": lazy_gettext("Telecom editor"),
    "housing_editor": lazy_gettext("Housing editor"),
    "viewer": lazy_gettext("Viewer"),
}


def role_label(role: str) -> str:
    """Return the translated name of ``role`` (the id itself when unknown)."""
    return str(ROLE_LABELS.get(role, role))


def layers_edited_by(role: str) -> frozenset[str]:
    """Return the ids of the layers ``role`` may edit.

    >>> sorted(layers_edited_by("telecom_editor"))
    ['signal']
    >>> "transport" in layers_edited_by("planner")
    True
    """
    if role in ALL_LAYER_ROLES:
        return frozenset(layer.id for layer in CATALOGUE)
    return frozenset(layer.id for layer in CATALOGUE if layer.editor_role == role)


def _signed_in(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and getattr(user, "role", None) in ROLES
    )


def _in_areas(user: Any, codes: Iterable[str | None]) -> bool:
    if user.role == "admin" or not user.areas:
        return True
    # District codes (3 digits) and 2025 commune codes (5 digits) cannot collide.
    return not set(user.areas).isdisjoint(code for code in codes if code)


def can_read_restricted(
    user: Any, layer_id: str, area_codes_of_record: Iterable[str | None]
) -> bool:
    """Return whether ``user`` may see a record's restricted (personal) fields.

    Admins, planners and viewers may read every layer, the editors the layers they edit;
    all of them but admins only inside their areas. Anonymous users never may.

    Parameters
    ----------
    user
        ``current_user`` or a ``User``; anonymous and inactive users are refused.
    layer_id
        The record's layer.
    area_codes_of_record
        The record's area codes, e.g. ``(commune_code, district_code)``; None entries are ignored.
    """
    if not _signed_in(user):
        return False
    readable = (
        layers_edited_by("planner")
        if user.role in (*ALL_LAYER_ROLES, "viewer")
        else layers_edited_by(user.role)
    )
    return layer_id in readable and _in_areas(user, area_codes_of_record)


def can_edit(user: Any, layer_id: str, commune_code: str | None, district_code: str | None) -> bool:
    """Return whether ``user`` may create or change a record of ``layer_id`` in these areas."""
    if not _signed_in(user) or layer_id not in layers_edited_by(user.role):
        return False
    return _in_areas(user, (commune_code, district_code))


def wants_json() -> bool:
    """Return whether the current request expects a JSON answer (API or ``fetch``)."""
    return (
        request.path.startswith("/api/")
        or request.accept_mimetypes.best == "application/json"
        or request.is_json
    )


def require_roles(*roles: str) -> Callable:
    """Guard a view: anonymous users must sign in, other roles get 403 (admins always pass).

    Anonymous page requests are sent to ``/login?next=...``; anonymous API requests get 401
    with the API's JSON error shape (Flask-Login's unauthorized handler, set in ``init_app``).
    """
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"Unknown role(s): {sorted(unknown)}")
    allowed = frozenset(roles) | {"admin"}

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not _signed_in(current_user):
                return current_app.login_manager.unauthorized()
            if current_user.role not in allowed:
                raise PermissionDenied(_("You do not have permission to do this."))
            return current_app.ensure_sync(view)(*args, **kwargs)

        return guarded

    return decorate
