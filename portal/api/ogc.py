"""OGC API - Features at ``/ogc``: Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0) and Part 2 (CRS).

One collection per layer of the catalogue and one per boundary level. The personal layer
(housing) is listed and served only to its readers, with the records of their areas, each read
written to the audit log; anyone else gets the same 403 as ``/api/layers/housing/features``.
Every answer is JSON (GeoJSON for features) unless ``f=html`` or the ``Accept`` header prefers
HTML; errors come in the portal's one error shape, a bad parameter as a 400 naming it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from layers import CATALOGUE, UnknownLayer
from portal.api.maps import _require_public, cached_json
from portal.api.ogc_items import ItemsQuery, area_item, area_page, layer_item, layer_page
from portal.services import exports, ogc
from portal.services.access import restricted_scope
from portal.services.errors import PermissionDenied
from portal.services.ogc_openapi import openapi_document
from portal.web import errors as web_errors
from portal.web import params
from portal.web.feature_pages import collection_bytes
from portal.web.i18n import current_locale

blueprint = Blueprint("ogc", __name__)
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"


class NotFound(web_errors.MissingResource):
    """A collection or feature ``/ogc`` does not have."""


def _format() -> str:
    """Return ``json`` or ``html``: the ``f`` parameter, else what ``Accept`` prefers."""
    asked = request.args.get("f")
    if asked is not None:
        if asked not in ("json", "html"):
            raise web_errors.BadRequest(_("f must be json or html."), field="f")
        return asked
    best = request.accept_mimetypes.best_match(
        ["application/json", GEOJSON, "text/html"], default="application/json")
    return "html" if best == "text/html" else "json"


def _answer_error(exc: Exception) -> Response:
    """Answer in the portal's error shape (an HTML page only when HTML was asked for)."""
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        message, errors = web_errors._http_message(status, exc), []
    else:
        status = next((web_errors.STATUS_CODES[kind] for kind in type(exc).__mro__
                       if kind in web_errors.STATUS_CODES), 400)
        message, errors = web_errors._user_message(exc), web_errors._field_errors(exc)
        if isinstance(exc, ogc.OgcParameterError):
            errors = [{"row": None, "field": exc.field, "message": message}]
    if request.args.get("f") == "html" or (request.args.get("f") is None and _prefers_html()):
        return Response(render_template("error.html", status=status, message=message), status,
                        mimetype="text/html")
    response = Response(json.dumps(web_errors.error_body(status, message, errors),
                                   ensure_ascii=False), status, mimetype="application/json")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _prefers_html() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"],
                                               default="application/json")
    return best == "text/html"


for _kind in (web_errors.BadRequest, PermissionDenied, UnknownLayer, ogc.OgcParameterError,
              HTTPException):
    blueprint.register_error_handler(_kind, _answer_error)


