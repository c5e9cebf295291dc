"""The inspection-tour planner in the web app: the ``/tour`` page, its GPX download and ``POST /api/tours``.

=====================  ===================================================================================
``GET /tour``          pick sites (list or map), start, end, departure, dwell, lunch, budget, scenario; shows the
                       route with numbered stops, the itinerary with clock times (printable on A4) and AMap links
``GET /tour/gpx``      the same tour (same query parameters) as a GPX 1.1 download
``POST /api/tours``    JSON in (fields of :data:`API_FIELDS`), the tour as JSON out; 400 naming the field
=====================  ===================================================================================

Routing graphs are cached per scenario and congestion factor in the app's :class:`web.state.CorridorState`.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from geo.errors import InvalidParameter
from geo.itinerary import tour_to_gpx
from geo.plan import PlanData, default_data_dir, reference_points
from geo.tour_sites import DEFAULT_START
from geo.tours import DEFAULT_SCENARIO, SCENARIO_LABELS, check_scenario, plan_tour, tour_graph, tour_request
from web import labels
from web.json_body import request_json
from web.maps import ACCESS_COLORS, OVERVIEW_LAYERS, MapLayer, layered_map, render_parts
from web.state import corridor_state
from web.status import item_status, status_filter_values
from web.views import add_nav_link, map_bounds, map_collections

logger = logging.getLogger(__name__)

tours_blueprint = Blueprint("tours", __name__)

API_FIELDS = ("sites", "query", "start", "end", "depart", "dwell", "dwell_by_site", "lunch", "lunch_minutes",
              "budget", "congestion", "scenario")
QUERY_FIELDS = ("district", "category", "status", "layers")
ROUTE_COLOR = "#0b7285"
QUERY_CATEGORIES = {**labels.VALUE_LABELS["category"],
                    **{kind: labels.VALUE_LABELS["kind"][kind] for kind in ("block", "ring_road")}}
TOUR_FIELD_LABELS = {"seq": "序号", "label": "标注", "arrive": "到达", "depart": "离开", "dwell_min": "停留（分钟）",
                     "drive_min": "车程（分钟）", "distance_km": "里程（公里）"}


@tours_blueprint.record_once
def _register_nav(state) -> None:
    add_nav_link(state.app, "巡查路线", "tours.tour_page")


def route_style(feature: Mapping[str, Any]) -> dict[str, Any]:
    """Tour legs: a broad teal line over everything else."""
    return {"color": ROUTE_COLOR, "weight": 5, "opacity": 0.9}


def stop_style(feature: Mapping[str, Any]) -> dict[str, Any]:
    """Stops: dark teal discs (the number is drawn on them by ``tour.js``); the start in green."""
    start = feature["properties"]["role"] == "start"
    return {"color": "#ffffff", "weight": 2, "fillColor": ACCESS_COLORS[True] if start else ROUTE_COLOR,
            "fillOpacity": 1.0}


TOUR_LAYERS: tuple[MapLayer, ...] = (*OVERVIEW_LAYERS, MapLayer("route", "巡查路线", route_style),
                                     MapLayer("stops", "停靠点（按顺序编号）", stop_style, circle_radius=11))


def plan_with_status(plan: PlanData) -> PlanData:
    """The plan with a ``status_color`` column per item layer, as the maps show it (for the status query)."""
    def colored(layer):
        rows = layer.drop(columns="geometry").to_dict("records")
        return layer.assign(status_color=[item_status(row).color for row in rows])

    return PlanData(blocks=colored(plan.blocks), roads=colored(plan.roads), tasks=colored(plan.tasks),
                    districts=plan.districts)


def compute_tour(options: Mapping[str, Any]) -> dict[str, Any]:
    """Plan a tour from validated ``tour_request`` keyword options plus ``congestion`` and ``scenario``."""
    options = dict(options)
    congestion = options.pop("congestion", 1.0)
    scenario = options.pop("scenario", DEFAULT_SCENARIO)
    state = corridor_state()
    data_dir = Path(current_app.config["DATA_DIR"]) if current_app.config["DATA_DIR"] else default_data_dir()
    request_ = tour_request(plan_with_status(state.plan), reference_points(data_dir), **options)
    graph = state.cached("tour-graph", scenario, congestion,
                         lambda: tour_graph(state.network, state.plan, scenario=scenario, congestion=congestion))
    return plan_tour(graph, request_)


def _number(value: object, field: str, *, optional: bool = False) -> float | None:
    if optional and (value is None or value == ""):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise InvalidParameter(field, f"expected a number, got {value!r}")
    return number


def _dwell_overrides(text: str) -> dict[str, float]:
    overrides = {}
    for item in filter(None, (part.strip() for part in text.replace("，", ",").split(","))):
        site, _, minutes = item.partition("=")
        overrides[site.strip()] = _number(minutes, "dwell_at")
    return overrides


def page_options(args: Mapping[str, Any]) -> dict[str, Any]:
    """``tour_request`` options from the page's query string (``site`` repeated or ``sites`` comma-separated)."""
    sites = [*args.getlist("site"), *(s for s in args.get("sites", "").split(",") if s.strip())]
    query = {key: args[key] for key in ("district", "category", "status") if args.get(key)}
    if "status" in query:
        query["status"] = _status_key(query["status"], "status")
    lunch = f"{args.get('lunch_from', '12:00')}-{args.get('lunch_to', '13:00')}" if args.get("lunch") else None
    return {"sites": sites, "query": query or None, "start": args.get("start") or None,
            "end": args.get("end") or "start", "depart": args.get("depart") or "08:30",
            "dwell": _number(args.get("dwell") or 20, "dwell"),
            "dwell_by_site": _dwell_overrides(args.get("dwell_at", "")), "lunch": lunch,
            "lunch_minutes": _number(args.get("lunch_minutes") or 60, "lunch_minutes"),
            "budget": _number(args.get("budget"), "budget", optional=True),
            "congestion": round(_number(args.get("congestion") or 1.0, "congestion"), 3),
            "scenario": check_scenario(args.get("scenario") or DEFAULT_SCENARIO)}


