"""Keeping items current from the app: the write API, the item history and the item page ``/items/<id>``.

==========================================  ======================================================================
``POST /api/items/<id>/reports``            progress report: ``percent``, ``state``, ``note``, ``reported_on``
                                            (default today), ``reported_colour``, ``expected_version``,
                                            ``confirm`` (true to keep a percent below the previous one) → 201
``POST /api/items/<id>/close``              check-off (销号): ``note``, ``effective_on`` (default today),
                                            ``expected_version`` → 201
``POST /api/items/<id>/reopen``             reopen a closed item: ``note`` (the reason), ``expected_version``
``PUT /api/items/<id>/geometry``            new geometry version: ``geometry`` (GeoJSON), ``expected_version``,
                                            ``source`` (``hand_drawn`` / ``uploaded`` / ``surveyed``)
``GET /api/items/<id>/history``             current status, reports, check-off events, geometry versions, audit
``GET /items/<id>``                         条目详情: status, history, report / close / reopen forms, geometry editor
==========================================  ======================================================================

Writes need login, the CSRF token and the role's permission (:func:`web.core.auth.requires`). Bad input is answered
400 naming the field, an unknown id 404, a stale ``expected_version`` 409, an unusual value not confirmed 422
``needs_confirmation`` (:mod:`web.core.confirmations`); a failed write changes nothing (each is one transaction in
:mod:`geo.status.records`). The reporter / actor / author is always the logged-in user.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from geo.status import records
from geo.status.as_of import states_as_of
from geo.errors import EditConflict, NeedsConfirmation, UnknownItem, ValidationError
from geo.status.models import UPLOADED
from geo.network.edges import MAX_BBOX_DEGREES
from geo.status.merged import status_row
from geo.status.snapshot import audit_entries, check_history, geometry_history, item_state, report_history
from geo.status.colours import COLOUR_LABELS, COLOURS, STATES
from geo.plan.validate import Problem
from web.core import confirmations, labels, messages
from web.core.as_of import beijing_today
from web.core.as_of_view import past_history, served_layers, viewing_past
from web.core.auth import current_user, requires
from web.core.confirmations import confirm_flag
from web.core.database import app_store
from web.core.live_status import current_status_day
from web.editing.editor_api import nearby_features
from web.core.errors import problem_list
from web.core.features import with_status
from web.infra.json_body import request_json
from web.core.tiles import TILE_LAYERS
from web.core.state import DEPARTMENT_TASK_PREFIX, corridor_state
from web.core.status import DETAIL_FIELDS

logger = logging.getLogger(__name__)

editing_blueprint = Blueprint("editing", __name__)

REPORT_FIELDS = ("percent", "state", "note", "reported_on", "reported_colour", "expected_version", "confirm")
CHECK_OFF_FIELDS = ("note", "effective_on", "expected_version")
GEOMETRY_FIELDS = ("geometry", "expected_version", "source")
API_GEOMETRY_SOURCE = UPLOADED  # a geometry an API client sends comes from a file of unknown origin unless it says
MAX_VERSION = 2**31 - 1  # the database's integer column
GCJ02_TILES = frozenset({"amap"})  # drawing over offset tiles would store offset coordinates


def _problem(item_id: str, field: str, message: str, *, kind: str | None = None, **details: object) -> ValidationError:
    return ValidationError([Problem("request", item_id, field, message, kind=kind, details=details)])


def json_body(item_id: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    """The request's JSON object (:func:`web.infra.json_body.request_json`), refusing (400) anything else and any member
    not in ``allowed``; an unknown ``item_id`` first raises :class:`~geo.errors.UnknownItem` (404)."""
    corridor_state().catalogue_for(item_id)
    body = request_json(error=lambda field, message, kind=None: _problem(item_id, field, message, kind=kind))
    if not isinstance(body, dict):
        raise _problem(item_id, "body", "expected a JSON object (Content-Type: application/json) with "
                                        f"{', '.join(allowed)}", kind="body_json")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise ValidationError([Problem("request", item_id, name, f"unknown field; expected {', '.join(allowed)}",
                                       kind="unknown_parameter", details={"allowed": allowed})
                               for name in unknown])
    return body


def expected_version(item_id: str, value: object) -> int:
    """The ``expected_version`` of a write: a whole number ≥ 0 (or its ASCII digits, from a form)."""
    # ASCII only: str.isdigit() also accepts "²", which int() refuses (a 500), and int() reads "１" as 1
    if isinstance(value, str) and re.fullmatch(f"[0-9]{{1,{len(str(MAX_VERSION))}}}", value.strip()):
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_VERSION:
        return value
    raise _problem(item_id, "expected_version", f"expected the item's version when it was read (a whole number "
                                                f"≥ 0, 0 for an item never edited), got {value!r}", kind="version",
                   got=value)


def _jsonable(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def current_status(item_id: str) -> dict[str, Any]:
    """The item's status row as of today (Beijing time, as the maps) or the request's ``as_of`` day, read straight
    from the database."""
    day = current_status_day()
    state = states_as_of(app_store(), day, item_ids=[item_id]).get(item_id) if viewing_past() else \
        item_state(app_store(), item_id, as_of=day)
    return status_row(item_id, state, as_of=day)


def written_response(result: records.Written):
    """The API's 201 answer to a write: the item's new version, the record and the item's status."""
    body = {"item_id": result.item_id, "version": result.version, "record": _jsonable(result.record),
            "status": current_status(result.item_id)}
    return jsonify(body), 201


