"""What the OpenAPI document says about each route of ``/api`` and ``/tiles``.

``OPERATIONS`` maps a route's endpoint to its operations: parameters with their real
constraints (layer ids and levels from the catalogue, dates, ``bbox``, zoom), the answers and
their schemas, and who may call it. A route's summary and description come from its view's
docstring (``portal.api.openapi`` builds the document with apispec's Flask plugin), so they
cannot drift from the code. ``tests/portal/test_openapi.py`` fails when a route of ``/api`` has
no entry here.
"""

from __future__ import annotations

from typing import Any

from portal.api.openapi_schemas import (
    ANY_OBJECT,
    BOOL,
    DATE,
    INT,
    LAYER_IDS,
    NUM,
    STR,
    nullable,
    obj,
    ref,
)
from portal.store.progress import LEVELS

JSON = "application/json"
MVT = "application/vnd.mapbox-vector-tile"
EXPORT_FORMATS = ["geojson", "csv", "xlsx", "gpkg", "shapefile", "kml"]
#: Security of a read: anyone; the session cookie or an API token show more.
READ = [{}, {"session": []}, {"bearer": []}]
#: Security of a write: a signed-in session and its CSRF token (an API token never writes).
WRITE = [{"session": [], "csrf": []}]
#: Security of an editor's read: a session or an API token of an editor.
EDITOR_READ = [{"session": []}, {"bearer": []}]


SECURITY_SCHEMES = {
    "session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "The cookie a sign-in at /login sets."},
    "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
             "description": "Every write of a session: the token of the page "
                            "(meta csrf-token, or csrf in /api/edit/config)."},
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "A personal API token an administrator issued (reads only); "
                              "a bad, revoked or expired one answers 401."},
}

_ERRORS = {
    "400": "A parameter is malformed (its name in errors[].field).",
    "401": "Not signed in, or a bad, revoked or expired API token.",
    "403": "Not allowed: personal records, another role's layer or another area.",
    "404": "No such layer, record, level or tile.",
    "409": "The record changed since it was read (version), or the store lacks boundaries.",
    "413": "The upload is larger than allowed.",
    "422": "A value is not one the portal knows, or rows of a file are wrong "
           "(each in errors[] with row, field, value).",
}
RESPONSES = {
    code: {"description": text, "content": {JSON: {"schema": ref("schemas", "Error")}}}
    for code, text in _ERRORS.items()
}
RESPONSES["304"] = {"description": "Not modified: the client's ETag (If-None-Match) is current."}


def _param(name: str, where: str, schema: dict[str, Any], description: str,
           required: bool = False, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path",
            "schema": schema, "description": description, **extra}


def _csv_array(items: dict[str, Any], **limits: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **limits}


PARAMETERS = {
    "layer_id": _param("layer_id", "path", {"type": "string", "enum": LAYER_IDS},
                       "A layer of the catalogue."),
    "fid": _param("fid", "path", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
                  "A record's id."),
    "pid": _param("pid", "path", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
                  "A photo's id."),
    "as_of": _param("as_of", "query", {"type": "string", "format": "date"},
                    "The date the records are shown on (1990-01-01 to 2100-12-31; dd/mm/yyyy "
                    "too); default: the portal's date."),
    "level": _param("level", "query", {"type": "string", "enum": list(LEVELS),
                                       "default": "commune"}, "Area level."),
    "bbox": _param("bbox", "query", _csv_array(NUM, minItems=4, maxItems=4),
                   "minx,miny,maxx,maxy in degrees (longitude, latitude).",
                   style="form", explode=False),
    "zoom": _param("zoom", "query", {"type": "integer", "minimum": 0, "maximum": 22,
                                     "default": 10}, "The map's zoom (for clusters)."),
    "offset": _param("offset", "query", {"type": "integer", "minimum": 0, "maximum": 10**9},
                     "Records to skip."),
    "incomplete": _param("incomplete", "query", {"type": "string", "enum": ["0", "1"]},
                         "1: only the records missing some required fields."),
    "status": _param("status", "query", _csv_array(STR, minItems=1),
                     "Only records in these statuses of the layer (an unknown one: 422).",
                     style="form", explode=False),
    "format_table": _param("format", "query", {"type": "string", "enum": ["xlsx", "csv"]},
                           "File format."),
    "layer_query": _param("layer", "query", {"type": "string", "enum": LAYER_IDS},
                          "A layer of the catalogue.", required=True),
    "z": _param("z", "path", {"type": "integer", "minimum": 0, "maximum": 22}, "Zoom."),
    "x": _param("x", "path", {"type": "integer", "minimum": 0},
                "Column, 0 to 2^z - 1 (else 404)."),
    "y": _param("y", "path", {"type": "integer", "minimum": 0},
                "Row from the north, 0 to 2^z - 1 (else 404)."),
}


