"""园区目标: the six parks (一区五园) coloured by target achievement, per-park charts, the targets × parks table, and
reporting actual values (Attachment 1 of the plan; rules in :mod:`geo.status.achievement`).

==============================================  ==================================================================
``GET /parks?quarter=2021Q2``                   the page: map, charts, table; editors also get the report form
                                                (default quarter: the plan year's latest quarter that has begun)
``POST /parks/actuals``                         the form: 303 back to the page, else the page with the problems
                                                (400) or the conflict (409)
``GET /api/parks?quarter=``                     the parks as GeoJSON with colour, colour_label, counts by colour
``GET /api/targets?quarter=``                   one row per (target, park or total) cell, with its version
``POST /api/targets/<target_id>/actuals``       report an actual: ``park``, ``quarter``, ``value``, ``reported_on``
                                                (default today), ``note``, ``expected_version``, ``confirm``
                                                (true: keep an unusual value, else 422) → 201
``GET /api/targets/<target_id>/history``        every actual reported for the target, latest first, and the
                                                audit entries of its cells
==============================================  ==================================================================

An actual is the cumulative year-to-date value at the quarter's end; only 2021Q1..2021Q4 exist (the targets are
the plan year's). Writes need login, the CSRF token and the ``report`` permission; bad input is answered 400 naming
the field, an unknown target 404, a stale ``expected_version`` 409 (:mod:`geo.status.target_records`). What the page and
the read API show is computed once per database change (:func:`geo.status.snapshot.latest_change_id`), the page once per
quarter as well.
"""
from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import folium
import pandas as pd
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup

from geo.status.achievement import ACHIEVEMENT_LABELS, TOTAL, park_summary, target_rows
from geo.errors import EditConflict, InvalidParameter, NeedsConfirmation, UnknownItem, ValidationError
from geo.plan.quarters import Quarter, parse_quarter, year_quarters
from geo.status.records import Written
from geo.status.snapshot import Actual, audit_entries, latest_change_id
from geo.status.colours import PLAN_YEAR_START
from geo.plan.target_plan import TargetPlan
from geo.status.target_records import (
    actual_history, actual_key, actual_values, actual_versions, add_actual, latest_actuals, reportable_parks,
)
from geo.plan.targets import PLAN_PARKS, TARGET_ID
from geo.plan.validate import Problem
from web.core import confirmations, labels, messages
from web.core.as_of import beijing_today
from web.core.as_of_view import past_day
from web.core.auth import current_user, requires
from web.core.confirmations import confirm_flag
from web.infra.cache import app_cached
from web.core.database import app_store
from web.editing.items import expected_version
from web.core.errors import problem_list
from web.core.features import API_PRECISION, DISPLAY_PRECISION, to_feature_collection
from web.core.navigation import add_nav_link
from web.infra.json_body import request_json
from web.maps import PARK_LAYERS, MapParts, achievement_hex, layered_map, render_parts
from web.reports.park_charts import TableRow, park_chart, target_table
from web.core.popups import popup_spec
from web.core.state import corridor_state

logger = logging.getLogger(__name__)

parks_blueprint = Blueprint("parks", __name__)

PLAN_QUARTERS: tuple[Quarter, ...] = year_quarters(PLAN_YEAR_START.year)
ACTUAL_FIELDS = ("park", "quarter", "value", "reported_on", "note", "expected_version", "confirm")
FORM_FIELDS = ("target_id", *ACTUAL_FIELDS)
COUNT_COLOURS = ("green", "yellow", "red", "grey", "none")
PARK_FIELDS: tuple[str, ...] = (*PLAN_PARKS, TOTAL)
TARGET_ID_PATTERN = f"^{TARGET_ID.pattern}$"
CACHE_EXTENSION = "corridor_parks"
MAP_PAD_DEG = 0.03
PARK_PROPERTIES = ("id", "name", "district", "geometry_source")
PARK_FIELD_LABELS: dict[str, str] = {
    "id": "编号", "name": "名称", "status": "目标完成情况", "district": "所在地区",
    **{colour: f"{ACHIEVEMENT_LABELS[colour]}（项）" for colour in COUNT_COLOURS},
}