def _link(href: str, rel: str, kind: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": kind}
    return {**link, "title": title} if title else link


def _self_links(endpoint: str, kind: str = "application/json", **values: Any) -> list[dict]:
    """Return ``self`` and ``alternate`` links of a resource, the format asked first."""
    as_json = url_for(endpoint, _external=True, f="json", **values)
    as_html = url_for(endpoint, _external=True, f="html", **values)
    fmt = _format()
    return [
        _link(as_json, "self" if fmt == "json" else "alternate", kind, "JSON"),
        _link(as_html, "self" if fmt == "html" else "alternate", "text/html", "HTML"),
    ]


def _labels(collection_id: str) -> dict[str, str]:
    """Return the reader's headers of a layer's properties (HTML pages; boundaries: the keys)."""
    if collection_id in ogc.BOUNDARY_COLLECTIONS:
        return {}
    return exports.column_labels(ogc.layer_of(collection_id), current_locale(),
                                 include_restricted=True)


def _render(data: dict[str, Any], template: str, kind: str = "application/json",
            **context: Any) -> Response:
    if _format() == "html":
        return Response(render_template(f"ogc/{template}", data=data, **context),
                        mimetype="text/html")
    return Response(json.dumps(data, ensure_ascii=False), mimetype=kind)


def _readable_layers() -> list:
    """Return the layers the reader may list: public ones, and personal ones they may read."""
    return [layer for layer in CATALOGUE
            if layer.records_public or restricted_scope(current_user, layer.id) is not None]


@blueprint.get("/ogc")
def landing() -> Response:
    """Return the landing page."""
    data = {
        "title": _("Lạng Sơn 2025 plan map"),
        "description": _("OGC API - Features of the portal's layers and boundaries."),
        "links": [
            *_self_links("ogc.landing"),
            _link(url_for("ogc.api_document", _external=True), "service-desc", OPENAPI,
                  "OpenAPI 3.0"),
            _link(url_for("ogc.conformance", _external=True), "conformance", "application/json"),
            _link(url_for("ogc.collections", _external=True), "data", "application/json"),
        ],
    }
    return _render(data, "landing.html")


@blueprint.get("/ogc/")
def landing_slash() -> Response:
    """Return the landing page at ``/ogc/`` too (the OpenAPI document's path ``/``)."""
    return landing()


@blueprint.get("/ogc/conformance")
def conformance() -> Response:
    """Return the conformance classes."""
    return _render({"conformsTo": list(ogc.CONFORMANCE)}, "conformance.html")


def _collection(collection_id: str) -> dict[str, Any]:
    locale = current_locale()
    if collection_id in ogc.BOUNDARY_COLLECTIONS:
        found = ogc.boundary_collection(collection_id, locale)
    else:
        found = ogc.layer_collection(_layer(collection_id), locale)
    items = url_for("ogc.items", collection_id=collection_id, _external=True)
    found["links"] = [
        _link(url_for("ogc.collection", collection_id=collection_id, _external=True, f="json"),
              "self", "application/json"),
        _link(f"{items}?f=json", "items", GEOJSON, found["title"]),
        _link(f"{items}?f=html", "items", "text/html", found["title"]),
    ]
    return found


def _layer(collection_id: str):
    """Return the layer of a collection the reader may see; 403 for the personal layer."""
    try:
        layer = ogc.layer_of(collection_id)
    except KeyError:
        raise NotFound(_("Unknown collection: %(id)s", id=collection_id[:60]),
                       field="collectionId") from None
    if restricted_scope(current_user, layer.id) is None:
        _require_public(layer)
    return layer


@blueprint.get("/ogc/collections")
def collections() -> Response:
    """Return the collections the reader may see."""
    ids = [layer.id for layer in _readable_layers()] + list(ogc.BOUNDARY_COLLECTIONS)
    data = {"links": _self_links("ogc.collections"),
            "crs": list(ogc.SYSTEMS),
            "collections": [_collection(cid) for cid in ids]}
    return _render(data, "collections.html")


@blueprint.get("/ogc/collections/<collection_id>")
def collection(collection_id: str) -> Response:
    """Return one collection."""
    data = _collection(collection_id)
    data["links"] = [*_self_links("ogc.collection", collection_id=collection_id),
                     *data["links"][1:]]
    return _render(data, "collection.html")


def _query(collection_id: str) -> ItemsQuery:
    args = request.args
    as_of = ogc.parse_datetime(args.get("datetime"))
    return ItemsQuery(
        as_of=as_of or params.default_as_of(),
        bbox=ogc.parse_bbox(args.get("bbox"), args.get("bbox-crs")),
        limit=ogc.parse_integer(args.get("limit"), "limit", ogc.DEFAULT_LIMIT, 1, ogc.MAX_LIMIT),
        offset=ogc.parse_integer(args.get("offset"), "offset", 0, 0, ogc.MAX_OFFSET),
        system=ogc.parse_crs(args.get("crs")),
        filters=ogc.property_filters(collection_id, args.to_dict()),
    )


def _page_links(collection_id: str, query: ItemsQuery, returned: int, matched: int) -> list:
    fmt = _format()

    def address(offset: int, f: str = fmt) -> str:
        values = {**request.args.to_dict(), "offset": str(offset), "f": f}
        return url_for("ogc.items", collection_id=collection_id, _external=True, **values)

    kind = GEOJSON if fmt == "json" else "text/html"
    links = [_link(address(query.offset), "self", kind),
             _link(address(query.offset, "html" if fmt == "json" else "json"), "alternate",
                   "text/html" if fmt == "json" else GEOJSON),
             _link(url_for("ogc.collection", collection_id=collection_id, _external=True),
                   "collection", "application/json")]
    if query.offset + returned < matched:
        links.append(_link(address(query.offset + query.limit), "next", kind))
    if query.offset > 0:
        links.append(_link(address(max(0, query.offset - query.limit)), "prev", kind))
    return links


@blueprint.get("/ogc/collections/<collection_id>/items")
def items(collection_id: str) -> Response:
    """Return a page of a collection's features (GeoJSON, or an HTML table)."""
    level = ogc.BOUNDARY_COLLECTIONS.get(collection_id)
    layer = None if level else _layer(collection_id)
    scope = None if layer is None or layer.records_public else restricted_scope(current_user,
                                                                               layer.id)
    query, fmt = _query(collection_id), _format()

    def compute() -> bytes:
        page = area_page(level, query) if level else layer_page(layer, query, scope)
        extra = {"timeStamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "links": _page_links(collection_id, query, len(page.fragments), page.matched)}
        return collection_bytes(page.fragments, page.matched, query.as_of, extra)

    if fmt == "html" or scope is not None:
        body = compute()
        response = (_html_items(collection_id, json.loads(body)) if fmt == "html"
                    else Response(body, mimetype=GEOJSON))
        response.headers["Cache-Control"] = "private, no-store"
    else:
        key = ("ogc-items", collection_id, tuple(sorted(request.args.items(multi=True))),
               query.as_of, current_locale(), request.host_url)
        response = cached_json(key, compute, view=query.bbox is not None)
        response.mimetype = GEOJSON
    response.headers["Content-Crs"] = f"<{query.system.uri}>"
    return response


def _html_items(collection_id: str, data: dict) -> Response:
    meta = _collection(collection_id)
    return Response(render_template("ogc/items.html", data=data, collection=meta,
                                    labels=_labels(collection_id)), mimetype="text/html")


@blueprint.get("/ogc/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str) -> Response:
    """Return one feature."""
    level = ogc.BOUNDARY_COLLECTIONS.get(collection_id)
    layer = None if level else _layer(collection_id)
    for name in request.args:
        if name not in ("f", "crs", "datetime", "lang"):
            raise ogc.OgcParameterError(name, f"Unknown parameter {name[:40]!r}.",
                                        f"Tham số không hợp lệ {name[:40]!r}.")
    system = ogc.parse_crs(request.args.get("crs"))
    if level:
        ogc.parse_datetime(request.args.get("datetime"))
        found = area_item(level, feature_id, system)
    else:
        scope = None if layer.records_public else restricted_scope(current_user, layer.id)
        as_of = ogc.parse_datetime(request.args.get("datetime")) or params.default_as_of()
        query = ItemsQuery(as_of, None, 1, 0, system)
        found = (layer_item(layer, int(feature_id), query, scope)
                 if re.fullmatch(r"[0-9]{1,12}", feature_id) else None)
    if found is None:
        raise NotFound(_("No feature %(id)s in the collection %(collection)s.",
                         id=feature_id[:40], collection=collection_id), field="featureId")
    found["links"] = [
        *_self_links("ogc.item", GEOJSON, collection_id=collection_id, feature_id=feature_id),
        _link(url_for("ogc.collection", collection_id=collection_id, _external=True),
              "collection", "application/json"),
    ]
    response = _render(found, "item.html", GEOJSON, collection=_collection(collection_id),
                       labels=_labels(collection_id))
    response.headers["Content-Crs"] = f"<{system.uri}>"
    if layer is not None and not layer.records_public:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.get("/ogc/api")
def api_document() -> Response:
    """Return the OpenAPI 3.0 document of ``/ogc`` (JSON; ``f=html`` shows its paths)."""
    ids = [layer.id for layer in _readable_layers()] + list(ogc.BOUNDARY_COLLECTIONS)
    document = openapi_document(url_for("ogc.landing", _external=True).rstrip("/"), ids)
    if _format() == "html":
        return _render(document, "api.html")
    return Response(json.dumps(document, ensure_ascii=False), mimetype=OPENAPI)