def _status_key(value: object, field: str) -> str:
    keys = status_filter_values()
    if value not in keys:
        raise InvalidParameter(field, f"expected one of {', '.join(keys)}; got {value!r}")
    return keys[value]


def api_options(body: object) -> dict[str, Any]:
    """``tour_request`` options from a ``POST /api/tours`` JSON body, each field's type checked."""
    if not isinstance(body, dict):
        raise InvalidParameter("body", "expected a JSON object such as {\"sites\": [\"B01\", \"B05\"]}")
    unknown = [key for key in body if key not in API_FIELDS]
    if unknown:
        raise InvalidParameter(", ".join(unknown), f"unknown field; expected any of {', '.join(API_FIELDS)}")
    sites = body.get("sites", [])
    if not isinstance(sites, list) or not all(isinstance(s, str) for s in sites):
        raise InvalidParameter("sites", f"expected a list of site ids such as [\"B01\", \"R03\"], got {sites!r}")
    for field in ("start", "end", "depart", "lunch"):
        if body.get(field) is not None and not isinstance(body[field], str):
            raise InvalidParameter(field, f"expected text, got {body[field]!r}")
    dwell_by_site = body.get("dwell_by_site") or {}
    if not isinstance(dwell_by_site, dict):
        raise InvalidParameter("dwell_by_site", f"expected an object of site id to minutes, got {dwell_by_site!r}")
    return {"sites": sites, "query": _api_query(body.get("query")), "start": body.get("start"),
            "end": body.get("end") or "start", "depart": body.get("depart") or "08:30",
            "dwell": _number(body.get("dwell", 20), "dwell"),
            "dwell_by_site": {k: _number(v, f"dwell_by_site.{k}") for k, v in dwell_by_site.items()},
            "lunch": body.get("lunch"), "lunch_minutes": _number(body.get("lunch_minutes", 60), "lunch_minutes"),
            "budget": _number(body.get("budget"), "budget", optional=True),
            "congestion": round(_number(body.get("congestion", 1.0), "congestion"), 3),
            "scenario": check_scenario(DEFAULT_SCENARIO if body.get("scenario") is None else body["scenario"])}