@parks_blueprint.record_once
def _register_nav(state) -> None:
    add_nav_link(state.app, "园区目标", "parks.page")


def default_quarter(today: date) -> Quarter:
    """The plan year's latest quarter that has begun by ``today`` (its first quarter before the plan year)."""
    begun = [quarter for quarter in PLAN_QUARTERS if quarter.start <= today]
    return begun[-1] if begun else PLAN_QUARTERS[0]


def plan_quarter(text: object) -> Quarter:
    """A quarter of the plan year from its text; :class:`InvalidParameter` naming ``quarter`` otherwise."""
    quarter = parse_quarter(text)
    if quarter not in PLAN_QUARTERS:
        raise InvalidParameter("quarter", f"the targets are the plan year's: expected one of "
                                          f"{', '.join(map(str, PLAN_QUARTERS))}, got {text!r}", kind="quarter_of_year",
                               details={"got": text, "choices": tuple(map(str, PLAN_QUARTERS))})
    return quarter


def quarter_argument(args: Mapping[str, str], *, allowed: tuple[str, ...]) -> Quarter:
    """The ``quarter`` query parameter (default :func:`default_quarter` of today, or of the request's ``as_of`` day:
    :mod:`web.core.as_of_view`), refusing unknown parameters."""
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise InvalidParameter(", ".join(unknown), f"unknown parameter; expected {' or '.join(allowed)}",
                               kind="unknown_parameter", details={"allowed": allowed})
    return plan_quarter(args["quarter"]) if "quarter" in args else default_quarter(past_day() or date.today())


@dataclass(frozen=True)
class ParkTargets:
    """Every plan quarter's :func:`~geo.status.achievement.target_rows` and :func:`~geo.status.achievement.park_summary`, and
    the version of each reportable cell (by :func:`~geo.status.target_records.actual_key`), as of one database change."""

    change_id: int
    rows: dict[Quarter, pd.DataFrame]
    summaries: dict[Quarter, pd.DataFrame]
    versions: dict[str, int]


def park_targets() -> ParkTargets:
    """The targets' state from the database, computed again only after a write."""
    store = app_store()
    change_id = latest_change_id(store)

    def compute() -> ParkTargets:
        values = actual_values(latest_actuals(store))
        plan = corridor_state().targets
        rows = {quarter: target_rows(plan, values, quarter) for quarter in PLAN_QUARTERS}
        return ParkTargets(change_id=change_id, rows=rows, summaries={q: park_summary(r) for q, r in rows.items()},
                           versions=actual_versions(store))

    return app_cached(CACHE_EXTENSION, ("targets", change_id), compute)


