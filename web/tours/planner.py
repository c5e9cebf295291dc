"""The inspection-tour planner in the web app: the ``/tour`` page, its GPX download and ``POST /api/tours``.

=====================  ===================================================================================
``GET /tour``          pick sites (list or map), start, end, departure, dwell, lunch, budget, scenario; shows the
                       route with numbered stops, the itinerary with clock times (printable on A4, with the map)
                       and AMap links. When chosen sites cannot be reached it asks first (:func:`tour_page`).
``GET /tour/gpx``      the same tour (same query parameters) as a GPX 1.1 download
``POST /api/tours``    JSON in (fields of :data:`API_FIELDS`), the tour as JSON out; 400 naming the field
``GET /api/tours/check``  which chosen sites (the page's query parameters) can be reached, before planning
=====================  ===================================================================================

Routing graphs are cached per scenario and congestion factor in the app's :class:`web.core.state.CorridorState`.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from geo.errors import InvalidParameter
from geo.tours.itinerary import tour_to_gpx
from geo.plan.layers import PlanData, default_data_dir, reference_points
from geo.tours.placement import reachability
from geo.tours.routing import RoutingGraph
from geo.tours.sites import DEFAULT_START
from geo.tours.planner import (DEFAULT_SCENARIO, END_LABELS, SCENARIO_LABELS, check_scenario, plan_tour, tour_graph,
                       tour_request)
from geo.tours.request import TourRequest
from web.core import labels
from web.infra.json_body import request_json
from web.core.navigation import add_nav_link
from web.maps import ACCESS_COLORS, OVERVIEW_LAYERS, MapLayer, layered_map, render_parts
from web.core.state import corridor_state
from web.core.status import item_status, status_filter_values
from web.views import map_bounds, map_collections

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


def request_and_graph(options: Mapping[str, Any]) -> tuple[TourRequest, RoutingGraph]:
    """The tour request of validated ``tour_request`` keyword options and the routing graph of their ``congestion``
    and ``scenario`` (cached per app)."""
    options = dict(options)
    congestion = options.pop("congestion", 1.0)
    scenario = options.pop("scenario", DEFAULT_SCENARIO)
    state = corridor_state()
    data_dir = Path(current_app.config["DATA_DIR"]) if current_app.config["DATA_DIR"] else default_data_dir()
    request_ = tour_request(plan_with_status(state.plan), reference_points(data_dir), **options)
    graph = state.cached("tour-graph", scenario, congestion,
                         lambda: tour_graph(state.network, state.plan, scenario=scenario, congestion=congestion))
    return request_, graph


def compute_tour(options: Mapping[str, Any]) -> dict[str, Any]:
    """Plan a tour from validated ``tour_request`` keyword options plus ``congestion`` and ``scenario``."""
    request_, graph = request_and_graph(options)
    return plan_tour(graph, request_)


def _number(value: object, field: str, *, optional: bool = False) -> float | None:
    if optional and (value is None or value == ""):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise InvalidParameter(field, f"expected a number, got {value!r}", kind="number_expected",
                               details={"got": value})
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
        raise InvalidParameter(field, f"expected one of {', '.join(keys)}; got {value!r}", kind="choice",
                               details={"got": value, "choices": tuple(keys)})
    return keys[value]


def api_options(body: object) -> dict[str, Any]:
    """``tour_request`` options from a ``POST /api/tours`` JSON body, each field's type checked."""
    if not isinstance(body, dict):
        raise InvalidParameter("body", "expected a JSON object such as {\"sites\": [\"B01\", \"B05\"]}",
                               kind="body_json")
    unknown = [key for key in body if key not in API_FIELDS]
    if unknown:
        raise InvalidParameter(", ".join(unknown), f"unknown field; expected any of {', '.join(API_FIELDS)}",
                               kind="unknown_parameter", details={"allowed": API_FIELDS})
    sites = body.get("sites", [])
    if not isinstance(sites, list) or not all(isinstance(s, str) for s in sites):
        raise InvalidParameter("sites", f"expected a list of site ids such as [\"B01\", \"R03\"], got {sites!r}",
                               kind="list_expected", details={"got": sites})
    for field in ("start", "end", "depart", "lunch"):
        if body.get(field) is not None and not isinstance(body[field], str):
            raise InvalidParameter(field, f"expected text, got {body[field]!r}", kind="text_expected")
    dwell_by_site = body.get("dwell_by_site") or {}
    if not isinstance(dwell_by_site, dict):
        raise InvalidParameter("dwell_by_site", f"expected an object of site id to minutes, got {dwell_by_site!r}",
                               kind="object_expected", details={"got": dwell_by_site})
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
        raise InvalidParameter("query", f"expected an object with any of {', '.join(QUERY_FIELDS)}, got {query!r}",
                               kind="unknown_parameter", details={"allowed": QUERY_FIELDS})
    query = {key: value for key, value in query.items() if value not in (None, "")}
    for key, value in query.items():
        expected_text = key != "layers"
        if not (isinstance(value, str) if expected_text else
                isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise InvalidParameter(f"query.{key}", f"expected {'text' if expected_text else 'a list of layer names'}"
                                                   f", got {value!r}", kind="text_expected")
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


def _sites_chosen(args: Mapping[str, Any]) -> bool:
    return bool(args.getlist("site") or args.get("sites") or any(args.get(key) for key in ("district", "category",
                                                                                             "status")))


def _ask_first(check: Mapping[str, Any], args: Mapping[str, Any]) -> bool:
    """Whether to ask before planning: some chosen sites cannot be reached and the user has not confirmed planning
    without exactly those (``confirm``: their ids, sent by the question's button)."""
    confirmed = {part.strip() for part in args.get("confirm", "").split(",")}
    return check["can_plan"] and bool({u["id"] for u in check["unreachable"]} - confirmed)


def _end_choices(chosen_end: str, site_choices: Mapping[str, list[dict[str, Any]]]) -> list[tuple[str, str]]:
    """The 终点 options as (value, label): round trip, open, the reference points, the sites, then any other value
    asked for (shown as it is, so that the error naming it makes sense)."""
    data_dir = Path(current_app.config["DATA_DIR"]) if current_app.config["DATA_DIR"] else default_data_dir()
    choices = [*END_LABELS.items(), *((name, name) for name in reference_points(data_dir)["name"])]
    sites = [(p["id"], f"{p['id']} {p['name']}") for group in site_choices.values() for p in group]
    known = {value for value, _ in choices + sites}
    return choices + sites + ([(chosen_end, chosen_end)] if chosen_end not in known else [])


@tours_blueprint.get("/tour")
def tour_page():
    """巡查路线: the form; when sites are chosen, either the question whether to plan without the sites the network
    cannot reach (status 400 when none can be reached) or the route on the map and the printable itinerary. The
    form's buttons send ``plan`` (plan) or ``confirm`` (plan without the listed unreachable sites); submitting with
    no site is a 400 naming the field."""
    tour, check, error = None, None, None
    if _sites_chosen(request.args) or "plan" in request.args or "confirm" in request.args:
        try:
            request_, graph = request_and_graph(page_options(request.args))
            check = reachability(graph, request_)
            if not _ask_first(check, request.args):  # plan_tour raises, keeping the check, when nothing can be planned
                tour, check = plan_tour(graph, request_), None
        except InvalidParameter as exc:
            error = exc
    status = 400 if error else 200
    data_dir = Path(current_app.config["DATA_DIR"]) if current_app.config["DATA_DIR"] else default_data_dir()
    selected = set(request.args.getlist("site")) | {s for s in request.args.get("sites", "").split(",") if s}
    if tour or check:  # sites added by a query too
        selected |= {o["id"] for o in tour["order"]} if tour else {site["id"] for site in check["sites"]}
    choices, end = _site_choices(), request.args.get("end") or "start"
    return render_template("tour.html", map_parts=render_parts(_tour_map(tour)), tour=tour, check=check,
                           error=error, args=request.args, choices=choices, selected=selected,
                           references=list(reference_points(data_dir)["name"]), default_start=DEFAULT_START,
                           end=end, end_choices=_end_choices(end, choices), districts=_query_districts(),
                           categories=QUERY_CATEGORIES, scenarios=SCENARIO_LABELS,
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


@tours_blueprint.get("/api/tours/check")
def api_tours_check():
    """Which chosen sites (the ``/tour`` page's query parameters: ``sites=B01,B05`` or ``site`` repeated, the
    query, ``start``, ``end``, ``scenario``, ...) the network can reach, and why not, before planning."""
    request_, graph = request_and_graph(page_options(request.args))
    return jsonify(reachability(graph, request_))
