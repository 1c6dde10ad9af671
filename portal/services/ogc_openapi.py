"""The OpenAPI 3.0 document of ``/ogc``: one path per collection, with its property filters."""

from __future__ import annotations

from typing import Any

from portal.services import ogc

JSON, GEOJSON, HTML = "application/json", "application/geo+json", "text/html"
_REF = "#/components/{kind}/{name}"


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": _REF.format(kind=kind, name=name)}


def _query(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema, **extra}


PARAMETERS: dict[str, dict[str, Any]] = {
    "f": _query("f", {"type": "string", "enum": ["json", "html"]},
                "The format of the answer (else the Accept header decides)."),
    "limit": _query("limit", {"type": "integer", "minimum": 1, "maximum": ogc.MAX_LIMIT,
                              "default": ogc.DEFAULT_LIMIT}, "Most features in the page."),
    "offset": _query("offset", {"type": "integer", "minimum": 0, "maximum": ogc.MAX_OFFSET,
                                "default": 0}, "Features skipped before the page."),
    "bbox": _query("bbox", {"type": "array", "minItems": 4, "maxItems": 6,
                            "items": {"type": "number"}},
                   "minx,miny,maxx,maxy in bbox-crs (CRS84 by default).",
                   style="form", explode=False),
    "bbox-crs": _query("bbox-crs", {"type": "string", "format": "uri",
                                    "enum": list(ogc.SYSTEMS)}, "The system of bbox."),
    "crs": _query("crs", {"type": "string", "format": "uri", "enum": list(ogc.SYSTEMS)},
                  "The system of the answer's coordinates."),
    "datetime": _query("datetime", {"type": "string"},
                       "The date the records are shown as of: a date (2025-06-30) or an "
                       "interval ending on one (../2025-06-30)."),
}
_ERROR_CONTENT = {JSON: {"schema": _ref("schemas", "error")}, HTML: {"schema": {"type": "string"}}}
ERRORS = {
    "400": {"description": "A parameter cannot be read.", "content": _ERROR_CONTENT},
    "403": {"description": "Personal records: for their readers only.",
            "content": _ERROR_CONTENT},
    "404": {"description": "No such collection or feature.", "content": _ERROR_CONTENT},
}
SCHEMAS: dict[str, dict[str, Any]] = {
    "error": {"type": "object", "required": ["ok", "status", "error", "errors"],
              "properties": {"ok": {"type": "boolean"}, "status": {"type": "integer"},
                             "error": {"type": "string"}, "errors": {"type": "array"}}},
    "link": {"type": "object", "required": ["href", "rel"],
             "properties": {"href": {"type": "string"}, "rel": {"type": "string"},
                            "type": {"type": "string"}, "title": {"type": "string"}}},
    "links": {"type": "array", "items": _ref("schemas", "link")},
    "feature": {"type": "object", "required": ["type", "geometry", "properties"],
                "properties": {"type": {"type": "string", "enum": ["Feature"]},
                               "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                               "geometry": {"type": "object", "nullable": True},
                               "properties": {"type": "object", "nullable": True},
                               "links": _ref("schemas", "links")}},
    "featureCollection": {
        "type": "object", "required": ["type", "features"],
        "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                       "features": {"type": "array", "items": _ref("schemas", "feature")},
                       "links": _ref("schemas", "links"),
                       "timeStamp": {"type": "string", "format": "date-time"},
                       "numberMatched": {"type": "integer", "minimum": 0},
                       "numberReturned": {"type": "integer", "minimum": 0}}},
    "landingPage": {"type": "object", "required": ["links"],
                    "properties": {"title": {"type": "string"},
                                   "description": {"type": "string"},
                                   "links": _ref("schemas", "links")}},
    "confClasses": {"type": "object", "required": ["conformsTo"],
                    "properties": {"conformsTo": {"type": "array",
                                                  "items": {"type": "string"}}}},
    "collection": {"type": "object", "required": ["id", "links"],
                   "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                                  "links": _ref("schemas", "links"),
                                  "crs": {"type": "array", "items": {"type": "string"}}}},
    "collections": {"type": "object", "required": ["links", "collections"],
                    "properties": {"links": _ref("schemas", "links"),
                                   "collections": {"type": "array",
                                                   "items": _ref("schemas", "collection")}}},
}


def _answers(schema: str, kind: str = JSON, errors: tuple[str, ...] = ("400",)) -> dict:
    ok = {"description": "The answer.",
          "content": {kind: {"schema": _ref("schemas", schema)}, HTML: {"schema": {
              "type": "string"}}}}
    return {"200": ok, **{code: ERRORS[code] for code in errors}}


def _get(operation_id: str, summary: str, parameters: list, answers: dict) -> dict:
    return {"get": {"operationId": operation_id, "summary": summary, "tags": ["ogc"],
                    "parameters": parameters, "responses": answers}}


def _collection_paths(collection_id: str) -> dict[str, Any]:
    """Return the paths of one collection: itself, its items (with filters), one item."""
    text = {"type": "string", "maxLength": 200, "pattern": "^[^\\x00-\\x1f]*$"}
    filters = [_query(name, text, f"Only the features whose {name} is this.")
               for name in ogc.filter_names(collection_id)]
    item_params = [_ref("parameters", n) for n in ("limit", "offset", "bbox", "bbox-crs",
                                                     "datetime", "crs", "f")]
    errors = ("400", "403", "404")
    base = f"/collections/{collection_id}"
    feature_id = {"name": "featureId", "in": "path", "required": True,
                  "schema": {"type": "string"}}
    return {
        base: _get(f"describe_{collection_id}", f"The collection {collection_id}.",
                   [_ref("parameters", "f")], _answers("collection", errors=errors)),
        f"{base}/items": _get(f"items_{collection_id}", f"The features of {collection_id}.",
                              [*item_params, *filters],
                              _answers("featureCollection", GEOJSON, errors)),
        f"{base}/items/{{featureId}}": _get(
            f"item_{collection_id}", f"One feature of {collection_id}.",
            [feature_id, *(_ref("parameters", n) for n in ("datetime", "crs", "f"))],
            _answers("feature", GEOJSON, errors)),
    }


def openapi_document(server: str, collection_ids: list[str]) -> dict[str, Any]:
    """Return the OpenAPI 3.0 document of ``/ogc`` served at ``server`` for these collections."""
    paths: dict[str, Any] = {
        "/": _get("landing", "The landing page.", [_ref("parameters", "f")],
                  _answers("landingPage")),
        "/conformance": _get("conformance", "The conformance classes.",
                             [_ref("parameters", "f")], _answers("confClasses")),
        "/collections": _get("collections", "The collections.", [_ref("parameters", "f")],
                             _answers("collections")),
        "/api": {"get": {"operationId": "api", "summary": "This document.", "tags": ["ogc"],
                         "responses": {"200": {"description": "The OpenAPI document."}}}},
    }
    for collection_id in collection_ids:
        paths.update(_collection_paths(collection_id))
    return {
        "openapi": "3.0.3",
        "info": {"title": "Lạng Sơn 2025 plan map: OGC API - Features", "version": "1.0.0",
                 "description": "OGC API - Features Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0) "
                                "and Part 2 (CRS by reference).",
                 "license": {"name": "Open data of the province"}},
        "servers": [{"url": server}],
        "tags": [{"name": "ogc"}],
        "paths": paths,
        "components": {"parameters": PARAMETERS, "schemas": SCHEMAS},
    }
