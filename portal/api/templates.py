"""Import templates over HTTP: one layer's, or the all-layers sheet, for the editors who import."""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_babel import gettext as _

from layers import get_layer
from portal.services import templates
from portal.services.access import EDITOR_ROLES
from portal.services.errors import PermissionDenied
from portal.web.auth import require_roles
from portal.web.errors import BadRequest
from portal.web.uploads import importable_layers

blueprint = Blueprint("templates_api", __name__)


def _format() -> str:
    fmt = request.args.get("format", "xlsx")
    if fmt not in templates.FORMATS:
        raise BadRequest(_("format must be csv or xlsx."), field="format")
    return fmt


def _send(content: bytes, mime: str, name: str) -> Response:
    response = Response(content, mimetype=mime)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/layers/<layer_id>/template")
@require_roles(*EDITOR_ROLES)
def layer_template(layer_id: str) -> Response:
    """Download the import template of a layer the user may import into."""
    layer = get_layer(layer_id)
    if layer.id not in {allowed.id for allowed in importable_layers()}:
        raise PermissionDenied(_("You do not have permission to do this."))
    return _send(*templates.template_file(layer, (), _format()))


@blueprint.get("/template")
@require_roles(*EDITOR_ROLES)
def all_layers_template() -> Response:
    """Download the all-layers template, holding the layers the user may import into."""
    return _send(*templates.template_file(None, importable_layers(), _format()))
