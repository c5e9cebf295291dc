"""Saved inspection tours in the web app: storing a computed tour, the API over them and the 已保存路线 page.

==============================  ======================================================================================
``POST /api/tours/saved``       a tour request (as ``POST /api/tours`` takes it) plus ``title`` and ``tour_date``:
                                the tour is planned and stored, frozen → 201 with the saved tour (editor, CSRF header)
``GET /api/tours/saved``        every saved tour (without its route: ``GET`` one for that)
``GET /api/tours/saved/<id>``   one saved tour: ``id``, ``title``, ``tour_date``, ``owner``, ``created_at``,
                                ``request``, ``result``
``POST /tours/saved``           the 「保存路线」 form of ``/tour`` (``title``, ``tour_date``, ``query``: the tour page's
                                query string) → redirect to the tour's field page ``/tour/<id>/field``
``GET /tours/saved``            已保存路线: the saved tours, each with its field page
==============================  ======================================================================================

Reading needs a login (any role), saving the ``report`` permission (editors) and the CSRF token
(:func:`web.core.auth.requires`). The stored request names the sites the tour visits (a status query or a confirmation
leaving out unreachable sites is already resolved), so re-planning it gives the same stops.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from geo.errors import InvalidParameter
from geo.status.models import MAX_ROW_ID
from geo.field.saved_tours import MAX_TITLE_CHARS, SavedTour, UnknownTour, get_tour, list_tours, save_tour
from web.core.auth import current_user, requires
from web.core.database import app_store
from web.core.errors import error_response
from web.core.navigation import add_nav_link
from web.infra.json_body import request_json
from web.tours.planner import api_options, compute_tour, page_options

logger = logging.getLogger(__name__)

saved_tours_blueprint = Blueprint("saved_tours", __name__)

SAVE_FIELDS = ("title", "tour_date")
MAX_QUERY_CHARS = 8192  # the tour page's query string, sent back by the save form


@saved_tours_blueprint.record_once
def _register_nav(state) -> None:
    add_nav_link(state.app, "已保存路线", "saved_tours.saved_tours_page")


@saved_tours_blueprint.app_errorhandler(UnknownTour)
def _unknown_tour(exc: UnknownTour):
    return error_response(404, "not_found", f"找不到编号为「{exc.tour_id}」的已保存路线，请在“已保存路线”中查看。",
                          message_en=str(exc))


def saved_request(options: Mapping[str, Any], tour: Mapping[str, Any]) -> dict[str, Any]:
    """The request to store: the planning options with the sites the tour visits in place of any query."""
    return {**{key: value for key, value in options.items() if key != "query"},
            "sites": [site["id"] for site in tour["order"]]}


def store_planned_tour(options: Mapping[str, Any], *, title: object, tour_date: object) -> SavedTour:
    """Plan the tour of validated options and store it for the logged-in user."""
    tour = json.loads(current_app.json.dumps(compute_tour(options)))  # plain JSON types for the JSON column
    return save_tour(app_store(), title=title, tour_date=tour_date, owner=current_user().name,
                     request=json.loads(current_app.json.dumps(saved_request(options, tour))), result=tour)


def tour_summary(tour: SavedTour) -> dict[str, Any]:
    """A saved tour in the list: what it is and where to see it, without its route."""
    stops = tour.stops()
    return {"id": tour.id, "title": tour.title, "tour_date": tour.tour_date.isoformat(), "owner": tour.owner,
            "created_at": tour.created_at.isoformat(), "sites": [stop["id"] for stop in stops],
            "stop_names": [stop["name"] for stop in stops], "url": url_for("saved_tours.api_saved_tour",
                                                                           tour_id=tour.id),
            "field_url": url_for("field_page.field_page", tour_id=tour.id)}


@saved_tours_blueprint.post("/api/tours/saved")
@requires("report")
def api_save_tour():
    """Plan and store a tour: the JSON of ``POST /api/tours`` plus ``title`` and ``tour_date`` → 201."""
    body = request_json(error=InvalidParameter)
    if not isinstance(body, dict):
        raise InvalidParameter("body", "expected a JSON object such as {\"title\": \"二季度观摩\", \"tour_date\": "
                                       "\"2021-06-18\", \"sites\": [\"B01\", \"B05\"]}", kind="body_json")
    options = api_options({key: value for key, value in body.items() if key not in SAVE_FIELDS})
    saved = store_planned_tour(options, title=body.get("title"), tour_date=body.get("tour_date"))
    response = jsonify(saved.to_json())
    response.headers["Location"] = url_for("saved_tours.api_saved_tour", tour_id=saved.id)
    return response, 201


@saved_tours_blueprint.get("/api/tours/saved")
@requires("read")
def api_saved_tours():
    """Every saved tour, the latest tour date first."""
    return jsonify({"tours": [tour_summary(tour) for tour in list_tours(app_store())]})


@saved_tours_blueprint.get(f"/api/tours/saved/<int(max={MAX_ROW_ID}):tour_id>")
@requires("read")
def api_saved_tour(tour_id: int):
    """One saved tour with its request and its frozen result."""
    return jsonify(get_tour(app_store(), tour_id).to_json())


@saved_tours_blueprint.post("/tours/saved")
@requires("report")
def save_from_page():
    """The 「保存路线」 form of the tour page: plan the page's tour again, store it, open its field page."""
    query = request.form.get("query", "")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidParameter("query", f"expected the tour page's query string (at most {MAX_QUERY_CHARS} "
                                        f"characters), got {len(query)}", kind="too_long",
                               details={"limit": MAX_QUERY_CHARS, "got": len(query)})
    options = page_options(MultiDict(parse_qsl(query)))
    saved = store_planned_tour(options, title=request.form.get("title"), tour_date=request.form.get("tour_date"))
    return redirect(url_for("field_page.field_page", tour_id=saved.id), code=303)


