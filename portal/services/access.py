"""Roles and what they allow: reading restricted records and editing, checked on the server.

Which editor role edits which layer is read from the catalogue (``LayerSpec.editor_role``), so a
new layer brings its own rule. Admins and planners edit every layer. Every role but admin is
limited to the account's areas when it has any (2025 commune codes or pre-2025 district codes).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from layers import CATALOGUE

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

#: Roles that may import and edit records (each limited to its layers and areas).
EDITOR_ROLES = (
    "planner", "industry_editor", "border_editor", "tourism_editor", "telecom_editor",
    "housing_editor",
)  # fmt: skip


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


def signed_in(user: Any) -> bool:
    """Return whether ``user`` is a signed-in, active account with a known role."""
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
    if not signed_in(user):
        return False
    readable = (
        layers_edited_by("planner")
        if user.role in (*ALL_LAYER_ROLES, "viewer")
        else layers_edited_by(user.role)
    )
    return layer_id in readable and _in_areas(user, area_codes_of_record)


def can_edit(user: Any, layer_id: str, commune_code: str | None, district_code: str | None) -> bool:
    """Return whether ``user`` may create or change a record of ``layer_id`` in these areas."""
    if not signed_in(user) or layer_id not in layers_edited_by(user.role):
        return False
    return _in_areas(user, (commune_code, district_code))


def restricted_scope(user: Any, layer_id: str) -> tuple[str, ...] | None:
    """Return the area codes whose restricted records ``user`` may read in ``layer_id``.

    None: no record at all; an empty tuple: the whole province (admins, accounts without
    areas); else the account's 2025 commune and pre-2025 district codes. A record is readable
    when its commune or its district code is in the answer (as ``can_read_restricted`` says).

    >>> class Account:
    ...     is_authenticated = is_active = True
    ...     role, areas = "housing_editor", ["19993"]
    >>> restricted_scope(Account(), "housing"), restricted_scope(Account(), "signal")
    (('19993',), None)
    >>> Account.role = "admin"
    >>> restricted_scope(Account(), "housing")
    ()
    """
    own = tuple(getattr(user, "areas", None) or ())
    if not can_read_restricted(user, layer_id, own):
        return None
    if user.role == "admin" or not user.areas:
        return ()
    return tuple(sorted(str(code) for code in user.areas))
