"""What the field page's queue uploads to: check-ins and photos at the stops of a saved tour, and the photos back.

===============================================  ====================================================================
``POST /api/tours/saved/<id>/checkins``          JSON check-in (:data:`geo.field.checkins.CHECKIN_FIELDS`) → 201
                                                 with the stored record (distance to the site, ``far``), 200 with
                                                 the stored one when its ``client_id`` is stored already, 409 when
                                                 stored with other content; ``GET``: the tour's check-ins
``POST /api/tours/saved/<id>/photos``            multipart ``file`` plus :data:`geo.field.photos.PHOTO_FIELDS` →
                                                 201 / 200 / 409 as above; 400 for a file that is no JPEG, PNG or
                                                 WebP photo, 413 above 8 MiB or 40 megapixels; ``GET``: the list
``GET /media/tours/<photo_id>``                  the stored (metadata-free) photo
===============================================  ====================================================================

Writes need an editor's login and the CSRF token (permission ``report``); reading needs a login. Photos are stored
by the media store of ``MEDIA_DIR`` (default ``<instance>/media``); ``MEDIA_URL`` (an object store) is refused at
start-up (:func:`geo.field.media_store.open_media_store`). Upload bodies may be :data:`PHOTO_BODY_BYTES` long: the photo's
8 MiB plus room for the form fields.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from geo.field.checkins import CHECKIN_FIELDS, list_checkins, parse_checkin, record_checkin
from geo.field.submissions import ClientIdConflict
from geo.errors import InvalidParameter
from geo.field.photos import PHOTO_FIELDS, list_photos, parse_photo_fields, photo_file, record_photo
from geo.field.media_store import MediaMissing, MediaStore, open_media_store
from geo.status.models import MAX_ROW_ID
from geo.field.photo_cleaning import MAX_PHOTO_BYTES, PhotoRejected
from geo.field.saved_tours import get_tour
from web.core import messages
from web.core.auth import current_user, requires
from web.core.database import app_store
from web.core.errors import error_response
from web.infra.json_body import request_json
from web.core.security import allow_larger_body
from web.core.state import corridor_state

logger = logging.getLogger(__name__)

field_api_blueprint = Blueprint("field_api", __name__)

MEDIA_EXTENSION = "corridor_media"
PHOTO_ENDPOINT = "field_api.api_photo"
PHOTO_BODY_BYTES = MAX_PHOTO_BYTES + 256 * 1024
TOO_LARGE_TEXT = "照片文件（file）超过 8 MiB 上限，请压缩或缩小后重新上传。"
CHECKINS_RULE = f"/api/tours/saved/<int(max={MAX_ROW_ID}):tour_id>/checkins"
PHOTOS_RULE = f"/api/tours/saved/<int(max={MAX_ROW_ID}):tour_id>/photos"


@field_api_blueprint.record_once
def _install(state) -> None:
    app = state.app
    app.config.setdefault("PHOTO_BODY_MAX_BYTES", PHOTO_BODY_BYTES)
    folder = app.config["MEDIA_DIR"] or Path(app.instance_path) / "media"
    app.extensions[MEDIA_EXTENSION] = open_media_store(folder=folder, url=app.config["MEDIA_URL"])
    allow_larger_body(app, PHOTO_ENDPOINT, "PHOTO_BODY_MAX_BYTES")


def media_store() -> MediaStore:
    """The current app's media store."""
    return current_app.extensions[MEDIA_EXTENSION]


@field_api_blueprint.errorhandler(ClientIdConflict)
def _conflict(exc: ClientIdConflict):
    labels = "、".join(messages.field_label(name) for name in exc.fields)
    return error_response(409, "client_id_conflict", f"编号（client_id）「{exc.client_id}」已保存过内容不同的记录"
                                                     f"（{labels}不同）；重试请发送原记录，新记录请使用新编号。",
                          message_en=str(exc), client_id=exc.client_id, fields=exc.fields)


@field_api_blueprint.errorhandler(PhotoRejected)
def _photo_rejected(exc: PhotoRejected):
    return error_response(413 if exc.too_large else 400, "invalid_parameter", messages.parameter_message(exc),
                          message_en=str(exc), parameter=exc.field, label=messages.field_label(exc.field))


@field_api_blueprint.errorhandler(413)
def _body_too_large(exc):
    if request.endpoint != PHOTO_ENDPOINT:
        return error_response(413, "request_entity_too_large", messages.http_message(413),
                              message_en=exc.description)
    return error_response(413, "request_entity_too_large", TOO_LARGE_TEXT, message_en=exc.description,
                          parameter="file", label=messages.field_label("file"))


