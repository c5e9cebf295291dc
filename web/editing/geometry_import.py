"""Importing surveyed geometries from a file on the web: ``/import`` (导入测绘成果) and its API.

===============================  =====================================================================================
``GET /import``                  the page: upload, choose layer, field and coordinates, preview on the map, apply
``POST /api/imports/layers``     multipart ``file`` → the file's layers (geometry type, count, fields, CRS) with the
                                 field that seems to name the items
``POST /api/imports/preview``    multipart ``file``, ``layer``, ``key_field``, ``match`` (``id`` / ``name``),
                                 ``coordinates`` (``file`` / ``wgs84`` / ``cgcs2000`` / ``gcj02`` / ``bd09`` /
                                 ``epsg``), ``epsg`` → every feature: its item and version, old and new geometry,
                                 the distance moved, the GCJ-02/BD-09 shift undone, its problems (Chinese)
``POST /api/imports/apply``      the same plus ``versions`` (JSON ``{"B01": 0, ...}`` from the preview) → 201 with
                                 the new versions; 400 with every feature's problems, 409 when an item moved on —
                                 in both cases nothing is written
===============================  =====================================================================================

Everything needs an editor's login and the CSRF token (:func:`web.core.auth.requires`), and is stateless: the browser
sends the file again to apply, so what is applied is checked again exactly as it was previewed. Uploads may be up
to ``IMPORT_MAX_BYTES`` (default :data:`DEFAULT_IMPORT_MAX_BYTES`); the files live in a temporary folder for the
request only.
"""
from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import shapely
from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from shapely.geometry import shape

from geo.errors import ValidationError
from geo.exchange.geometry_import import (
    ImportChoice, ImportPreview, apply_import, preview_import, suggest_key_field,
)
from geo.exchange.import_coordinates import COORDINATE_SOURCES
from geo.status.snapshot import item_states
from geo.exchange.survey_files import FORMATS, SurveyFile, open_survey_file
from geo.plan.validate import Problem
from web.core import messages
from web.core.auth import current_user, requires
from web.core.database import app_store
from web.editing.items import GCJ02_TILES, expected_version
from web.core.tiles import TILE_LAYERS
from web.core.security import allow_larger_body
from web.core.state import corridor_state

logger = logging.getLogger(__name__)

geometry_import_blueprint = Blueprint("geometry_import", __name__)

DEFAULT_IMPORT_MAX_BYTES = 20 * 1024 * 1024
CHOICE_FIELDS = ("file_layer", "key_field", "match", "coordinates", "epsg")
COORDINATE_LABELS: dict[str, str] = {"file": "文件自带", "wgs84": "WGS-84（GPS）", "cgcs2000": "CGCS2000 经纬度",
                                     "gcj02": "GCJ-02（高德）", "bd09": "BD-09（百度）", "epsg": "EPSG 代码"}
LAYER_LABELS: dict[str, str] = {"blocks": "重点区块", "roads": "交通项目", "tasks": "环境整治任务"}


@geometry_import_blueprint.record_once
def _install(state) -> None:
    state.app.config.setdefault("IMPORT_MAX_BYTES", DEFAULT_IMPORT_MAX_BYTES)
    for endpoint in ("api_layers", "api_preview", "api_apply"):
        allow_larger_body(state.app, f"geometry_import.{endpoint}", "IMPORT_MAX_BYTES")


def _request_problem(field: str, message: str, kind: str, **details: object) -> ValidationError:
    return ValidationError([Problem("request", None, field, message, kind=kind, details=details)])