# The writes, each taking (item_id, values from a JSON body or a form, user name).
def write_report(item_id: str, values: Mapping[str, Any], user: str) -> records.Written:
    """Add a progress report by ``user``."""
    return records.add_report(
        app_store(), corridor_state().catalogue_for(item_id), item_id, percent=values.get("percent"),
        state=values.get("state"), note=values.get("note", ""),
        reported_on=values.get("reported_on") or beijing_today().isoformat(),
        reported_colour=values.get("reported_colour") or None, reporter=user, today=beijing_today(),
        expected_version=expected_version(item_id, values.get("expected_version")),
        confirmed=confirm_flag(item_id, values.get("confirm")))


def write_close(item_id: str, values: Mapping[str, Any], user: str) -> records.Written:
    """Close (销号) the item with a note by ``user``."""
    return records.close_item(app_store(), corridor_state().catalogue_for(item_id), item_id,
                              note=values.get("note"), actor=user, effective_on=values.get("effective_on") or None,
                              today=beijing_today(),
                              expected_version=expected_version(item_id, values.get("expected_version")))


def write_reopen(item_id: str, values: Mapping[str, Any], user: str) -> records.Written:
    """Reopen the closed item, the note giving the reason."""
    return records.reopen_item(app_store(), corridor_state().catalogue_for(item_id), item_id,
                               note=values.get("note"), actor=user, effective_on=values.get("effective_on") or None,
                               today=beijing_today(),
                               expected_version=expected_version(item_id, values.get("expected_version")))


WRITES: dict[str, tuple[str, tuple[str, ...], Callable[..., records.Written]]] = {
    "reports": ("report", REPORT_FIELDS, write_report),
    "close": ("close", CHECK_OFF_FIELDS, write_close),
    "reopen": ("close", CHECK_OFF_FIELDS, write_reopen),
}


@editing_blueprint.post("/api/items/<item_id>/reports")
@requires("report")
def api_report(item_id: str):
    """Add a progress report (JSON)."""
    return written_response(write_report(item_id, json_body(item_id, REPORT_FIELDS), current_user().name))


@editing_blueprint.post("/api/items/<item_id>/close")
@requires("close")
def api_close(item_id: str):
    """Close (销号) an item (JSON)."""
    return written_response(write_close(item_id, json_body(item_id, CHECK_OFF_FIELDS), current_user().name))


@editing_blueprint.post("/api/items/<item_id>/reopen")
@requires("close")
def api_reopen(item_id: str):
    """Reopen a closed item (JSON)."""
    return written_response(write_reopen(item_id, json_body(item_id, CHECK_OFF_FIELDS), current_user().name))


@editing_blueprint.put("/api/items/<item_id>/geometry")
@requires("edit_geometry")
def api_geometry(item_id: str):
    """Replace the item's geometry (JSON ``geometry``: GeoJSON geometry, Feature or one-feature FeatureCollection,
    WGS-84) as a new geometry version; ``source`` says how it was made: ``hand_drawn`` (the page's editor),
    ``uploaded`` (the default: a file of unknown origin) or ``surveyed`` (an imported survey file)."""
    body = json_body(item_id, GEOMETRY_FIELDS)
    version = expected_version(item_id, body.get("expected_version"))
    result = records.add_geometry_version(app_store(), corridor_state().plan, item_id, body.get("geometry"),
                                          author=current_user().name, expected_version=version,
                                          source=body.get("source", API_GEOMETRY_SOURCE))
    return written_response(result)


def item_history(item_id: str) -> dict[str, Any]:
    """Everything the database holds about one item, newest first (as it stood on the request's ``as_of`` day)."""
    store = app_store()
    return past_history({
        "item_id": item_id,
        "status": current_status(item_id),
        "reports": _jsonable(report_history(store, item_id)),
        "check_events": _jsonable(check_history(store, item_id)),
        "geometry_versions": _jsonable(geometry_history(store, item_id)),
        "audit": _jsonable(audit_entries(store, item_id=item_id)),
    })