def _p(*names: str) -> list[str]:
    """Return references to shared parameters (apispec turns a name into a ``$ref``)."""
    return list(names)


def _answer(codes: str, schema: dict[str, Any] | None = None, media: str = JSON,
            description: str = "OK", status: str = "200") -> dict[str, Any]:
    found: dict[str, Any] = {code: ref("responses", code) for code in codes.split()}
    found[status] = {"description": description}
    if schema is not None:
        found[status]["content"] = {media: {"schema": schema}}
    return found


def _get(tag: str, params: list, responses: dict, security: list | None = None) -> dict:
    return {"get": {"tags": [tag], "parameters": params, "responses": responses,
                    "security": security or READ}}


def _write(method: str, params: list, responses: dict, body: dict | None = None,
           tag: str = "editing") -> dict:
    operation: dict[str, Any] = {"tags": [tag], "parameters": params, "responses": responses,
                                 "security": WRITE}
    if body is not None:
        operation["requestBody"] = body
    return {method: operation}


def _json_body(required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {JSON: {"schema": ref("schemas", "Edit")}}}


def _upload_body(*fields: str) -> dict[str, Any]:
    properties = {"file": {"type": "string", "format": "binary"},
                  **{name: {"type": "string"} for name in fields}}
    return {"required": True, "content": {"multipart/form-data": {"schema": obj(
        ("file",), **properties)}}}


FILE = {"type": "string", "format": "binary"}
PNG = "image/png"
RASTER_ID = _param("raster_id", "path", {"type": "integer", "minimum": 0,
                                         "maximum": 2**31 - 1}, "A raster's id.")
RECORD = ref("schemas", "Record")
WRITE_ERRORS = "400 401 403 404 409 422"
FEATURES = ref("schemas", "FeatureCollection")


#: The media type of each export format (``geodata.writers``).
EXPORT_MEDIA = {
    "application/geo+json": {"schema": FEATURES},
    "text/csv": {"schema": {"type": "string"}},
    **{media: {"schema": FILE} for media in (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/geopackage+sqlite3", "application/zip",
        "application/vnd.google-earth.kml+xml")},
}


def _download(tag: str, params: list, errors: str, security: list | None = None) -> dict:
    responses = _answer(errors, description="The file (Content-Disposition: attachment).")
    responses["200"]["content"] = EXPORT_MEDIA
    return _get(tag, params, responses, security)


#: The raster filter of the features API and the exports (``portal.web.raster_values``).
RASTER_FILTER = [
    _param("hazard", "query", {"type": "string"}, "flood_depth and/or landslide_hazard "
           "(comma-separated): the records in a hazard zone of the current raster."),
    *[_param(name, "query", {"type": "number", "minimum": -500, "maximum": 9000},
             f"Ground elevation {word} (m).")
      for name, word in (("elev_min", "at least"), ("elev_max", "at most"))]]
HAZARD_ANSWER = _answer("400", obj(("as_of", "hazards", "rows"), as_of=DATE, hazards={
    "type": "array", "items": ANY_OBJECT}, rows={"type": "array", "items": ANY_OBJECT}))
HAZARD_ANSWER["200"]["content"]["text/csv"] = {"schema": {"type": "string"}}