def _with_upload(read):
    """Run ``read(survey)`` on the request's uploaded ``file``, in a temporary folder removed afterwards."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise _request_problem("file", "expected a file upload (multipart form field file)", "import_no_file")
    with tempfile.TemporaryDirectory(prefix="corridor-import-") as folder:
        return read(open_survey_file(upload.read(), upload.filename, folder=Path(folder)))


def _choice() -> ImportChoice:
    values = {name: (request.form.get(name) or "").strip() for name in CHOICE_FIELDS}
    missing = [name for name in ("file_layer", "key_field") if not values[name]]
    if missing:
        raise ValidationError([Problem("request", None, name, "must not be empty", kind="required")
                               for name in missing])
    return ImportChoice(values["file_layer"], values["key_field"], values["match"] or "id",
                        values["coordinates"] or "file", values["epsg"] or None)


def _geojson(geometry: shapely.Geometry | None) -> dict | None:
    return None if geometry is None else json.loads(shapely.to_geojson(geometry))


def _current() -> tuple[dict[str, shapely.Geometry], dict[str, int]]:
    """Every item's geometry now (stored, else the plan's) and version, read from the database."""
    plan = corridor_state().plan
    states = item_states(app_store())
    geometries, versions = {}, {}
    for layer in LAYER_LABELS:
        for item_id, geometry in zip(getattr(plan, layer)["id"], getattr(plan, layer).geometry):
            state = states.get(item_id)
            stored = state.geometry if state is not None else None
            geometries[item_id] = shape(stored.geometry) if stored is not None else geometry
            versions[item_id] = state.version if state is not None else 0
    return geometries, versions


def _metres(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def preview_json(preview: ImportPreview, versions: Mapping[str, int]) -> dict[str, Any]:
    """The preview as the page draws it: per feature the item, old and new geometry, distances and problems."""
    plan = corridor_state().plan
    features = []
    for c in preview.candidates:
        item = plan.item(c.item_id) if c.item_id else None
        layer = plan.layer_of(c.item_id) if c.item_id else None
        features.append({
            "index": c.index, "key": c.key, "item_id": c.item_id, "name": None if item is None else item["name"],
            "layer": layer, "layer_label": LAYER_LABELS.get(layer or ""),
            "version": versions.get(c.item_id) if c.item_id else None,
            "old": _geojson(c.current), "new": _geojson(c.geometry),
            "as_read": _geojson(c.as_read) if c.datum_shift_m is not None else None,
            "moved_m": _metres(c.moved_m), "centroid_moved_m": _metres(c.centroid_moved_m),
            "datum_shift_m": _metres(c.datum_shift_m), "problems": messages.problem_dicts(c.problems)})
    ok = sum(not f["problems"] for f in features)
    return {"filename": preview.filename, "coordinates": preview.coordinates, "layer": preview.choice.layer,
            "key_field": preview.choice.key_field, "match": preview.choice.match,
            "features": features, "ready": bool(features) and ok == len(features),
            "datum_hint": COORDINATE_LABELS[preview.datum_hint] if preview.datum_hint else None,
            "summary": {"features": len(features), "ok": ok, "problems": len(features) - ok}}


@geometry_import_blueprint.get("/import")
@requires("edit_geometry")
def import_page():
    """导入测绘成果: the page (editors only)."""
    tiles = current_app.config["TILES"]
    options = {"maxBytes": current_app.config["IMPORT_MAX_BYTES"], "formats": list(FORMATS),
               "districts": corridor_state().layers.display["districts"],
               "tiles": [] if tiles in GCJ02_TILES else [  # offset tiles would misplace every outline drawn on them
                   {**spec, "tiles": spec["tiles"].replace("{key}", current_app.config["TIANDITU_KEY"])}
                   for spec in TILE_LAYERS[tiles]],
               "urls": {"layers": url_for("geometry_import.api_layers"),
                        "preview": url_for("geometry_import.api_preview"),
                        "apply": url_for("geometry_import.api_apply"),
                        "item": url_for("editing.item_view", item_id="_ID_")}}  # the page puts each id in
    return render_template("import.html", options=options, coordinate_labels=COORDINATE_LABELS,
                           coordinate_sources=COORDINATE_SOURCES, formats=list(dict.fromkeys(FORMATS.values())))


def _layers(survey: SurveyFile) -> dict[str, Any]:
    plan = corridor_state().plan
    layers = []
    for info in survey.layers():
        field, match = suggest_key_field(survey.read(info.name), plan) if info.count else (None, "id")
        layers.append({"name": info.name, "geometry_type": info.geometry_type, "count": info.count,
                       "fields": list(info.fields), "crs": info.crs, "suggested_field": field,
                       "suggested_match": match})
    return {"filename": survey.filename, "format": survey.format, "layers": layers}


@geometry_import_blueprint.post("/api/imports/layers")
@requires("edit_geometry")
def api_layers():
    """The uploaded file's layers and fields."""
    return jsonify(_with_upload(_layers))


