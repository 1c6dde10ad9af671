"""What the signed-in user may upload, and how large."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from layers import CATALOGUE
from layers.base import LayerSpec
from portal.services.access import layers_edited_by


def importable_layers() -> list[LayerSpec]:
    """Return the layers the signed-in user may import into."""
    editable = layers_edited_by(current_user.role)
    return [layer for layer in CATALOGUE if layer.id in editable]


def max_upload_bytes() -> int:
    """Return the largest upload accepted (Flask's MAX_CONTENT_LENGTH)."""
    return int(current_app.config.get("MAX_CONTENT_LENGTH") or 0)