@saved_tours_blueprint.get("/tours/saved")
@requires("read")
def saved_tours_page():
    """已保存路线: the saved tours, the latest tour date first, each linking to its field page."""
    user = current_user()
    return render_template("saved_tours.html", tours=[tour_summary(tour) for tour in list_tours(app_store())],
                           can_save=user.can("report"))



def openapi_paths() -> dict[str, Any]:
    """The saved-tour API for :mod:`web.openapi`."""
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    meaning = {"400": "bad input, naming the field", "401": "login required", "403": "editors only",
               "404": "unknown saved tour", "413": "request body too large"}
    errors = {code: {"description": text, **error} for code, text in meaning.items()}
    saved = {"content": {"application/json": {"schema": {"type": "object", "required": [
        "id", "title", "tour_date", "owner", "created_at", "request", "result"]}}}}
    body = {"type": "object", "required": ["title", "tour_date"], "description": "the fields of TourRequest plus "
            "the tour's title and date", "properties": {
                "title": {"type": "string", "minLength": 1, "maxLength": MAX_TITLE_CHARS},
                "tour_date": {"type": "string", "format": "date"}}}
    tour_id = [{"name": "tour_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}]
    return {
        "/api/tours/saved": {
            "get": {"summary": "every saved tour, the latest tour date first (without routes)",
                    "security": [{"session": []}], "responses": {
                        "200": {"description": "the tours", "content": {"application/json": {"schema": {
                            "type": "object", "properties": {"tours": {"type": "array"}}}}}},
                        "401": errors["401"]}},
            "post": {"summary": "plan an inspection tour and store it, frozen, for the field",
                     "security": [{"session": [], "csrf": []}],
                     "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
                     "responses": {"201": {"description": "stored", **saved}, **errors}}},
        "/api/tours/saved/{tour_id}": {"get": {
            "summary": "one saved tour with its request and its frozen result", "parameters": tour_id,
            "security": [{"session": []}], "responses": {"200": {"description": "the tour", **saved},
                                                         **{c: errors[c] for c in ("401", "404")}}}},
    }