@geometry_import_blueprint.post("/api/imports/preview")
@requires("edit_geometry")
def api_preview():
    """Every feature of the chosen layer, checked and measured; nothing is written."""
    choice = _choice()
    geometries, versions = _current()
    preview = _with_upload(lambda survey: preview_import(survey, corridor_state().plan, choice, current=geometries))
    return jsonify(preview_json(preview, versions))


def _expected_versions() -> dict[str, int]:
    try:
        raw = json.loads(request.form.get("versions") or "")
    except ValueError:
        raw = None
    if not isinstance(raw, dict):
        raise _request_problem("versions", "expected a JSON object of each item's version from the preview",
                               "import_versions")
    return {str(item_id): expected_version(str(item_id), value) for item_id, value in raw.items()}


@geometry_import_blueprint.post("/api/imports/apply")
@requires("edit_geometry")
def api_apply():
    """Apply the file: every feature as its item's new surveyed geometry, or (any problem, any conflict) none."""
    choice, versions = _choice(), _expected_versions()
    geometries, _ = _current()
    written = _with_upload(lambda survey: apply_import(
        app_store(), preview_import(survey, corridor_state().plan, choice, current=geometries),
        author=current_user().name, expected_versions=versions))
    logger.info("import applied by %s: %s", current_user().name, ", ".join(w.item_id for w in written))
    return jsonify({"count": len(written), "written": [
        {"item_id": w.item_id, "version": w.version, "geometry_version": w.record.version} for w in written]}), 201


def openapi_paths() -> dict[str, Any]:
    """The import API for :mod:`web.openapi` (multipart uploads, so described here beside the views)."""
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    errors = {"400": {"description": "bad input, naming the field (file, file_layer, key_field, coordinates, ...)",
                      **error},
              "401": {"description": "login required", **error}, "403": {"description": "editors only", **error},
              "413": {"description": "file above IMPORT_MAX_BYTES", **error}}
    choice = {name: {"type": "string"} for name in CHOICE_FIELDS}
    choice["match"] = {"enum": ["id", "name"]}
    choice["coordinates"] = {"enum": list(COORDINATE_SOURCES)}

    def operation(summary: str, fields: dict[str, Any], answer: str, *, status: str = "200") -> dict[str, Any]:
        schema = {"type": "object", "required": ["file", *(f for f in ("file_layer", "key_field") if f in fields)],
                  "properties": {"file": {"type": "string", "format": "binary"}, **fields}}
        return {"post": {"summary": summary, "security": [{"session": [], "csrf": []}],
                         "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}},
                         "responses": {status: {"description": answer, "content": {"application/json": {
                             "schema": {"type": "object"}}}}, **errors}}}

    return {
        "/api/imports/layers": operation("the layers of an uploaded survey file, with the field naming the items",
                                         {}, "the layers"),
        "/api/imports/preview": operation("every feature of a layer checked as its item's new geometry, with the "
                                          "distance moved; nothing is written", choice, "the preview"),
        "/api/imports/apply": operation(
            "every feature as its item's new surveyed geometry version, all or none",
            {**choice, "versions": {"type": "string", "description": "JSON object: each item's version from the "
                                                                     "preview"}},
            "written", status="201"),
    }