OPERATIONS: dict[str, dict[str, Any]] = {
    "api.list_layers": _get("layers", [], _answer("304", obj(("layers",), layers={
        "type": "array", "items": ref("schemas", "Layer")}))),
    "api.get_layer_route": _get("layers", _p("layer_id"),
                                _answer("404", ref("schemas", "Layer"))),
    "api.layer_features": _get(
        "layers", [*_p("layer_id", "as_of", "bbox", "zoom", "offset", "incomplete", "status"),
                   _param("limit", "query", {"type": "integer", "minimum": 1},
                          "Most records returned (at most the portal's page size)."),
                   _param("cluster", "query", {"type": "string", "enum": ["false", "auto"]},
                          "auto: bubbles of counts when the view is dense."), *RASTER_FILTER],
        _answer("304 400 403 404 409 422", FEATURES)),
    "editing_api.create_record": _write("post", _p("layer_id"), _answer(
        WRITE_ERRORS, RECORD, status="201", description="Created (Location: the record)"),
        _json_body()),
    "api.list_areas": _get("areas", _p("level", "as_of"), _answer("304 400", FEATURES)),
    "targets_api.list_targets": _get("targets", _p("as_of"), _answer(
        "400", obj(("as_of", "counts", "total", "targets"), as_of=DATE, counts=ANY_OBJECT,
                    total=INT, targets={"type": "array", "items": ref("schemas", "Target")}))),
    "targets_api.get_target": _get("targets", [
        _param("code", "path", {"type": "string", "maxLength": 40}, "A target's code."),
        *_p("as_of")], _answer("400 404", ref("schemas", "Target"))),
    "api.progress": _get("areas", _p("layer_query", "level", "as_of"), _answer(
        "304 400 404", {"type": "array", "items": ref("schemas", "Progress")})),
    "changes_api.api_changes": _get("areas", [
        *_p("level"), _param("since", "query", DATE, "First date (default: 30 days before)."),
        _param("until", "query", DATE, "Last date (default: the portal's date)."),
        _param("layer", "query", {"type": "string", "enum": LAYER_IDS}, "One layer only.")],
        _answer("400 404", ref("schemas", "Changes"))),
    "search_api.search": _get("search", [_param("q", "query", STR, "Name to find (2 letters "
                                                "at least; accents and case ignored).")],
                              _answer("", {"type": "array",
                                           "items": ref("schemas", "SearchResult")})),
    "data_api.export_layer": _download("files", [
        *_p("layer_id", "as_of", "level", "bbox", "incomplete", "status"),
        _param("format", "query", {"type": "string", "enum": EXPORT_FORMATS}, "File format."),
        _param("code", "query", STR, "A stored area of the level: its records only."),
        _param("crs", "query", STR, "Output CRS (EPSG code, VN-2000 zone)."),
        _param("restricted", "query", {"type": "string", "enum": ["0", "1"]},
               "1: with the fields only staff may read."), *RASTER_FILTER], "400 403 404 409 422"),
    "data_api.export_progress": _download("files", [
        *_p("layer_query", "level", "as_of", "format_table"),
        _param("order", "query", {"type": "string", "enum": ["rank", "left"]}, "Row order."),
        _param("lagging", "query", {"type": "string", "enum": ["0", "1"]},
               "1: lagging areas only.")], "400 404"),
    "data_api.import_layer": _write("post", _p("layer_id"), _answer(
        "400 401 403 404 409 413 422", ref("schemas", "ImportResult")),
        _upload_body("dry_run", "sheet", "crs"), tag="files"),
    "data_api.import_many": _write("post", [], _answer(
        "400 401 403 409 413 422", ref("schemas", "ImportResult")),
        _upload_body("dry_run", "sheet", "crs"), tag="files"),
    "templates_api.layer_template": _download("files", _p("layer_id", "format_table"),
                                              "400 401 403 404", EDITOR_READ),
    "templates_api.all_layers_template": _download("files", _p("format_table"), "400 401 403",
                                                   EDITOR_READ),
    "editing_api.get_record": _get("editing", _p("layer_id", "fid"),
                                   _answer("403 404", RECORD)),
    "editing_api.update_record": _write("patch", _p("layer_id", "fid"),
                                        _answer(WRITE_ERRORS, RECORD), _json_body()),
    "editing_api.delete_record": _write("delete", [
        *_p("layer_id", "fid"), _param("version", "query", INT, "The record's current version."),
        _param("reason", "query", STR, "Why.")], _answer(WRITE_ERRORS, RECORD),
        _json_body(required=False)),
    "editing_api.get_history": _get("editing", _p("layer_id", "fid"),
                                    _answer("403 404", ref("schemas", "History"))),
    "editing_api.change_record_status": _write("post", _p("layer_id", "fid"),
                                               _answer(WRITE_ERRORS, RECORD), _json_body()),
    "editing_api.restore_record": _write("post", _p("layer_id", "fid"),
                                         _answer(WRITE_ERRORS, RECORD), _json_body()),
    "editing_api.add_photo": _write("post", _p("layer_id", "fid"), _answer(
        "400 401 403 404 413 422", ref("schemas", "Photo"), status="201",
        description="Created"), _upload_body("caption")),
    "editing_api.photo_content": _get("editing", _p("pid"), {
        **_answer("403 404"), "200": {"description": "The image",
                                      "content": {"image/*": {"schema": FILE}}}}),
    "editing_api.delete_photo": _write("delete", _p("pid"), _answer(
        "400 401 403 404", obj(("ok", "id"), ok=BOOL, id=INT))),
    "editing_api.photo_thumbnail": _get("editing", _p("pid"), {
        **_answer("403 404"), "200": {"description": "The thumbnail (at most 320 px)",
                                      "content": {"image/*": {"schema": FILE}}}}),
    "editing_api.edit_config": _get("editing", [], _answer("401 403", ANY_OBJECT),
                                    EDITOR_READ),
    "coverage_api.coverage_estimate": _write("post", [*_p("as_of")], _answer(
        "400 401 403 404 409 422", obj(("ok", "area", "villages"), ok=BOOL, area=ANY_OBJECT,
                                        villages={"type": "array", "items": ANY_OBJECT})),
        {"required": True, "content": {JSON: {"schema": obj(
            ("mast_height", "radius"), lon=NUM, lat=NUM, record_id=INT,
            mast_height={"type": "number", "minimum": 1, "maximum": 150},
            radius={"type": "number", "minimum": 100, "maximum": 15000},
            target_height={"type": "number", "minimum": 0, "maximum": 30})}}}, tag="coverage"),
    "coverage_api.coverage_record_values": _get("coverage", [
        *_p("layer_query", "as_of"),
        _param("kind", "query", {"type": "string", "enum": ["elevation", "population",
                                                            "flood_depth", "landslide_hazard"]},
               "The raster kind.", required=True),
        _param("radius", "query", {"type": "number", "minimum": 100, "maximum": 5000},
               "population: metres around each record (1,000)."),
        _param("threshold", "query", {"type": "number", "minimum": 0},
               "flood_depth, landslide_hazard: the value a record is flagged at.")],
        _answer("400 403 404 409 422", ANY_OBJECT)),
    "coverage_api.coverage_hazard_records": _get("coverage", [
        *_p("as_of"), _param("format", "query", {"type": "string", "enum": ["json", "csv"]},
                             "csv: download the rows.")], HAZARD_ANSWER),
    "tiles.layer_tile": _get("tiles", _p("layer_id", "z", "x", "y", "as_of"), _answer(
        "304 400 403 404", FILE, MVT, "A Mapbox Vector Tile 2.1 (one layer named after the "
        "layer id; empty when nothing is there)")),
    "tiles.boundary_tile": _get("tiles", [
        _param("level", "path", {"type": "string", "enum": list(LEVELS)}, "Area level."),
        *_p("z", "x", "y", "as_of")], _answer(
        "304 400 404", FILE, MVT, "A Mapbox Vector Tile 2.1 (one layer named after the level)")),
    "rasters_api.raster_list": _get("rasters", [_param(
        "as_of", "query", {"type": "string", "format": "date"},
        "The day (1990-01-01 to 2100-12-31; dd/mm/yyyy too); default: the latest of each kind.")],
        _answer("400", obj(("rasters",), asOf=nullable(DATE), rasters={
            "type": "array", "items": ref("schemas", "Raster")}))),
    "rasters_api.raster_detail": _get("rasters", [RASTER_ID], _answer(
        "404", ref("schemas", "Raster"))),
    "rasters_api.raster_tile": _get("tiles", [RASTER_ID, *_p("z", "x", "y")], _answer(
        "304 404", FILE, PNG, "A 256-pixel PNG tile (nodata and outside transparent)")),
    "openapi.openapi_document": _get("about", [], _answer("", ANY_OBJECT,
                                                          description="This document")),
    "openapi.openapi_docs": _get("about", [], _answer("", {"type": "string"}, "text/html",
                                              "A page listing the operations")),
    "zonal_api.raster_zonal": _get("rasters", [
        _param("raster_id", "path", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
               "A raster's id (a private one is 404 to visitors)."), *_p("level", "as_of"),
        _param("threshold", "query", NUM, "Add the share of each area beyond this value."),
        _param("above", "query", {"type": "string", "enum": ["0", "1"]},
               "1 (default): above the threshold; 0: below it."),
        _param("layer", "query", {"type": "string", "enum": LAYER_IDS},
               "Add this layer's records per 1,000 people (a population raster current)."),
        _param("format", "query", {"type": "string", "enum": ["json", "csv", "xlsx"]},
               "json (default), or a download.")],
        {**_answer("400 404", ANY_OBJECT), "200": {"description": "The table", "content": {
            JSON: {"schema": ANY_OBJECT}, **EXPORT_MEDIA}}}),
}
