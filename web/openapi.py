"""The OpenAPI 3.1 description of every ``/api`` endpoint, served at ``GET /api/openapi.json``.

Built from the same constants the views check against (layers, districts, categories, states, colours, request
fields, size limits), so the description cannot drift from what the API accepts; ``tests/test_openapi.py`` checks
that every ``/api`` rule of the app is described and fuzzes each one against it.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify

from geo.status.edits import MAX_NOTE_CHARS, MAX_VERTICES
from geo.network.edges import MAX_BBOX_DEGREES, MAX_EDGES
from geo.plan.polygon_union import MAX_PARTS
from geo.status.records import EDITABLE_SOURCES
from geo.plan.schema import PLAN_DISTRICTS
from geo.status.colours import COLOURS, STATES
from web.core.features import APPROXIMATE_CHOICES, CATEGORY_CHOICES, ITEM_LAYERS
from web.tours.field_api import openapi_paths as field_paths
from web.editing.geometry_import import openapi_paths as import_paths
from web.reports.parks import PARK_FIELDS, PLAN_QUARTERS, TARGET_ID_PATTERN
from web.tours.saved_tours import openapi_paths as saved_tour_paths
from web.core.status import status_filter_values
from web.tours.planner import QUERY_FIELDS as TOUR_QUERY_FIELDS

logger = logging.getLogger(__name__)

openapi_blueprint = Blueprint("openapi", __name__, url_prefix="/api")

OPENAPI_VERSION = "3.1.0"
JSON = "application/json"
GEOJSON = "application/geo+json"
ITEM_ID_PATTERN = r"^[A-Z]+[0-9]*(-[A-Z0-9]+)*$"
DATE = {"type": "string", "format": "date", "description": "ISO 8601 date, e.g. 2021-06-30"}
VERSION = {"type": "integer", "minimum": 0, "description": "the item's version when it was read (0: never edited)"}
NOTE = {"type": "string", "maxLength": MAX_NOTE_CHARS}
CONFIRM = {"type": "boolean", "description": "true: keep a value the server answered 422 needs_confirmation for"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _response(description: str, schema: dict[str, Any] | None = None, *, media: str = JSON) -> dict[str, Any]:
    return {"description": description, **({"content": {media: {"schema": schema}}} if schema else {})}


def _errors(*codes: int) -> dict[str, Any]:
    meaning = {400: "bad input, naming the field", 401: "login required", 403: "the role may not do this",
               404: "unknown id", 409: "stale expected_version", 413: "request body too large",
               422: "needs_confirmation: an unusual value (far above its target, a jump, progress going back); "
                    "the reasons are listed, send it again with confirm: true to keep it",
               429: "too many requests",
               503: "a health check failed, or the status database is unavailable or cannot be written (nothing "
                    "was saved)"}
    return {str(code): _response(meaning[code], _ref("Error")) for code in codes}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path_id(description: str = "a block, road or task id, e.g. B01, R05, E14") -> dict[str, Any]:
    return {"name": "item_id", "in": "path", "required": True,
            "schema": {"type": "string", "pattern": ITEM_ID_PATTERN, "maxLength": 32}, "description": description}


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {JSON: {"schema": schema}}}


def _object(properties: dict[str, Any], *, required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


def component_schemas() -> dict[str, Any]:
    """Error, GeoJSON and write-body schemas."""
    geometry = {"type": "object", "required": ["type"], "properties": {
        "type": {"enum": ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"]},
        "coordinates": {"type": "array"}}, "description": f"WGS-84 lon/lat (RFC 7946), at most {MAX_VERTICES} "
                                                        f"vertices, valid, inside the item's district"}
    return {
        "Error": {"type": "object", "required": ["error", "message"], "properties": {
            "error": {"type": "string"}, "message": {"type": "string"},
            "parameter": {"type": ["string", "null"]}, "field": {"type": ["string", "null"]},
            "problems": {"type": "array", "items": {"type": "object"}}}},
        "Geometry": geometry,
        "Feature": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
            "type": {"const": "Feature"}, "id": {"type": "string"}, "geometry": {"type": ["object", "null"]},
            "properties": {"type": "object"}}},
        "FeatureCollection": {"type": "object", "required": ["type", "features"], "properties": {
            "type": {"const": "FeatureCollection"}, "features": {"type": "array", "items": _ref("Feature")}}},
        "ProgressReport": _object({
            "percent": {"type": "number", "minimum": 0, "maximum": 100}, "state": {"enum": list(STATES)},
            "note": NOTE, "reported_on": DATE, "reported_colour": {"enum": [*COLOURS, None]},
            "expected_version": VERSION, "confirm": CONFIRM}, required=("percent", "state", "expected_version")),
        "CheckOff": _object({"note": {**NOTE, "minLength": 1}, "effective_on": DATE, "expected_version": VERSION},
                            required=("note", "expected_version")),
        "GeometryEdit": _object({"geometry": {"oneOf": [geometry, _ref("Feature"), _ref("FeatureCollection")]},
                                 "expected_version": VERSION,
                                 "source": {"enum": list(EDITABLE_SOURCES),
                                            "description": "how the geometry was made: hand_drawn (drawn by "
                                                           "clicking), uploaded (default: a file of unknown "
                                                           "origin) or surveyed (an imported survey file)"}},
                                required=("geometry", "expected_version")),
        "GeometryRevert": _object({"version": {"type": "integer", "minimum": 0,
                                               "description": "the geometry version to restore (0: the plan's "
                                                              "baseline)"},
                                   "expected_version": VERSION}, required=("version", "expected_version")),
        "Written": {"type": "object", "required": ["item_id", "version", "record", "status"], "properties": {
            "item_id": {"type": "string"}, "version": {"type": "integer"}, "record": {"type": ["object", "array"]},
            "status": {"type": "object"}}},
        "TourRequest": _object({
            "sites": {"type": "array", "items": {"type": "string"}},
            "query": {"type": ["object", "null"], "additionalProperties": False,
                      "properties": {name: {"type": ["string", "array", "null"]} for name in TOUR_QUERY_FIELDS}},
            **{name: {"type": ["string", "null"]} for name in ("start", "end", "depart", "lunch")},
            **{name: {"type": ["number", "null"]} for name in ("dwell", "lunch_minutes", "budget", "congestion")},
            "dwell_by_site": {"type": "object", "additionalProperties": {"type": "number"}},
            "scenario": {"enum": ["planned", "baseline", None],
                         "description": "planned (default) = the network as mapped; baseline = without the road "
                                        "projects' edges"}}),
    }


def _read_paths() -> dict[str, Any]:
    layers = {"type": "string", "enum": list(ITEM_LAYERS)}
    categories = sorted({c for layer in ITEM_LAYERS for c in CATEGORY_CHOICES[layer]})
    access_params = [_query("scenario", {"enum": ["baseline", "planned", "current", "compare"]},
                            "road projects built or not; current: the baseline plus those open to traffic by the "
                            "status (docs/access.md); compare: baseline and planned (not for the isochrones)"),
                     _query("congestion", {"type": "number", "exclusiveMinimum": 0, "maximum": 1.5},
                            "factor on free-flow speed (0.6 = peak hour)")]
    open_as_of = _query("as_of", {"type": "string", "format": "date"}, "scenario current only: the day whose "
                        "open road projects count (default today, Beijing time), from 2021-01-01 to today")
    report_params = [*access_params, _query("target", {"type": "number", "minimum": 0.5, "maximum": 1},
                                            "coverage target: share of the served area that must reach the ring "
                                            "in time (a project setting, default 0.95)"), open_as_of]
    as_of = _query("as_of", {"type": "string", "format": "date"}, "as it stood at the end of this day (Beijing "
                   "time), from 2021-01-01 to today: the quarterly bulletin's rules (docs/status-database.md)")
    return {
        "/api/health": {"get": {"summary": "liveness, item counts, database and network checks", "responses": {
            "200": _response("healthy", {"type": "object"}), **_errors(503)}}},
        "/api/{layer}": {"get": {
            "summary": "a layer as a FeatureCollection", "parameters": [
                {"name": "layer", "in": "path", "required": True, "schema": layers},
                _query("district", {"enum": list(PLAN_DISTRICTS)}, "plan area"),
                _query("category", {"enum": categories}, "tier / category / kind (per layer)"),
                _query("status", {"enum": list(status_filter_values())}, "status colour"),
                _query("approximate", {"enum": list(APPROXIMATE_CHOICES)}, "1: only the items whose position is "
                                                                           "still approximate or a placeholder"),
                as_of],
            "responses": {"200": _response("the features", _ref("FeatureCollection"), media=GEOJSON),
                          **_errors(400)}}},
        "/api/{layer}/{item_id}": {"get": {
            "summary": "one block, road or task", "parameters": [
                {"name": "layer", "in": "path", "required": True, "schema": layers}, _path_id(), as_of],
            "responses": {"200": _response("the feature", _ref("Feature"), media=GEOJSON), **_errors(400, 404)}}},
        "/api/districts": {"get": {"summary": "plan areas and the corridor", "responses": {
            "200": _response("the areas", _ref("FeatureCollection"), media=GEOJSON), **_errors(400)}}},
        "/api/access": {"get": {"summary": "the 10/30-minute accessibility check", "parameters": report_params,
                                "responses": {"200": _response("the report", {"type": "object"}),
                                              **_errors(400)}}},
        "/api/access/isochrones": {"get": {"summary": "isochrone bands", "parameters": [*access_params, open_as_of],
                                           "responses": {
            "200": _response("the bands", _ref("FeatureCollection"), media=GEOJSON), **_errors(400)}}},
        "/api/tours/check": {"get": {
            "summary": "which chosen tour sites the road network can reach, and why not, before planning",
            "parameters": [
                _query("sites", {"type": "string"}, "site ids, comma-separated, e.g. B01,B05,R03"),
                _query("district", {"type": "string"}, "add the sites of a district or functional zone"),
                _query("category", {"type": "string"}, "add the sites of a category"),
                _query("status", {"enum": list(status_filter_values())}, "add the sites of a status colour"),
                _query("start", {"type": "string"}, "a site id or reference point (default 温州市人民政府)"),
                _query("end", {"type": "string"}, "start (round trip), open, or a site id / reference point"),
                _query("scenario", {"enum": ["planned", "baseline"]}, "the road network with or without the road "
                                                                      "projects' edges"),
                _query("congestion", {"type": "number", "exclusiveMinimum": 0, "maximum": 1.5},
                       "factor on free-flow speed (0.6 = peak hour)")],
            "responses": {"200": _response("the chosen sites, those that cannot be reached with the reason and "
                                           "distance, and a one-line summary", {"type": "object"}),
                          **_errors(400)}}},
        "/api/items/{item_id}/history": {"get": {"summary": "status and full history of one item",
                                                 "parameters": [_path_id(), as_of], "responses": {
            "200": _response("the history", {"type": "object"}), **_errors(400, 404)}}},
        "/api/session": {"get": {"summary": "the logged-in user (or null), permissions and the CSRF token",
                                 "responses": {"200": _response("the session", {"type": "object", "properties": {
                                     "user": {"type": ["string", "null"]}, "role": {"type": ["string", "null"]},
                                     "permissions": {"type": "array", "items": {"type": "string"}},
                                     "csrf_token": {"type": "string"}}})}}},
        "/api/network/edges": {"get": {
            "summary": "the drivable streets inside a box (the item editor snaps to them), longest first, capped",
            "parameters": [_query("bbox", {"type": "string"}, f"west,south,east,north in degrees, each side at most "
                                                              f"{MAX_BBOX_DEGREES}")],
            "responses": {"200": _response(f"at most {MAX_EDGES} streets; truncated: true when more lie in the box",
                                           _ref("FeatureCollection"), media=GEOJSON), **_errors(400)}}},
        "/api/openapi.json": {"get": {"summary": "this description", "responses": {
            "200": _response("OpenAPI 3.1", {"type": "object"})}}},
        "/api/departments": {"get": {
            "summary": "Attachment 3's department tasks with their status, grouped by lead unit; counts by colour",
            "parameters": [_query("colour", {"enum": list(status_filter_values())}, "status colour of the tasks "
                                                                                   "listed (counts stay overall)"),
                           _query("unit", {"type": "string"}, "lead unit whose tasks are listed, e.g. 市科技局 "
                                                              "or 多单位共同负责"), as_of],
            "responses": {"200": _response("the tasks by lead unit", {"type": "object"}), **_errors(400)}}},
    }


def _write(summary: str, body: str) -> dict[str, Any]:
    return {"summary": summary, "security": [{"session": [], "csrf": []}], "parameters": [_path_id()],
            "requestBody": _json_body(_ref(body)),
            "responses": {"201": _response("written", _ref("Written")),
                          **_errors(400, 401, 403, 404, 409, 413, *((422,) if body == "ProgressReport" else ()),
                                    503)}}


def _write_paths() -> dict[str, Any]:
    return {
        "/api/items/{item_id}/reports": {"post": _write("add a progress report", "ProgressReport")},
        "/api/items/{item_id}/close": {"post": _write("close (销号) an item with a note", "CheckOff")},
        "/api/items/{item_id}/reopen": {"post": _write("reopen a closed item, the note giving the reason",
                                                       "CheckOff")},
        "/api/items/{item_id}/geometry": {"put": _write("replace the geometry, as a new geometry version",
                                                        "GeometryEdit")},
        "/api/items/{item_id}/geometry/revert": {"post": _write("restore a geometry version as a new one (an "
                                                                "audited revert)", "GeometryRevert")},
        "/api/items/{item_id}/geometry/versions/{version}": {"get": {
            "summary": "one geometry version of an item as a GeoJSON Feature (0: the plan's baseline)",
            "parameters": [_path_id("a block, road or task id, e.g. B01, R05"),
                           {"name": "version", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 0}}],
            "responses": {"200": _response("the version", _ref("Feature"), media=GEOJSON), **_errors(400, 404)}}},
        "/api/geometry/union": {"post": {
            "summary": "the union of 2 or more polygons (the item editor's merge; nothing is stored)",
            "security": [{"session": [], "csrf": []}],
            "requestBody": _json_body(_object({"geometries": {"type": "array", "items": _ref("Geometry"),
                                                              "minItems": 2, "maxItems": MAX_PARTS}},
                                              required=("geometries",))),
            "responses": {"200": _response("the merged Polygon or MultiPolygon", _ref("Geometry")),
                          **_errors(400, 401, 403, 413)}}},
        "/api/tours": {"post": {"summary": "plan an inspection tour", "requestBody": _json_body(_ref("TourRequest")),
                                "responses": {"200": _response("the tour", {"type": "object"}),
                                              **_errors(400, 413)}}},
    }


def park_schemas() -> dict[str, Any]:
    """The body of a target actual (园区目标) and the answer to it."""
    return {
        "TargetActual": _object({
            "park": {"enum": list(PARK_FIELDS), "description": "a park the target has a cell for; total for the "
                                                               "zone-wide rows (A8-1..A8-5)"},
            "quarter": {"enum": [str(q) for q in PLAN_QUARTERS]},
            "value": {"type": "number", "description": "cumulative value at the quarter's end (rates: growth %)"},
            "reported_on": DATE, "note": NOTE, "expected_version": VERSION, "confirm": CONFIRM},
            required=("park", "quarter", "value", "expected_version")),
        "ActualWritten": {"type": "object", "required": ["item_id", "version", "record", "assessment"],
                          "properties": {"item_id": {"type": "string"}, "version": {"type": "integer"},
                                         "record": {"type": "object"}, "assessment": {"type": "object"}}},
    }


def _park_paths() -> dict[str, Any]:
    quarter = _query("quarter", {"enum": [str(q) for q in PLAN_QUARTERS]},
                     "a quarter of the plan year (default: the latest that has begun)")
    target_id = {"name": "target_id", "in": "path", "required": True, "description": "a target of Attachment 1",
                 "schema": {"type": "string", "pattern": TARGET_ID_PATTERN, "maxLength": 16}}
    return {
        "/api/parks": {"get": {"summary": "the six parks coloured by target achievement", "parameters": [quarter],
                               "responses": {"200": _response("the parks", _ref("FeatureCollection"),
                                                              media=GEOJSON), **_errors(400)}}},
        "/api/targets": {"get": {"summary": "every (target, park or total) cell of a quarter", "parameters": [quarter],
                                 "responses": {"200": _response("the cells", {"type": "object"}), **_errors(400)}}},
        "/api/targets/{target_id}/history": {"get": {
            "summary": "every actual value reported for a target, latest first, with the audit entries of its cells",
            "parameters": [target_id], "responses": {"200": _response("the history", {"type": "object"}),
                                                     **_errors(404)}}},
        "/api/targets/{target_id}/actuals": {"post": {
            "summary": "report an actual value of a target for a park and quarter",
            "security": [{"session": [], "csrf": []}], "parameters": [target_id],
            "requestBody": _json_body(_ref("TargetActual")),
            "responses": {"201": _response("written", _ref("ActualWritten")),
                          **_errors(400, 401, 403, 404, 409, 413, 422, 503)}}},
    }


def openapi_document(*, server_url: str = "/", session_cookie: str = "session") -> dict[str, Any]:
    """The whole OpenAPI 3.1 document (``session_cookie``: the name of the app's session cookie)."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "环大罗山科创走廊 API", "version": "1",
                 "description": "Plan layers as GeoJSON (WGS-84), accessibility, inspection tours, and the status "
                                "write API (login at POST /login, then send the session cookie and X-CSRF-Token)."},
        "servers": [{"url": server_url}],
        "paths": {**_read_paths(), **_write_paths(), **_park_paths(), **import_paths(), **field_paths(),
                  **saved_tour_paths()},
        "components": {"schemas": {**component_schemas(), **park_schemas()}, "securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": session_cookie,
                        "description": "set by POST /login"},
            "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                     "description": "the csrf_token of the session (hidden field on any page's forms)"}}},
    }


@openapi_blueprint.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document(session_cookie=current_app.config["SESSION_COOKIE_NAME"]))