def _api_query(query: object) -> dict[str, Any] | None:
    if query is None:
        return None
    if not isinstance(query, dict) or any(key not in QUERY_FIELDS for key in query):
        raise InvalidParameter("query", f"expected an object with any of {', '.join(QUERY_FIELDS)}, got {query!r}")
    query = {key: value for key, value in query.items() if value not in (None, "")}
    for key, value in query.items():
        expected_text = key != "layers"
        if not (isinstance(value, str) if expected_text else
                isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise InvalidParameter(f"query.{key}", f"expected {'text' if expected_text else 'a list of layer names'}"
                                                   f", got {value!r}")
    if "status" in query:
        query["status"] = _status_key(query["status"], "query.status")
    return query or None


def tour_collections(tour: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The tour's legs and stops as FeatureCollections for the map."""
    legs = [{"type": "Feature", "id": f"leg-{leg['seq']}", "geometry": leg["geometry"],
             "properties": {"id": f"leg-{leg['seq']}", "name": f"第{leg['seq']}段：{leg['from_name']} → {leg['to_name']}",
                            "depart": leg["depart"], "arrive": leg["arrive"], "drive_min": leg["drive_min"],
                            "distance_km": leg["distance_km"]}} for leg in tour["legs"]]
    stops = [{"type": "Feature", "id": f"stop-{p['seq']}",
              "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
              "properties": {"id": f"stop-{p['seq']}", "name": p["name"], "label": p["label"], "seq": p["seq"],
                             "role": p["role"], "arrive": p["arrive"], "depart": p["depart"],
                             "dwell_min": p["dwell_min"]}}
             for p in tour["points"] if p["role"] != "return"]
    return {"route": {"type": "FeatureCollection", "features": legs},
            "stops": {"type": "FeatureCollection", "features": stops}}


def _tour_bounds(tour: Mapping[str, Any] | None) -> tuple[float, float, float, float]:
    if not tour:
        return map_bounds()
    points = [xy for leg in tour["legs"] for xy in leg["geometry"]["coordinates"]]
    points += [(p["lon"], p["lat"]) for p in tour["points"]]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def _tour_map(tour: Mapping[str, Any] | None):
    collections = {**map_collections(), **tour_collections(tour or {"legs": [], "points": []})}
    options = labels.map_options()
    options["fieldLabels"] = {**options["fieldLabels"], **TOUR_FIELD_LABELS}
    return layered_map(TOUR_LAYERS, collections, tiles=current_app.config["TILES"],
                       tianditu_key=current_app.config["TIANDITU_KEY"], bounds=_tour_bounds(tour), options=options)


def _site_choices() -> dict[str, list[dict[str, Any]]]:
    collections = map_collections()
    return {"重点区块": [f["properties"] for f in collections["blocks"]["features"]],
            "交通路网项目与环线": [f["properties"] for key in ("roads", "ring")
                                   for f in collections[key]["features"]],
            "环境整治任务": [f["properties"] for f in collections["tasks"]["features"]]}


def _query_districts() -> list[str]:
    districts = corridor_state().plan.districts
    return list(districts.loc[districts["kind"] != "corridor", "name"])


@tours_blueprint.get("/tour")
def tour_page():
    """巡查路线: the form, and when sites are chosen the route on the map and the printable itinerary."""
    chosen = bool(request.args.getlist("site") or request.args.get("sites") or request.args.get("district")
                  or request.args.get("category") or request.args.get("status"))
    tour, error, status = None, None, 200
    if chosen:
        try:
            tour = compute_tour(page_options(request.args))
        except InvalidParameter as exc:
            error, status = exc, 400
    data_dir = Path(current_app.config["DATA_DIR"]) if current_app.config["DATA_DIR"] else default_data_dir()
    selected = set(request.args.getlist("site")) | {s for s in request.args.get("sites", "").split(",") if s}
    if tour:
        selected |= {o["id"] for o in tour["order"]}
    return render_template("tour.html", map_parts=render_parts(_tour_map(tour)), tour=tour, error=error,
                           args=request.args, choices=_site_choices(), selected=selected,
                           references=list(reference_points(data_dir)["name"]), default_start=DEFAULT_START,
                           districts=_query_districts(), categories=QUERY_CATEGORIES, scenarios=SCENARIO_LABELS,
                           default_scenario=DEFAULT_SCENARIO), status


@tours_blueprint.get("/tour/gpx")
def tour_gpx():
    """The tour of the page's query parameters as a GPX 1.1 file."""
    tour = compute_tour(page_options(request.args))
    return Response(tour_to_gpx(tour), mimetype="application/gpx+xml",
                    headers={"Content-Disposition": "attachment; filename=corridor-tour.gpx"})


@tours_blueprint.post("/api/tours")
def api_tours():
    """Plan a tour: JSON in (``sites``, ``query``, ``start``, ``end``, ``depart``, ...), the itinerary JSON out."""
    return jsonify(compute_tour(api_options(request_json(error=InvalidParameter))))
