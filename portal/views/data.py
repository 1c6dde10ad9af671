"""The import page: upload with a progress bar, preview and row errors."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.services.access import EDITOR_ROLES
from portal.services.templates import NEED_WORDS, layer_columns
from portal.web.auth import require_roles
from portal.web.i18n import current_locale
from portal.web.uploads import importable_layers, max_upload_bytes

blueprint = Blueprint("data", __name__)


@blueprint.get("/import")
@require_roles(*EDITOR_ROLES)
def import_page():
    """Show the import form and, per layer, its templates and the columns it understands."""
    layers = importable_layers()
    return render_template(
        "import.html",
        layers=layers,
        columns={layer.id: layer_columns(layer) for layer in layers},
        need_words=NEED_WORDS,
        locale=current_locale(),
        max_upload_mb=max_upload_bytes() // (1024 * 1024),
    )
