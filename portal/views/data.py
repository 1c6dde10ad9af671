"""The import page: upload with a progress bar, preview and row errors."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.services.access import EDITOR_ROLES
from portal.services.rasters import describe
from portal.services.templates import NEED_WORDS, layer_columns
from portal.store.rasters import current_rasters
from portal.web.auth import require_roles
from portal.web.database import get_session
from portal.web.i18n import current_locale
from portal.web.rasters import provenance_labels
from portal.web.uploads import importable_layers, max_upload_bytes

blueprint = Blueprint("data", __name__)


@blueprint.get("/import")
@require_roles(*EDITOR_ROLES)
def import_page():
    """Show the import form and, per layer, its templates and the columns it understands."""
    layers = importable_layers()
    locale = current_locale()
    rasters = [describe(row, locale)
               for row in current_rasters(get_session(), None, public_only=False)]
    return render_template(
        "import.html",
        layers=layers,
        columns={layer.id: layer_columns(layer) for layer in layers},
        need_words=NEED_WORDS,
        locale=locale,
        rasters=rasters,
        provenance_labels=provenance_labels(),
        max_upload_mb=max_upload_bytes() // (1024 * 1024),
    )