@editing_blueprint.get("/api/items/<item_id>/history")
def api_history(item_id: str):
    """The item's status and full history (readable by anyone who can read the map)."""
    corridor_state().catalogue_for(item_id)
    return jsonify(item_history(item_id))


def _editor_options(layer: str, feature: Mapping[str, Any]) -> dict[str, Any]:
    tiles = current_app.config["TILES"]
    tile_layers = [] if tiles in GCJ02_TILES else [
        {**spec, "tiles": spec["tiles"].replace("{key}", current_app.config["TIANDITU_KEY"])}
        for spec in TILE_LAYERS[tiles]]
    return {"layer": layer, "feature": feature, "districts": corridor_state().layers.display["districts"],
            "tiles": tile_layers, "geometryUrl": url_for("editing.api_geometry", item_id=feature["id"]),
            "version": feature["properties"].get("version", 0),
            "neighbours": nearby_features(corridor_state().layers, feature),
            "edgesUrl": url_for("editor_api.network_edges"), "edgesMaxDegrees": MAX_BBOX_DEGREES,
            "unionUrl": url_for("editor_api.geometry_union")}


def item_page(item_id: str, *, problems: list[dict] | None = None, conflict: str | None = None,
              confirmation: dict | None = None, status: int = 200):
    """Render the item page, optionally with the problems of a refused form or the confirmation step of one
    (:mod:`web.core.confirmations`)."""
    layer, feature = served_layers().find(item_id)
    feature = with_status(feature)
    page = render_template(
        "item.html", layer=layer, item=feature["properties"], history=item_history(item_id),
        editor=_editor_options(layer, feature), states=STATES, colours={c: COLOUR_LABELS[c] for c in COLOURS},
        labels=labels, today=beijing_today().isoformat(), problems=problems or [], conflict=conflict,
        confirmation=confirmation,
        editor_detail_keys=set(DETAIL_FIELDS.values()),
        gcj02=current_app.config["TILES"] in GCJ02_TILES)
    return page, status


def _is_department_task(item_id: str) -> bool:
    if not item_id.startswith(DEPARTMENT_TASK_PREFIX):  # without loading the targets for the map's items
        return False
    try:
        corridor_state().targets.department_task(item_id)
    except UnknownItem:
        return False
    return True


@editing_blueprint.get("/items/<item_id>")
def item_view(item_id: str):
    """条目详情: the item's state and history, with the forms its user's role allows; a department task's page is
    ``/departments/<id>`` (308 there)."""
    if _is_department_task(item_id):
        return redirect(url_for("departments.department_view", task_id=item_id), code=308)
    return item_page(item_id)


def submit_form(item_id: str, action: str, *, page: Callable[..., Any], done: Callable[[], str]):
    """Run the ``action`` form (reports, close, reopen) of ``item_id`` for the logged-in user: 303 to ``done()``
    on success, else ``page(item_id, ...)`` with the problems (400), the conflict (409) or, nothing written yet, the
    confirmation step (200: unusual values; closing is always confirmed first)."""
    permission, fields, write = WRITES[action]

    @requires(permission)
    def submit():
        values = {name: request.form.get(name) for name in fields}
        step = {"action": request.path, "values": values, "cancel": request.path.rsplit("/", 1)[0]}
        try:
            if action == "close" and not confirm_flag(item_id, request.form.get(confirmations.FIELD)):
                version = expected_version(item_id, values.get("expected_version"))
                step = confirmations.closing_confirmation(item_id, actor=current_user().name, version=version, **step)
                return page(item_id, confirmation=step)
            write(item_id, values, current_user().name)
        except ValidationError as exc:
            return page(item_id, problems=problem_list(exc), status=400)
        except NeedsConfirmation as exc:
            return page(item_id, confirmation=confirmations.confirmation(exc, **step))
        except EditConflict as exc:
            return page(item_id, conflict=messages.conflict_versions(exc), status=409)
        logger.info("%s %s by %s (form)", action, item_id, current_user().name)
        return redirect(done(), code=303)

    return submit()


@editing_blueprint.post("/items/<item_id>/<any(reports, close, reopen):action>")
def item_form(item_id: str, action: str):
    """The item page's forms: on success back to the page (303), else the page with the problems. A department
    task's form is sent on to ``/departments/<id>/<action>`` unwritten (308), which writes it and lands on its page."""
    if _is_department_task(item_id):
        # 308 keeps the method and the form: the write happens once, where its page and its problems can be shown
        return redirect(url_for("departments.department_form", task_id=item_id, action=action), code=308)
    return submit_form(item_id, action, page=item_page,
                       done=lambda: url_for("editing.item_view", item_id=item_id, saved=action))
