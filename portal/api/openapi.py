"""``GET /api/openapi.json``: the OpenAPI 3.0 document of ``/api`` and ``/tiles``; ``/api/docs``.

The document is built once per application with apispec and its Flask plugin: each route's
path comes from the URL map, its summary and description from its view's docstring, and the
rest from ``portal.api.openapi_spec.OPERATIONS``. ``/api/docs`` lists the operations on a page
of the portal's own (no script from elsewhere).
"""

from __future__ import annotations

import inspect
from typing import Any

from apispec import APISpec
from apispec_webframeworks.flask import FlaskPlugin
from flask import Blueprint, Flask, Response, current_app, jsonify, render_template
from flask_babel import gettext as _

from portal.api import openapi_spec as described
from portal.api.openapi_schemas import SCHEMAS

blueprint = Blueprint("openapi", __name__)

#: The paths the document describes (``/ogc`` has a document of its own).
DESCRIBED_PREFIXES = ("/api/", "/tiles/")
_METHODS = ("get", "post", "put", "patch", "delete")


def described_rules(app: Flask) -> list:
    """Return the URL rules the document must describe: every route under ``/api``, ``/tiles``."""
    return [r for r in app.url_map.iter_rules() if r.rule.startswith(DESCRIBED_PREFIXES)]


def _with_docstring(operations: dict[str, Any], view: Any) -> dict[str, Any]:
    text = inspect.cleandoc(view.__doc__ or "").replace("``", "`")
    summary, _sep, rest = text.partition("\n")
    said = {"summary": summary.strip()}
    if rest.strip():
        said["description"] = " ".join(rest.split())
    return {method: {**said, **operation} for method, operation in operations.items()}


def build_document(app: Flask) -> dict[str, Any]:
    """Return the OpenAPI document of ``app``'s ``/api`` and ``/tiles`` routes."""
    spec = APISpec(
        title="Lạng Sơn 2025 plan map portal API", version="0.1.0", openapi_version="3.0.3",
        plugins=[FlaskPlugin()],
        info={"description": "Layers, records, areas, progress, changes, files and vector tiles "
                             "of the portal. Errors answer one JSON shape (Error)."},
    )
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema)
    for name, parameter in described.PARAMETERS.items():
        spec.components.parameter(name, parameter["in"], parameter)
    for name, response in described.RESPONSES.items():
        spec.components.response(name, response)
    for name, scheme in described.SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    for rule in sorted(described_rules(app), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        wanted = {m.lower() for m in rule.methods or ()} & set(_METHODS)
        operations = {m: op for m, op in described.OPERATIONS[rule.endpoint].items()
                      if m in wanted}
        spec.path(view=view, operations=_with_docstring(operations, view), app=app)
    return spec.to_dict()


def document() -> dict[str, Any]:
    """Return the current application's document, built on first use."""
    found = current_app.extensions.get("portal_openapi")
    if found is None:
        found = current_app.extensions["portal_openapi"] = build_document(current_app)
    return found


@blueprint.get("/openapi.json")
def openapi_document() -> Response:
    """Return this OpenAPI document."""
    return jsonify(document())


@blueprint.get("/docs")
def openapi_docs() -> str:
    """Show the API's operations on a page: paths, parameters, answers."""
    spec = document()
    operations = [
        (path, method.upper(), operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items() if method in _METHODS
    ]
    return render_template("api_docs.html", operations=operations, spec=spec,
                           parameters=spec["components"]["parameters"],
                           title=_("The portal's API"))