def _json_number(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def row_json(row: Mapping[str, Any], versions: Mapping[str, int]) -> dict[str, Any]:
    """One cell of :func:`~geo.status.achievement.target_rows` for the API, with its colour label and version."""
    body = {key: _json_number(value) for key, value in row.items()}
    return {**body, "colour_label": ACHIEVEMENT_LABELS[row["colour"]],
            "version": versions.get(actual_key(row["target_id"], row["park"]), 0)}


def park_geometries() -> dict[str, dict[str, Any]]:
    """The parks as FeatureCollections, ``full`` (API) and ``display`` precision, serialised once per app."""
    def compute() -> dict[str, dict[str, Any]]:
        parks = corridor_state().targets.parks[[*PARK_PROPERTIES, "geometry"]]
        return {"full": to_feature_collection(parks, precision=API_PRECISION),
                "display": to_feature_collection(parks, precision=DISPLAY_PRECISION)}

    return app_cached(CACHE_EXTENSION, ("geometries",), compute)


def park_collection(summary: pd.DataFrame, quarter: Quarter, *, display: bool = False) -> dict[str, Any]:
    """The parks with their colour for ``quarter`` from ``summary`` (:func:`~geo.status.achievement.park_summary`).

    For the API: ``colour``, ``colour_label``, counts by colour. For the map (``display``): the colour as
    ``status`` / ``status_color``, which the map script shows as a coloured label in the popup.
    """
    by_park = summary.set_index("park")
    features = []
    for feature in park_geometries()["display" if display else "full"]["features"]:
        row = by_park.loc[feature["id"]]
        colour = str(row["colour"])
        counts = {name: int(row[name]) for name in COUNT_COLOURS}
        extra = ({"status": ACHIEVEMENT_LABELS[colour], "status_color": colour} if display else
                 {"quarter": str(quarter), "colour": colour, "colour_label": ACHIEVEMENT_LABELS[colour]})
        features.append({**feature, "properties": {**feature["properties"], **extra, **counts}})
    return {"type": "FeatureCollection", "features": features}


def park_map(summary: pd.DataFrame, quarter: Quarter) -> folium.Map:
    """The Folium map: plan areas as context, the parks filled with their colour for ``quarter``."""
    bounds = corridor_state().targets.parks.total_bounds
    padded = (bounds[0] - MAP_PAD_DEG, bounds[1] - MAP_PAD_DEG, bounds[2] + MAP_PAD_DEG, bounds[3] + MAP_PAD_DEG)
    base = labels.map_options()
    field_labels = {**PARK_FIELD_LABELS, "status": f"目标完成情况（{quarter}）",
                    **{k: v for k, v in labels.FIELD_LABELS.items() if k not in PARK_FIELD_LABELS}}
    options = {**base, "fieldLabels": field_labels, **popup_spec(field_labels), "itemPath": "",
               "statusColors": {colour: achievement_hex(colour) for colour in ACHIEVEMENT_LABELS}}
    collections = {"districts": corridor_state().layers.display["districts"],
                   "parks": park_collection(summary, quarter, display=True)}
    return layered_map(PARK_LAYERS, collections, tiles=current_app.config["TILES"],
                       tianditu_key=current_app.config["TIANDITU_KEY"], bounds=padded, options=options)


@dataclass(frozen=True)
class ParksPage:
    """The parts of the page for one quarter: the map, the charts (parks, then the total) and the table."""

    quarter: Quarter
    targets: ParkTargets
    map_parts: MapParts
    charts: tuple[tuple[str, str, Markup], ...]
    table: list[TableRow]


def parks_page_parts(quarter: Quarter) -> ParksPage:
    """The page's parts for ``quarter``, built again only after a write."""
    targets = park_targets()
    plan = corridor_state().targets

    def compute() -> ParksPage:
        park_ids = tuple(plan.parks["id"])
        names = {**dict(zip(plan.parks["id"], plan.parks["name"])), TOTAL: "全区合计"}
        charts = tuple((park, names[park], park_chart(park, targets.rows, selected=quarter))
                       for park in (*park_ids, TOTAL))
        return ParksPage(quarter=quarter, targets=targets,
                         map_parts=render_parts(park_map(targets.summaries[quarter], quarter)), charts=charts,
                         table=target_table(targets.rows[quarter], columns=(*park_ids, TOTAL), quarter=quarter))

    return app_cached(CACHE_EXTENSION, ("page", quarter, targets.change_id), compute)


def _form_options(plan: TargetPlan, versions: Mapping[str, int]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The report form's targets (id, text, the parks they take actuals for) and each cell's current version."""
    choices, cell_versions = [], {}
    for target in plan.targets:
        parks = reportable_parks(target)
        choices.append({"id": target.id, "text": f"{target.id} {target.label}（{target.unit}）", "parks": parks})
        cell_versions[target.id] = {park: versions.get(actual_key(target.id, park), 0) for park in parks}
    return choices, cell_versions


def _selection(choices: list[dict[str, Any]], cell_versions: Mapping[str, Mapping[str, int]],
               form: Mapping[str, Any]) -> dict[str, Any]:
    """The form's target and park (as submitted or asked for by a table link, else the first), and the version."""
    by_id = {choice["id"]: choice for choice in choices}
    target_id = form.get("target_id") if form.get("target_id") in by_id else choices[0]["id"]
    parks = by_id[target_id]["parks"]
    park = form.get("park") if form.get("park") in parks else parks[0]
    return {"target_id": target_id, "park": park, "parks": parks, "version": cell_versions[target_id][park]}


def render_parks(quarter: Quarter, *, form: Mapping[str, Any] | None = None, problems: list | None = None,
                 conflict: str | None = None, confirmation: dict | None = None, status: int = 200):
    """The page for ``quarter``, optionally with a refused form's values and its problems, conflict or
    confirmation step (:mod:`web.core.confirmations`)."""
    parts = parks_page_parts(quarter)
    plan = corridor_state().targets
    choices, cell_versions = _form_options(plan, parts.targets.versions)
    form = dict(form or {})
    form.setdefault("target_id", request.args.get("target"))
    form.setdefault("park", request.args.get("park"))
    summary = parts.targets.summaries[quarter].to_dict("records")
    rows = parts.targets.rows[quarter]
    total_counts = Counter(rows.loc[rows["park"] == TOTAL, "colour"])
    page = render_template(
        "parks.html", quarter=quarter, quarters=PLAN_QUARTERS, page=parts, map_parts=parts.map_parts,
        summary=summary, count_colours=COUNT_COLOURS, achievement_labels=ACHIEVEMENT_LABELS,
        achievement_hex=achievement_hex, parks=[*zip(plan.parks["id"], plan.parks["name"]), (TOTAL, "全区合计")],
        choices=choices, cell_versions=cell_versions, selection=_selection(choices, cell_versions, form), form=form,
        total_counts=total_counts, problems=problems or [], conflict=conflict, confirmation=confirmation,
        today=beijing_today().isoformat())
    return page, status


@parks_blueprint.get("/parks")
def page():
    """园区目标: the parks on the map by colour, the per-park charts, the table and (for editors) the form."""
    quarter = (plan_quarter(request.args["quarter"]) if "quarter" in request.args
               else default_quarter(past_day() or date.today()))  # as_of: the quarter begun by then
    return render_parks(quarter)


def write_actual(target_id: str, values: Mapping[str, Any], user: str) -> Written:
    """Report an actual of ``target_id`` by ``user`` from a JSON body's or a form's ``values``."""
    return add_actual(app_store(), corridor_state().targets, target_id, park=values.get("park"),
                      quarter=values.get("quarter"), value=values.get("value"),
                      reported_on=values.get("reported_on") or beijing_today().isoformat(),
                      note="" if values.get("note") is None else values["note"], reporter=user, today=beijing_today(),
                      expected_version=expected_version(target_id, values.get("expected_version")),
                      confirmed=confirm_flag(target_id, values.get("confirm")))


def _form_quarter(text: object) -> Quarter:
    try:
        return plan_quarter(text)
    except InvalidParameter:
        return default_quarter(date.today())


@parks_blueprint.post("/parks/actuals")
@requires("report")
def form_actual():
    """The page's report form: on success back to the quarter's page (303), else the page with the problems."""
    values = {name: request.form.get(name) for name in FORM_FIELDS}
    quarter = _form_quarter(values["quarter"])
    target_id = values["target_id"] or ""
    try:
        try:
            corridor_state().targets.target(target_id)
        except UnknownItem as exc:
            raise ValidationError([Problem("request", target_id or None, "target_id", str(exc))]) from None
        written = write_actual(target_id, values, current_user().name)
    except ValidationError as exc:
        return render_parks(quarter, form=values, problems=problem_list(exc), status=400)
    except EditConflict as exc:
        return render_parks(quarter, form=values, conflict=messages.conflict_versions(exc), status=409)
    except NeedsConfirmation as exc:
        step = confirmations.confirmation(exc, action=request.path, values=values, cancel="#actual-form")
        return render_parks(quarter, form=values, confirmation=step)
    return redirect(url_for("parks.page", quarter=str(written.record.quarter), saved=1), code=303)


@parks_blueprint.get("/api/parks")
def api_parks():
    """The parks as a FeatureCollection coloured for ``quarter``."""
    quarter = quarter_argument(request.args, allowed=("quarter", "as_of"))
    response = jsonify(park_collection(park_targets().summaries[quarter], quarter))
    response.mimetype = "application/geo+json"
    return response


@parks_blueprint.get("/api/targets")
def api_targets():
    """Every (target, park or total) cell of ``quarter``: target, expected, actual, achievement, gap, colour."""
    quarter = quarter_argument(request.args, allowed=("quarter", "as_of"))
    targets = park_targets()
    return jsonify({"quarter": str(quarter), "rows": [row_json(row, targets.versions)
                                                      for row in targets.rows[quarter].to_dict("records")]})


@parks_blueprint.get("/api/targets/<target_id>/history")
def api_target_history(target_id: str):
    """Every actual reported for the target (all parks and quarters, corrections included), latest first, and the
    audit entries of its cells."""
    target = corridor_state().targets.target(target_id)
    store = app_store()
    keys = [actual_key(target.id, park) for park in reportable_parks(target)]
    audit = [entry for key in keys for entry in audit_entries(store, item_id=key)]
    return jsonify({"target_id": target.id, "label": target.label, "unit": target.unit,
                    "actuals": [actual_json(actual) for actual in actual_history(store, target.id)],
                    "audit": [{"at": entry.at.isoformat(), "actor": entry.actor, "action": entry.action,
                               "item_id": entry.item_id, "details": entry.details}
                              for entry in sorted(audit, key=lambda entry: entry.id, reverse=True)]})


def actual_json(actual: Actual) -> dict[str, Any]:
    """A stored actual for the API."""
    return {"id": actual.id, "target_id": actual.target_id, "park": actual.park, "quarter": str(actual.quarter),
            "value": actual.value, "note": actual.note, "reported_on": actual.reported_on.isoformat(),
            "reporter": actual.reporter, "created_at": actual.created_at.isoformat()}


def _json_object(target_id: str) -> dict[str, Any]:
    """The request's JSON object (:func:`web.infra.json_body.request_json`), refusing (400) anything else and any member
    not in :data:`ACTUAL_FIELDS`."""
    body = request_json(error=lambda field, message, kind=None: ValidationError([Problem("request", target_id, field,
                                                                                           message, kind=kind)]))
    expected = ", ".join(ACTUAL_FIELDS)
    if not isinstance(body, dict):
        raise ValidationError([Problem("request", target_id, "body", f"expected a JSON object (Content-Type: "
                                                                     f"application/json) with {expected}")])
    unknown = sorted(set(body) - set(ACTUAL_FIELDS))
    if unknown:
        raise ValidationError([Problem("request", target_id, name, f"unknown field; expected {expected}")
                               for name in unknown])
    return body


@parks_blueprint.post("/api/targets/<target_id>/actuals")
@requires("report")
def api_actual(target_id: str):
    """Report an actual (JSON) → 201 with the record, the cell's new version and its assessment."""
    corridor_state().targets.target(target_id)
    written = write_actual(target_id, _json_object(target_id), current_user().name)
    actual: Actual = written.record
    targets = park_targets()
    rows = targets.rows[actual.quarter]
    [row] = rows[(rows["target_id"] == target_id) & (rows["park"] == actual.park)].to_dict("records")
    return jsonify({"item_id": written.item_id, "version": written.version, "record": actual_json(actual),
                    "assessment": row_json(row, targets.versions)}), 201