@field_api_blueprint.errorhandler(MediaMissing)
def _media_missing(exc: MediaMissing):
    logger.error("photo file missing: %s", exc)
    return error_response(404, "not_found", "照片文件已不在媒体目录中，请联系系统管理员。", message_en=str(exc))


def _answer(record: dict[str, Any], created: bool) -> tuple[Response, int]:
    return jsonify(record), 201 if created else 200


def _with_url(photo: dict[str, Any]) -> dict[str, Any]:
    return {**photo, "url": url_for("field_api.media_photo", photo_id=photo["id"])}


@field_api_blueprint.get(CHECKINS_RULE)
@requires("read")
def api_checkins(tour_id: int):
    """The saved tour's check-ins, in the order they were made."""
    tour = get_tour(app_store(), tour_id)
    return jsonify({"tour_id": tour.id, "checkins": list_checkins(app_store(), tour.id)})


@field_api_blueprint.post(CHECKINS_RULE)
@requires("report")
def api_checkin(tour_id: int):
    """One more check-in: 201 new, 200 a retry of a stored one, 409 a changed retry."""
    body = request_json(error=lambda field, message, kind=None: InvalidParameter(field, message, kind=kind))
    tour = get_tour(app_store(), tour_id)
    checkin = parse_checkin(body, tour)
    return _answer(*record_checkin(app_store(), corridor_state().plan, tour, checkin, author=current_user().name))


@field_api_blueprint.get(PHOTOS_RULE)
@requires("read")
def api_photos(tour_id: int):
    """The saved tour's photos (metadata, each with the ``url`` of its file)."""
    tour = get_tour(app_store(), tour_id)
    return jsonify({"tour_id": tour.id, "photos": [_with_url(p) for p in list_photos(app_store(), tour.id)]})


@field_api_blueprint.post(PHOTOS_RULE)
@requires("report")
def api_photo(tour_id: int):
    """One more photo (multipart): 201 new, 200 a retry of a stored one, 409 another photo under its client_id."""
    tour = get_tour(app_store(), tour_id)
    fields = parse_photo_fields(request.form, tour)
    upload = request.files.get("file")
    if upload is None:
        raise PhotoRejected("file", "expected a photo upload (multipart form field file)", kind="required")
    photo, created = record_photo(app_store(), media_store(), tour, fields, upload.read(),
                                  author=current_user().name)
    return _answer(_with_url(photo), created)


@field_api_blueprint.get(f"/media/tours/<int(max={MAX_ROW_ID}):photo_id>")
@requires("read")
def media_photo(photo_id: int):
    """A stored photo (no metadata), for logged-in users only."""
    data, media_type = photo_file(app_store(), media_store(), photo_id)
    response = Response(data, mimetype=media_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


def openapi_paths() -> dict[str, Any]:
    """The field API for :mod:`web.openapi` (a multipart upload among them, so described here beside the views)."""
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    meaning = {"400": "bad input, naming the field", "401": "login required", "403": "editors only",
               "404": "unknown saved tour", "409": "client_id stored with other content",
               "413": "photo above 8 MiB or 40 megapixels"}
    errors = {code: {"description": text, **error} for code, text in meaning.items()}
    tour_id = [{"name": "tour_id", "in": "path", "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID}}]
    stored = {"content": {"application/json": {"schema": {"type": "object"}}}}
    text = {"type": "string"}
    checkin = {"type": "object", "required": ["client_id", "site_id", "checked_in_at"], "properties": {
        **{name: text for name in CHECKIN_FIELDS}, "checked_in_at": {"type": "string", "format": "date-time"},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "accuracy_m": {"type": "number", "minimum": 0}, "progress_estimate": {"type": "integer", "minimum": 0,
                                                                              "maximum": 100}}}
    photo = {"type": "object", "required": ["client_id", "site_id", "file"], "properties": {
        **{name: text for name in PHOTO_FIELDS}, "file": {"type": "string", "format": "binary"}}}

    def pair(kind: str, body: dict[str, Any]) -> dict[str, Any]:
        read = {"summary": f"the saved tour's {kind}", "parameters": tour_id, "security": [{"session": []}],
                "responses": {"200": {"description": f"the {kind}", **stored},
                              **{c: errors[c] for c in ("401", "404")}}}
        write = {"summary": f"store one of the tour's {kind} (idempotent by client_id)", "parameters": tour_id,
                 "security": [{"session": [], "csrf": []}], "requestBody": {"required": True, "content": body},
                 "responses": {"201": {"description": "stored", **stored},
                               "200": {"description": "stored before under this client_id", **stored}, **errors}}
        return {"get": read, "post": write}

    return {"/api/tours/saved/{tour_id}/checkins": pair("check-ins", {"application/json": {"schema": checkin}}),
            "/api/tours/saved/{tour_id}/photos": pair("photos", {"multipart/form-data": {"schema": photo}})}
